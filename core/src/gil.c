/*
 * gil.c — the emulated Global Interpreter Lock (see cf_gil.h for the model).
 *
 * Design (after CPython's Python/ceval_gil.h, with FORCE_SWITCHING):
 *
 * Threads: none of its own. Any thread of the process may acquire, release,
 * check; the lock is process-global.
 *
 * State, all in the static `G` below:
 *   G.mu           protects every field of G (held only briefly; never held
 *                  while a thread computes, sleeps or waits for I/O).
 *   G.locked       the GIL itself: true while some thread holds it.
 *   G.cond         signalled when the GIL is released; waiters block here
 *                  with a timed wait of one switch interval.
 *   G.switch_cond  broadcast whenever a thread takes the GIL; a holder that
 *                  dropped it at a check point waits here until another
 *                  thread has taken it (forced switching).
 *   G.switch_number counts takes; a waiter compares it across its timed wait
 *                  to see whether any switch happened during the interval.
 *   G.waiters      threads blocked in take_locked().
 *   cf__gil_drop_request (atomic) set by a waiter, under G.mu, when a whole
 *                  interval passed with the GIL locked and no switch; read
 *                  with a relaxed load by holders at cf_gil_check(); reset,
 *                  under G.mu, by whoever takes the GIL next.
 *   tl_held        thread-local: whether this thread holds the GIL.
 *   enabled        atomic flag; acquire/release/save are no-ops while false.
 *
 * Invariants (under G.mu):
 *   - G.locked == true  <=>  exactly one thread has tl_held == true.
 *   - drop_request is only set while G.enabled and G.locked, by a waiter
 *     (so never while disabled: cf_gil_check() then only reads a zero).
 *   - A holder that drops the GIL at a check point does not take it again
 *     before switch_number has moved (another thread took it), unless no
 *     thread is waiting any more.
 *   - enable/disable only change state while no thread holds or waits.
 *
 * fork(): pthread_atfork handlers (registered once, by the first enable)
 * take G.mu before fork and release it after in the parent; in the child
 * they re-initialise the mutex and condvars (no other thread exists there)
 * and set G.locked to whether the forking thread held the GIL. Each worker
 * process therefore starts with its own, uncontended lock.
 *
 * Memory: nothing is allocated.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "cf_gil.h"
#include "cfutures.h"

atomic_int cf__gil_drop_request;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    pthread_cond_t switch_cond;
    bool locked;
    unsigned long switch_number;
    int waiters;
    double interval;
    cf_gil_stats stats;
} G = {.mu = PTHREAD_MUTEX_INITIALIZER};

static atomic_bool enabled;
static _Thread_local bool tl_held;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status; /* 0 or CF_ESYS, written once by gil_init */

static int init_conds(void) {
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca)) return CF_ESYS;
    int rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (!rc) rc = pthread_cond_init(&G.cond, &ca);
    if (!rc) rc = pthread_cond_init(&G.switch_cond, &ca);
    pthread_condattr_destroy(&ca);
    return rc ? CF_ESYS : 0;
}

static void atfork_prepare(void) {
    pthread_mutex_lock(&G.mu);
}

static void atfork_parent(void) {
    pthread_mutex_unlock(&G.mu);
}

static void atfork_child(void) {
    /* Only the forking thread exists here. Re-create the primitives rather
     * than trust copies that other (vanished) threads may have been
     * blocked on, as CPython's _PyThread_at_fork_reinit does. */
    pthread_mutex_init(&G.mu, NULL);
    (void)init_conds();
    G.locked = tl_held;
    G.switch_number = 0;
    G.waiters = 0;
    memset(&G.stats, 0, sizeof G.stats);
    atomic_store(&cf__gil_drop_request, 0);
}

static void gil_init(void) {
    init_status = init_conds();
    if (!init_status && pthread_atfork(atfork_prepare, atfork_parent, atfork_child))
        init_status = CF_ESYS;
}

int cf_gil_enable(double switch_interval_s) {
    if (!isfinite(switch_interval_s) || switch_interval_s < 1e-6 || switch_interval_s > 10.0)
        return CF_EINVAL;
    pthread_once(&init_once, gil_init);
    if (init_status) return init_status;
    int rc = 0;
    pthread_mutex_lock(&G.mu);
    if (atomic_load(&enabled)) {
        rc = CF_ESTATE;
    } else {
        G.interval = switch_interval_s;
        atomic_store(&cf__gil_drop_request, 0);
        atomic_store(&enabled, true);
    }
    pthread_mutex_unlock(&G.mu);
    return rc;
}

