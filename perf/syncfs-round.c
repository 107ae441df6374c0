// What it measures: the cost of making one group-commit round durable when it wrote PERROUND of NFILES files
// (300-byte overwrites inside a written-and-synced 1 MB zero region, as the WAL reserve leaves them): "seq" one
// fdatasync per file, "syncfs" one syncfs, "threads N" the files handed out to N threads. Run in a folder on the
// disk under test: gcc -O2 -pthread -o /tmp/syncbench perf/syncfs-round.c && mkdir -p d && /tmp/syncbench 1000 64 syncfs 1 200
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>
static int nfiles, perround, nthreads; static int *fds; static off_t *offs;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static int *roundfiles; static int roundn; static atomic_int next; 
static pthread_barrier_t b1,b2;
static void *worker(void*a){ for(;;){ pthread_barrier_wait(&b1); if(roundn<0)return 0; int i; while((i=atomic_fetch_add(&next,1))<roundn) fdatasync(fds[roundfiles[i]]); pthread_barrier_wait(&b2);} }
int main(int c,char**v){ nfiles=atoi(v[1]); perround=atoi(v[2]); const char*mode=v[3]; nthreads=c>4?atoi(v[4]):1; int rounds=c>5?atoi(v[5]):200;
 fds=calloc(nfiles,sizeof(int)); offs=calloc(nfiles,sizeof(off_t)); roundfiles=calloc(perround,sizeof(int));
 char z[1<<16]; memset(z,0,sizeof z); char rec[300]; memset(rec,'x',sizeof rec);
 for(int i=0;i<nfiles;i++){char p[64];sprintf(p,"d/f%d",i);fds[i]=open(p,O_RDWR|O_CREAT|O_TRUNC,0600);for(int k=0;k<16;k++)pwrite(fds[i],z,sizeof z,k*(off_t)sizeof z);offs[i]=0;}
 sync();
 pthread_t th[256]; if(!strcmp(mode,"threads")){pthread_barrier_init(&b1,0,nthreads+1);pthread_barrier_init(&b2,0,nthreads+1);for(int i=0;i<nthreads;i++)pthread_create(&th[i],0,worker,0);}
 int cursor=0; double t0=now();
 for(int r=0;r<rounds;r++){
  for(int j=0;j<perround;j++){int f=cursor++%nfiles; roundfiles[j]=f; pwrite(fds[f],rec,sizeof rec,offs[f]); offs[f]+=sizeof rec; if(offs[f]>(1<<20)-300)offs[f]=0;}
  if(!strcmp(mode,"seq")) for(int j=0;j<perround;j++) fdatasync(fds[roundfiles[j]]);
  else if(!strcmp(mode,"syncfs")) syncfs(fds[0]);
  else if(!strcmp(mode,"threads")){roundn=perround;atomic_store(&next,0);pthread_barrier_wait(&b1);pthread_barrier_wait(&b2);}
 }
 double dt=now()-t0; printf("%s files=%d perround=%d threads=%d: %.3f ms/round, %.0f records/s\n",mode,nfiles,perround,nthreads,dt/rounds*1e3,rounds*perround/dt);
 return 0;}
