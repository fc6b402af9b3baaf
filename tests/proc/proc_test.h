/*
 * proc_test.h — what the process-pool tests share: a shared-memory area
 * (mapped before any pool forks, so parent and workers see the same page)
 * with process-shared semaphores and counters, and bounded waits. Nothing
 * here sleeps to synchronise; every wait has a deadline so no test hangs.
 */
#ifndef CFB_PROC_TEST_H
#define CFB_PROC_TEST_H

#include "check.h"
#include "cfutures.h"
#include "proc_census.h"

#include <dirent.h>
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PT_MAXIDX 4096
#define PT_WAIT_S 60 /* upper bound of any wait: far beyond need, below CTest's 180 s */

struct pt_shared {
    sem_t started; /* a blocking task posts this when it begins */
    sem_t release; /* ... and waits on this */
    _Atomic int blocker_pid;
    _Atomic int runs[PT_MAXIDX]; /* how many times task i ran */
    _Atomic int inits, finis, max_children;
    _Atomic int parent_pid;
};

static struct pt_shared *pt __attribute__((unused));

static inline void pt_setup(void) {
    pt = mmap(NULL, sizeof *pt, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (pt == MAP_FAILED) {
        perror("mmap");
        exit(1);
    }
    memset(pt, 0, sizeof *pt);
    sem_init(&pt->started, 1, 0);
    sem_init(&pt->release, 1, 0);
    atomic_store(&pt->parent_pid, (int)getpid());
}

static inline void pt_reset_runs(void) {
    for (int i = 0; i < PT_MAXIDX; i++)
        atomic_store(&pt->runs[i], 0);
}

/* Bounded sem wait: true when acquired. */
static inline bool pt_sem_wait(sem_t *s, int seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += seconds;
    int r;
    while ((r = sem_timedwait(s, &ts)) != 0 && errno == EINTR) {
    }
    return r == 0;
}

/* ---- task functions (run in the workers) ---- */

/* Echo: returns its argument. */
static inline void t_echo(const void *arg, size_t len, cf_out *out) {
    cf_out_set(out, arg, len);
}

/* Square of a u64; records the run in pt->runs[x % PT_MAXIDX]. */
static inline void t_square(const void *arg, size_t len, cf_out *out) {
    uint64_t x;
    if (len != sizeof x) {
        cf_out_error(out, 22, "bad length %zu", len);
        return;
    }
    memcpy(&x, arg, sizeof x);
    atomic_fetch_add(&pt->runs[x % PT_MAXIDX], 1);
    uint64_t y = x * x;
    cf_out_set(out, &y, sizeof y);
}

/* Returns getpid() as an int. */
static inline void t_getpid(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    int pid = (int)getpid();
    cf_out_set(out, &pid, sizeof pid);
}

/* Posts `started` (with its pid in blocker_pid), then waits for `release`. */
static inline void t_block(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    atomic_store(&pt->blocker_pid, (int)getpid());
    sem_post(&pt->started);
    if (!pt_sem_wait(&pt->release, PT_WAIT_S)) cf_out_error(out, 1, "never released");
}

static inline uint64_t pt_u64(cf_future *f) {
    const void *d = NULL;
    size_t n = 0;
    uint64_t v = UINT64_MAX;
    if (cf_future_result(f, PT_WAIT_S, &d, &n) == 0 && n == sizeof v) memcpy(&v, d, sizeof v);
    return v;
}

static inline int pt_int(cf_future *f) {
    const void *d = NULL;
    size_t n = 0;
    int v = -1;
    if (cf_future_result(f, PT_WAIT_S, &d, &n) == 0 && n == sizeof v) memcpy(&v, d, sizeof v);
    return v;
}

#endif