int cf_gil_disable(void) {
    int rc = 0;
    pthread_mutex_lock(&G.mu);
    if (G.locked || G.waiters) {
        rc = CF_ESTATE;
    } else {
        atomic_store(&enabled, false);
        atomic_store(&cf__gil_drop_request, 0);
        G.interval = 0;
    }
    pthread_mutex_unlock(&G.mu);
    return rc;
}

bool cf_gil_enabled(void) {
    return atomic_load_explicit(&enabled, memory_order_relaxed);
}

double cf_gil_switch_interval(void) {
    pthread_mutex_lock(&G.mu);
    double v = G.interval;
    pthread_mutex_unlock(&G.mu);
    return v;
}

static struct timespec deadline_after(double s) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long ns = (long long)(s * 1e9);
    ts.tv_sec += (time_t)(ns / 1000000000LL);
    ts.tv_nsec += (long)(ns % 1000000000LL);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Take the GIL; G.mu held on entry and on return. */
static void take_locked(void) {
    if (G.locked) {
        G.waiters++;
        while (G.locked) {
            unsigned long saved = G.switch_number;
            struct timespec ts = deadline_after(G.interval);
            int rc = pthread_cond_timedwait(&G.cond, &G.mu, &ts);
            if (rc == ETIMEDOUT && G.locked && G.switch_number == saved &&
                !atomic_load_explicit(&cf__gil_drop_request, memory_order_relaxed)) {
                /* A whole interval without a switch: ask the holder. */
                atomic_store_explicit(&cf__gil_drop_request, 1, memory_order_relaxed);
                G.stats.drop_requests++;
            }
        }
        G.waiters--;
    }
    G.locked = true;
    tl_held = true;
    G.switch_number++;
    G.stats.acquisitions++;
    /* Tell a holder that dropped at a check point that the switch happened. */
    pthread_cond_broadcast(&G.switch_cond);
    /* The request (if any) is answered; a waiter still queued asks again
     * after its own interval. */
    atomic_store_explicit(&cf__gil_drop_request, 0, memory_order_relaxed);
}

/* Release; G.mu held. */
static void drop_locked(void) {
    G.locked = false;
    tl_held = false;
    pthread_cond_signal(&G.cond);
}

int cf_gil_acquire(void) {
    if (!atomic_load_explicit(&enabled, memory_order_relaxed)) return 0;
    if (tl_held) return CF_ESTATE;
    pthread_mutex_lock(&G.mu);
    take_locked();
    pthread_mutex_unlock(&G.mu);
    return 0;
}

int cf_gil_release(void) {
    if (!atomic_load_explicit(&enabled, memory_order_relaxed)) return 0;
    if (!tl_held) return CF_ESTATE;
    pthread_mutex_lock(&G.mu);
    drop_locked();
    pthread_mutex_unlock(&G.mu);
    return 0;
}

bool cf_gil_held(void) {
    return tl_held;
}

int cf_gil_save(void) {
    if (!tl_held) return 0;
    cf_gil_release();
    return 1;
}

void cf_gil_restore(int token) {
    if (token) cf_gil_acquire();
}

void cf__gil_yield(void) {
    if (!tl_held) return; /* a thread that does not hold the GIL has nothing to hand over */
    pthread_mutex_lock(&G.mu);
    if (atomic_load_explicit(&cf__gil_drop_request, memory_order_relaxed)) {
        unsigned long sn = G.switch_number;
        G.stats.forced_drops++;
        drop_locked();
        /* FORCE_SWITCHING: let the waiter that asked have it before we queue
         * up again (otherwise this running thread would usually win). */
        while (G.switch_number == sn && G.waiters > 0)
            pthread_cond_wait(&G.switch_cond, &G.mu);
        take_locked();
    }
    pthread_mutex_unlock(&G.mu);
}

int cf_gil_get_stats(cf_gil_stats *st) {
    if (!st) return CF_EINVAL;
    pthread_mutex_lock(&G.mu);
    *st = G.stats;
    pthread_mutex_unlock(&G.mu);
    return 0;
}
