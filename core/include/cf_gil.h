/*
 * cf_gil.h — an emulated Global Interpreter Lock, after CPython's.
 *
 * C has no GIL; cfbench emulates one so that the same C task code can be
 * measured as "C" and as "C with CPython's GIL" (impl "c+gil"). The model is
 * CPython's own (Python/ceval_gil.h, 3.2+ "new GIL"):
 *
 *   - One lock per process, opt-in: cf_gil_enable(switch_interval_s) turns it
 *     on (CPython's default interval is 0.005 s, sys.setswitchinterval()).
 *     While it is off every function here is a no-op and cf_gil_check() is
 *     one relaxed load of a flag that is never set plus one predictable
 *     branch: it costs nothing measurable when off.
 *   - A thread must hold the lock to compute: cf_gil_acquire() /
 *     cf_gil_release() around a task.
 *   - CPU-bound code calls cf_gil_check() often (CPython's eval breaker,
 *     checked between bytecodes). A thread waiting for the lock times its
 *     wait with the switch interval; when a whole interval passes with no
 *     switch it sets a "drop request". The holder sees it at its next check
 *     point, releases, and — FORCE_SWITCHING — does not take the lock back
 *     before another thread has taken it, then queues up again.
 *   - Blocking calls (sleep, a network transfer) release the lock and take
 *     it back afterwards, like Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS:
 *         int g = cf_gil_save();  nanosleep(...);  cf_gil_restore(g);
 *   - fork(): the child gets its own, fresh lock (a pthread_atfork handler
 *     registered by the first cf_gil_enable re-initialises it; the forking
 *     thread keeps holding it in the child if it held it in the parent, as
 *     CPython's PyOS_AfterFork_Child does). So in process mode every worker
 *     process has its own GIL and processes still run in parallel.
 *
 * Thread-safety: every function may be called from any thread. enable and
 * disable change process-wide state and must be called while no thread
 * holds or waits for the lock (between runs).
 */
#ifndef CF_GIL_H
#define CF_GIL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CPython's default switch interval (sys.getswitchinterval()). */
#define CF_GIL_DEFAULT_INTERVAL 0.005

/* Turn the GIL on with the given switch interval in seconds (finite,
 * 1e-6 .. 10). 0, CF_EINVAL (bad interval), CF_ESTATE (already enabled),
 * CF_ESYS (could not register the fork handler). */
int cf_gil_enable(double switch_interval_s);

/* Turn it off. 0 (also when already off), or CF_ESTATE when a thread still
 * holds or waits for the lock (it stays on). */
int cf_gil_disable(void);

bool cf_gil_enabled(void);
/* The switch interval in seconds; 0 while disabled. */
double cf_gil_switch_interval(void);

/* Take the lock, blocking as long as needed. 0; no-op 0 when disabled;
 * CF_ESTATE when the calling thread already holds it (not recursive). */
int cf_gil_acquire(void);

/* Give the lock back. 0; no-op 0 when disabled; CF_ESTATE when the calling
 * thread does not hold it. */
int cf_gil_release(void);

/* Whether the calling thread holds the lock (false while disabled). */
bool cf_gil_held(void);

/* Around a blocking call: release the lock if the calling thread holds it
 * and return a token saying so (1), else 0; cf_gil_restore(token) takes it
 * back when token is 1. Safe whether or not the GIL is on or held. */
int cf_gil_save(void);
void cf_gil_restore(int token);

/* Counters since the process started (or since fork, in a child). */
typedef struct cf_gil_stats {
    uint64_t acquisitions;  /* times a thread took the lock */
    uint64_t drop_requests; /* a waiter's interval expired with no switch */
    uint64_t forced_drops;  /* holders that released at a check point */
} cf_gil_stats;

/* Copy the counters into *st. 0, or CF_EINVAL when st is NULL. */
int cf_gil_get_stats(cf_gil_stats *st);

/* ---- the check point ---------------------------------------------------- */

/* Internal: set by a waiter under the lock's mutex, read by holders. Never
 * set while the GIL is disabled. */
extern atomic_int cf__gil_drop_request;
/* Internal: the slow path of cf_gil_check(). */
void cf__gil_yield(void);

/* Call often from CPU-bound code while holding the lock (every few
 * microseconds of work). Hands the lock over when another thread asked for
 * it; otherwise, and always when the GIL is off, does nothing. Harmless in a
 * thread that does not hold the lock. */
static inline void cf_gil_check(void) {
    if (__builtin_expect(atomic_load_explicit(&cf__gil_drop_request, memory_order_relaxed), 0))
        cf__gil_yield();
}

#ifdef __cplusplus
}
#endif
#endif
