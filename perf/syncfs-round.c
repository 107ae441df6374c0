// What it measures: the cost of making one group-commit round durable when it wrote PERROUND of NFILES files
// (300-byte overwrites inside a written-and-synced 1 MB zero region, as the WAL reserve leaves them): "seq" one
// fdatasync per file, "syncfs" one syncfs, "threads N" the files handed out to N threads. Run in a folder on the
// disk under test: gcc -O2 -pthread -o /tmp/syncbench perf/syncfs-round.c && mkdir -p d && /tmp/syncbench 1000 64 syncfs 1 200
// "none" only writes (the write's own cost); "sfr" starts every file's write-back (sync_file_range WRITE), waits
// for each, then one fdatasync for the device cache flush (durable only where the data's blocks and size are
// already durable and overwritten in place: measured as a possibility, the WAL does not do it). Besides the time per round it prints the CPU the rounds cost per
// record: the process's (user + system, all threads, from getrusage) and the whole machine's busy time
// (/proc/stat: user, system, irq, softirq; it counts other programs too, so run it on a quiet machine): under
// `--fsync interval` the syncs run beside the requests, so their CPU, not their latency, is what they take away.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <stdatomic.h>
#include <sys/resource.h>
static int nfiles, perround, nthreads; static int *fds; static off_t *offs;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec/1e9;}
static double rusage_s(){struct rusage u;getrusage(RUSAGE_SELF,&u);return u.ru_utime.tv_sec+u.ru_utime.tv_usec/1e6+u.ru_stime.tv_sec+u.ru_stime.tv_usec/1e6;}
static double busy_s(){unsigned long long v[10]={0};FILE*f=fopen("/proc/stat","r");if(!f)return 0;if(fscanf(f,"cpu %llu %llu %llu %llu %llu %llu %llu",&v[0],&v[1],&v[2],&v[3],&v[4],&v[5],&v[6])!=7)v[0]=0;fclose(f);return (v[0]+v[1]+v[2]+v[5]+v[6])/(double)sysconf(_SC_CLK_TCK);}
static int *roundfiles; static int roundn; static atomic_int next; 
static pthread_barrier_t b1,b2;
static void *worker(void*a){ for(;;){ pthread_barrier_wait(&b1); if(roundn<0)return 0; int i; while((i=atomic_fetch_add(&next,1))<roundn) fdatasync(fds[roundfiles[i]]); pthread_barrier_wait(&b2);} }
int main(int c,char**v){ nfiles=atoi(v[1]); perround=atoi(v[2]); const char*mode=v[3]; nthreads=c>4?atoi(v[4]):1; int rounds=c>5?atoi(v[5]):200;
 fds=calloc(nfiles,sizeof(int)); offs=calloc(nfiles,sizeof(off_t)); roundfiles=calloc(perround,sizeof(int));
 char z[1<<16]; memset(z,0,sizeof z); char rec[300]; memset(rec,'x',sizeof rec);
 for(int i=0;i<nfiles;i++){char p[64];sprintf(p,"d/f%d",i);fds[i]=open(p,O_RDWR|O_CREAT|O_TRUNC,0600);for(int k=0;k<16;k++)pwrite(fds[i],z,sizeof z,k*(off_t)sizeof z);offs[i]=0;}
 sync();
 pthread_t th[256]; if(!strcmp(mode,"threads")){pthread_barrier_init(&b1,0,nthreads+1);pthread_barrier_init(&b2,0,nthreads+1);for(int i=0;i<nthreads;i++)pthread_create(&th[i],0,worker,0);}
 int cursor=0; double t0=now(), c0=rusage_s(), b0=busy_s();
 for(int r=0;r<rounds;r++){
  for(int j=0;j<perround;j++){int f=cursor++%nfiles; roundfiles[j]=f; pwrite(fds[f],rec,sizeof rec,offs[f]); offs[f]+=sizeof rec; if(offs[f]>(1<<20)-300)offs[f]=0;}
  if(!strcmp(mode,"seq")) for(int j=0;j<perround;j++) fdatasync(fds[roundfiles[j]]);
  else if(!strcmp(mode,"syncfs")) syncfs(fds[0]);
  else if(!strcmp(mode,"sfr")){for(int j=0;j<perround;j++) sync_file_range(fds[roundfiles[j]],0,0,SYNC_FILE_RANGE_WRITE);
   for(int j=0;j<perround;j++) sync_file_range(fds[roundfiles[j]],0,0,SYNC_FILE_RANGE_WAIT_BEFORE|SYNC_FILE_RANGE_WRITE|SYNC_FILE_RANGE_WAIT_AFTER);
   fdatasync(fds[roundfiles[0]]);}
  else if(!strcmp(mode,"threads")){roundn=perround;atomic_store(&next,0);pthread_barrier_wait(&b1);pthread_barrier_wait(&b2);}
 }
 double dt=now()-t0, n=(double)rounds*perround; printf("%s files=%d perround=%d threads=%d: %.3f ms/round, %.0f records/s, CPU per record: process %.1f us, machine %.1f us\n",mode,nfiles,perround,nthreads,dt/rounds*1e3,n/dt,(rusage_s()-c0)/n*1e6,(busy_s()-b0)/n*1e6);
 return 0;}
