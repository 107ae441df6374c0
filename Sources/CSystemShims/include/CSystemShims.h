#ifndef SLUICE_SYSTEM_SHIMS_H
#define SLUICE_SYSTEM_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/file.h>
#include <signal.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/statvfs.h>

/* Thin wrappers so Swift sees plain functions and constants; every one returns -1 and sets errno on failure. */

int sluice_epoll_create(void);
int sluice_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int sluice_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms);
/* epoll_pwait2 with a nanosecond timeout (negative: wait forever); falls back to epoll_wait rounded up to ms. */
int sluice_epoll_wait_nanos(int epfd, struct epoll_event *events, int maxevents, int64_t timeout_ns);
uint64_t sluice_epoll_event_data(const struct epoll_event *event);
uint32_t sluice_epoll_event_flags(const struct epoll_event *event);

extern const uint32_t SLUICE_EPOLLIN;
extern const uint32_t SLUICE_EPOLLOUT;
extern const uint32_t SLUICE_EPOLLERR;
extern const uint32_t SLUICE_EPOLLHUP;
extern const uint32_t SLUICE_EPOLLRDHUP;
extern const uint32_t SLUICE_EPOLLET;
extern const int SLUICE_EPOLL_CTL_ADD;
extern const int SLUICE_EPOLL_CTL_MOD;
extern const int SLUICE_EPOLL_CTL_DEL;

/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC. */
int sluice_accept_nonblocking(int fd);
/* socket with SOCK_NONBLOCK | SOCK_CLOEXEC. */
int sluice_socket_nonblocking(int domain, int type);

int sluice_eventfd(void);
int sluice_eventfd_signal(int fd);
int sluice_eventfd_drain(int fd);

/* sync_file_range(SYNC_FILE_RANGE_WRITE): starts write-back of the range's dirty pages and returns without waiting
   for it to finish. */
int sluice_start_writeback(int fd, int64_t offset, int64_t length);

/* Blocks the given signals in the calling thread (inherited by threads it starts) and returns a signalfd for them. */
int sluice_signalfd_for(const int *signals, int count);
/* Reads one signal from a signalfd; returns the signal number or -1. */
int sluice_signalfd_read(int fd);
/* Ignores SIGPIPE (and SIGXFSZ, so writes past a file-size limit fail with EFBIG instead of killing us). */
int sluice_ignore_sigpipe(void);

int sluice_set_int_sockopt(int fd, int level, int name, int value);

/* syncfs(2): writes back and flushes the whole file system holding fd; reports writeback errors since
   fd was opened or last passed here only on Linux 5.8 and later (see sluice_syncfs_trusted). */
int sluice_syncfs(int fd);
/* 1 when syncfs of the file system holding fd can stand in for an fdatasync of each of its files: the
   kernel's syncfs reports writeback errors (Linux 5.8 or later) and the file system is a local one whose
   sync commits its journal or transaction and flushes the device (ext2/3/4, XFS, btrfs); else 0. */
int sluice_syncfs_trusted(int fd);

/* Names the calling thread (at most 15 characters are kept). */
int sluice_set_thread_name(const char *name);

/* Sets the calling thread's nice value (Linux keeps one per thread); 0 on success. */
int sluice_set_thread_nice(int nice);

/* CRC32C (Castagnoli), hardware-accelerated with SSE4.2 when the CPU has it. crc starts at 0. */
uint32_t sluice_crc32c(uint32_t crc, const void *data, size_t length);

/* Returns the heap's free memory to the system (glibc malloc_trim(0)); 1 when memory was released. */
int sluice_malloc_trim(void);

/* Fixes glibc's mmap and trim thresholds (mallopt M_MMAP_THRESHOLD and M_TRIM_THRESHOLD, which also
   stops their dynamic adjustment); 1 when both were set. */
int sluice_set_malloc_thresholds(int mmap_bytes, int trim_bytes);

/* Relaxed atomic load and store of a 32-bit word another thread reads or writes concurrently (the token
   last-use slots: event loops store, the flusher thread loads). Plain moves on x86-64 and arm64. */
static inline uint32_t sluice_load_relaxed_u32(const uint32_t *word) { return __atomic_load_n(word, __ATOMIC_RELAXED); }
static inline void sluice_store_relaxed_u32(uint32_t *word, uint32_t value) { __atomic_store_n(word, value, __ATOMIC_RELAXED); }

#endif
