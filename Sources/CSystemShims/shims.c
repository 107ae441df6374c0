#define _GNU_SOURCE
#include "CSystemShims.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <fcntl.h>

const uint32_t SLUICE_EPOLLIN = EPOLLIN;
const uint32_t SLUICE_EPOLLOUT = EPOLLOUT;
const uint32_t SLUICE_EPOLLERR = EPOLLERR;
const uint32_t SLUICE_EPOLLHUP = EPOLLHUP;
const uint32_t SLUICE_EPOLLRDHUP = EPOLLRDHUP;
const uint32_t SLUICE_EPOLLET = EPOLLET;
const int SLUICE_EPOLL_CTL_ADD = EPOLL_CTL_ADD;
const int SLUICE_EPOLL_CTL_MOD = EPOLL_CTL_MOD;
const int SLUICE_EPOLL_CTL_DEL = EPOLL_CTL_DEL;

int sluice_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int sluice_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}

int sluice_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms) {
    return epoll_wait(epfd, events, maxevents, timeout_ms);
}

int sluice_epoll_wait_nanos(int epfd, struct epoll_event *events, int maxevents, int64_t timeout_ns) {
    if (timeout_ns < 0) return epoll_wait(epfd, events, maxevents, -1);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 35))
    struct timespec timeout = { .tv_sec = timeout_ns / 1000000000, .tv_nsec = timeout_ns % 1000000000 };
    int n = epoll_pwait2(epfd, events, maxevents, &timeout, NULL);
    if (n >= 0 || errno != ENOSYS) return n;
#endif
    return epoll_wait(epfd, events, maxevents, (int)((timeout_ns + 999999) / 1000000));
}

uint64_t sluice_epoll_event_data(const struct epoll_event *event) { return event->data.u64; }
uint32_t sluice_epoll_event_flags(const struct epoll_event *event) { return event->events; }

int sluice_accept_nonblocking(int fd) { return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC); }
int sluice_socket_nonblocking(int domain, int type) { return socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0); }

int sluice_start_writeback(int fd, int64_t offset, int64_t length) {
    for (;;) {
        if (sync_file_range(fd, offset, length, SYNC_FILE_RANGE_WRITE) == 0) return 0;
        if (errno != EINTR) return -1;
    }
}

int sluice_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

int sluice_eventfd_signal(int fd) {
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(fd, &one, sizeof one);
        if (n == (ssize_t)sizeof one) return 0;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0; /* counter saturated: the reader is already due to wake */
        return -1;
    }
}

int sluice_eventfd_drain(int fd) {
    uint64_t value;
    for (;;) {
        ssize_t n = read(fd, &value, sizeof value);
        if (n == (ssize_t)sizeof value) return 0;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        return -1;
    }
}

int sluice_signalfd_for(const int *signals, int count) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < count; i++) sigaddset(&set, signals[i]);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return -1;
    return signalfd(-1, &set, SFD_CLOEXEC);
}

int sluice_signalfd_read(int fd) {
    struct signalfd_siginfo info;
    for (;;) {
        ssize_t n = read(fd, &info, sizeof info);
        if (n == (ssize_t)sizeof info) return (int)info.ssi_signo;
        if (n < 0 && errno == EINTR) continue;
        return -1;
    }
}

int sluice_ignore_sigpipe(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_IGN;
    /* SIGXFSZ too: past a file-size limit, write() then fails with EFBIG, which the WAL answers as 503. */
    if (sigaction(SIGXFSZ, &action, NULL) != 0) return -1;
    return sigaction(SIGPIPE, &action, NULL);
}

int sluice_set_int_sockopt(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value);
}

int sluice_syncfs(int fd) {
    int result;
    do { result = syncfs(fd); } while (result != 0 && errno == EINTR);
    return result;
}

int sluice_syncfs_trusted(int fd) {
    struct utsname name;
    if (uname(&name) != 0) return 0;
    int major = 0, minor = 0;
    if (sscanf(name.release, "%d.%d", &major, &minor) != 2) return 0;
    if (!(major > 5 || (major == 5 && minor >= 8))) return 0;
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0) return 0;
    switch ((unsigned long)fs.f_type) {
    case 0xEF53UL:      /* ext2/3/4 */
    case 0x58465342UL:  /* XFS */
    case 0x9123683EUL:  /* btrfs */
        return 1;
    default:
        return 0;
    }
}

int sluice_set_thread_name(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = 0;
    return pthread_setname_np(pthread_self(), shortened);
}

int sluice_set_thread_nice(int nice) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
}

/* ---- CRC32C ---- */

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;
static int crc32c_has_sse42 = 0;

#if defined(__x86_64__)
static void crc32c_init_interleave(void);
#endif

static void crc32c_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc32c_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = crc32c_table[0][i];
        for (int t = 1; t < 8; t++) {
            c = crc32c_table[0][c & 0xff] ^ (c >> 8);
            crc32c_table[t][i] = c;
        }
    }
#if defined(__x86_64__)
    __builtin_cpu_init();
    crc32c_has_sse42 = __builtin_cpu_supports("sse4.2");
    if (crc32c_has_sse42) crc32c_init_interleave();
#endif
}

