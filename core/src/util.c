/*
 * util.c — clocks, CPU counts (online; usable by the calling thread), futex
 * wrappers and the slow path of cf__lock.
 *
 * Concurrency: no state of its own. cf__lock is Drepper's three-state futex
 * mutex: the word is 0 (free), 1 (held) or 2 (held, maybe waiters); only an
 * unlock that sees 2 makes the wake system call.
 */
#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

double cf__now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cf__deadline(double timeout) {
    /* Beyond ~30 years is "for ever" (and keeps timespec math in range). */
    if (timeout < 0 || isnan(timeout) || timeout > 1e9) return INFINITY;
    return cf__now() + timeout;
}

int cf_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > INT_MAX ? INT_MAX : (int)n);
}

int cf_process_cpu_count(void) {
    /* The CPUs this thread may run on (sched_getaffinity, as CPython's
     * os.process_cpu_count()); the set grows until the kernel's fits. */
    for (int ncpu = 1024; ncpu <= (1 << 20); ncpu *= 2) {
        cpu_set_t *set = CPU_ALLOC((size_t)ncpu);
        if (!set) break;
        size_t sz = CPU_ALLOC_SIZE((size_t)ncpu);
        CPU_ZERO_S(sz, set);
        int r = sched_getaffinity(0, sz, set);
        int n = r == 0 ? CPU_COUNT_S(sz, set) : 0;
        int err = errno;
        CPU_FREE(set);
        if (r == 0 && n >= 1) return n;
        if (r != 0 && err == EINVAL) continue; /* the kernel's mask is larger */
        break;
    }
    return cf_cpu_count();
}

int cf__futex_wait(_Atomic uint32_t *word, uint32_t val, double deadline) {
    struct timespec ts, *tsp = NULL;
    if (!isinf(deadline)) {
        double left = deadline - cf__now();
        if (left <= 0) return CF_ETIMEDOUT;
        ts.tv_sec = (time_t)left;
        ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
        if (ts.tv_nsec >= 1000000000L) ts.tv_nsec = 999999999L;
        tsp = &ts;
    }
    /* FUTEX_WAIT takes a relative timeout. */
    long r = syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, val, tsp, NULL, 0);
    if (r == -1 && errno == ETIMEDOUT) return CF_ETIMEDOUT;
    return 0;
}

void cf__futex_wake(_Atomic uint32_t *word, int n) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

void cf__lock_slow(cf__lock *l) {
    /* Spin briefly: critical sections in core are a few dozen instructions. */
    for (int i = 0; i < 100; i++) {
        uint32_t c = 0;
        if (atomic_load_explicit(&l->v, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->v, &c, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        cf__cpu_relax();
    }
    uint32_t c = atomic_exchange_explicit(&l->v, 2, memory_order_acquire);
    while (c != 0) {
        cf__futex_wait(&l->v, 2, INFINITY);
        c = atomic_exchange_explicit(&l->v, 2, memory_order_acquire);
    }
}