static uint32_t crc32c_software(uint32_t crc, const uint8_t *p, size_t n) {
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        word ^= crc;
        crc = crc32c_table[7][word & 0xff] ^ crc32c_table[6][(word >> 8) & 0xff] ^
              crc32c_table[5][(word >> 16) & 0xff] ^ crc32c_table[4][(word >> 24) & 0xff] ^
              crc32c_table[3][(word >> 32) & 0xff] ^ crc32c_table[2][(word >> 40) & 0xff] ^
              crc32c_table[1][(word >> 48) & 0xff] ^ crc32c_table[0][word >> 56];
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc32c_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
/* Three independent crc32q streams hide the instruction's 3-cycle latency (one stream is latency-bound at
 * ~2.7 bytes/cycle); the streams' CRCs are joined by "append n zero bytes" operators applied through
 * lookup tables (the method of Mark Adler's crc32c.c). `sluice wal bench` replay: the single stream was a
 * fifth of the time spent outside LZ4. */
#define CRC32C_LONG 8192
#define CRC32C_SHORT 256
static uint32_t crc32c_long[4][256];
static uint32_t crc32c_short[4][256];

static uint32_t gf2_matrix_times(const uint32_t *mat, uint32_t vec) {
    uint32_t sum = 0;
    while (vec) {
        if (vec & 1) sum ^= *mat;
        vec >>= 1;
        mat++;
    }
    return sum;
}

static void gf2_matrix_square(uint32_t *square, const uint32_t *mat) {
    for (int n = 0; n < 32; n++) square[n] = gf2_matrix_times(mat, mat[n]);
}

/* The operator that appends `len` (a power of two) zero bytes to a CRC register. */
static void crc32c_zeros_op(uint32_t *even, size_t len) {
    uint32_t odd[32];
    odd[0] = 0x82F63B78u; /* one zero bit */
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    gf2_matrix_square(even, odd); /* two zero bits */
    gf2_matrix_square(odd, even); /* four zero bits */
    do {
        gf2_matrix_square(even, odd);
        len >>= 1;
        if (len == 0) return;
        gf2_matrix_square(odd, even);
        len >>= 1;
    } while (len);
    for (int n = 0; n < 32; n++) even[n] = odd[n];
}

static void crc32c_zeros(uint32_t zeros[][256], size_t len) {
    uint32_t op[32];
    crc32c_zeros_op(op, len);
    for (uint32_t n = 0; n < 256; n++) {
        zeros[0][n] = gf2_matrix_times(op, n);
        zeros[1][n] = gf2_matrix_times(op, n << 8);
        zeros[2][n] = gf2_matrix_times(op, n << 16);
        zeros[3][n] = gf2_matrix_times(op, n << 24);
    }
}

static inline uint32_t crc32c_shift(uint32_t zeros[][256], uint32_t crc) {
    return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^ zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

static void crc32c_init_interleave(void) {
    crc32c_zeros(crc32c_long, CRC32C_LONG);
    crc32c_zeros(crc32c_short, CRC32C_SHORT);
}

__attribute__((target("sse4.2")))
static const uint8_t *crc32c_three_streams(uint64_t *crc, const uint8_t *p, size_t block, uint32_t zeros[][256]) {
    uint64_t crc0 = *crc, crc1 = 0, crc2 = 0;
    const uint8_t *end = p + block;
    do {
        uint64_t w0, w1, w2;
        memcpy(&w0, p, 8);
        memcpy(&w1, p + block, 8);
        memcpy(&w2, p + 2 * block, 8);
        crc0 = __builtin_ia32_crc32di(crc0, w0);
        crc1 = __builtin_ia32_crc32di(crc1, w1);
        crc2 = __builtin_ia32_crc32di(crc2, w2);
        p += 8;
    } while (p < end);
    crc0 = crc32c_shift(zeros, (uint32_t)crc0) ^ (uint32_t)crc1;
    crc0 = crc32c_shift(zeros, (uint32_t)crc0) ^ (uint32_t)crc2;
    *crc = crc0;
    return p + 2 * block;
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_hardware(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc;
    while (n >= 3 * CRC32C_LONG) {
        p = crc32c_three_streams(&c, p, CRC32C_LONG, crc32c_long);
        n -= 3 * CRC32C_LONG;
    }
    while (n >= 3 * CRC32C_SHORT) {
        p = crc32c_three_streams(&c, p, CRC32C_SHORT, crc32c_short);
        n -= 3 * CRC32C_SHORT;
    }
    while (n >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = __builtin_ia32_crc32di(c, word);
        p += 8;
        n -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

uint32_t sluice_crc32c(uint32_t crc, const void *data, size_t length) {
    pthread_once(&crc32c_once, crc32c_init);
    crc = ~crc;
#if defined(__x86_64__)
    if (crc32c_has_sse42) return ~crc32c_hardware(crc, (const uint8_t *)data, length);
#endif
    return ~crc32c_software(crc, (const uint8_t *)data, length);
}

#include <malloc.h>

int sluice_malloc_trim(void) { return malloc_trim(0); }

int sluice_set_malloc_thresholds(int mmap_bytes, int trim_bytes) {
    return mallopt(M_MMAP_THRESHOLD, mmap_bytes) && mallopt(M_TRIM_THRESHOLD, trim_bytes);
}
