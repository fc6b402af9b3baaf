/*
 * cf_loop.h — a small event loop for cfutures (after libuv / asyncio).
 *
 * One thread drives a loop with cf_loop_run(); everything happens in
 * callbacks on that thread: fd readiness (epoll), one-shot timers (a min-heap
 * whose earliest deadline is the timeout of epoll_pwait2(), nanosecond
 * resolution — no timerfd, so re-arming a timer, which libcurl's timer
 * callback asks for often, costs no system call), and calls queued from
 * other threads with cf_loop_call_soon_threadsafe() (an eventfd wakes the
 * loop). The loop knows nothing of HTTP or of futures: a driver (libcurl
 * multi, a sleep timer, …) resolves ordinary cf futures from its callbacks
 * with cf_future_set_result() / cf_future_set_error(), so cf_wait() and
 * cf_as_completed_*() work unchanged on them, from any thread.
 *
 * Threads: unless a comment says "any thread", a function must be called on
 * the loop thread (inside a callback, or before/after cf_loop_run() by the
 * thread that will run or ran it). cf_loop_call_soon_threadsafe() and
 * cf_loop_stop() may be called from any thread, including signal-free
 * worker threads, at any time while the loop exists.
 *
 * Ownership: the loop owns its epoll fd, eventfd and the queued
 * calls; the caller owns the loop (cf_loop_free), its watched fds (the loop
 * never closes them) and the timers it makes (cf_loop_timer_free). Callback
 * arguments are borrowed: the loop never frees them.
 */
#ifndef CF_LOOP_H
#define CF_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cf_loop cf_loop;
typedef struct cf_loop_timer cf_loop_timer;

/* Event bits for fd watchers (given to and reported by the callbacks). */
enum {
    CF_LOOP_READ = 1,  /* EPOLLIN (and EPOLLRDHUP) */
    CF_LOOP_WRITE = 2, /* EPOLLOUT */
    CF_LOOP_ERROR = 4, /* EPOLLERR / EPOLLHUP: reported, never requested */
};

typedef void (*cf_loop_cb)(cf_loop *loop, void *arg);
typedef void (*cf_loop_io_cb)(cf_loop *loop, int fd, unsigned events, void *arg);

/* A new loop, owned by the caller (*out; free with cf_loop_free()). The
 * calling thread becomes the loop thread until cf_loop_run() is called by
 * another. 0, CF_ENOMEM, CF_ESYS. */
int cf_loop_new(cf_loop **out);

/* Free the loop: closes its own fds, drops queued calls without running
 * them. Watched fds are not closed; timers made on the loop must be freed
 * before. Not while cf_loop_run() runs. NULL does nothing. */
void cf_loop_free(cf_loop *loop);

/* Run until cf_loop_stop(). Returns 0 when stopped, CF_ESYS when epoll
 * fails, CF_EINVAL when loop is NULL or already running. A stop requested
 * before run makes run return at once (after running due work once). */
int cf_loop_run(cf_loop *loop);

/* Ask cf_loop_run() to return after the current callback. Any thread.
 * Sticky until run returns. */
void cf_loop_stop(cf_loop *loop);

/* Seconds on CLOCK_MONOTONIC (the timers' clock). Any thread. */
double cf_loop_now(void);

/* ---- fd watchers ---------------------------------------------------------- */

/* Watch fd for `events` (CF_LOOP_READ | CF_LOOP_WRITE), calling cb(loop, fd,
 * fired, arg) on the loop thread when it is ready; a second call for the
 * same fd changes events/cb/arg. events 0 keeps the fd registered but
 * silent (errors still reported). Level-triggered. The fd stays the
 * caller's. 0, CF_EINVAL, CF_ENOMEM, CF_ESYS (epoll_ctl; e.g. a regular
 * file). */
int cf_loop_watch(cf_loop *loop, int fd, unsigned events, cf_loop_io_cb cb, void *arg);

/* Stop watching fd (call it before closing the fd). Readiness already
 * collected for fd in the current iteration is dropped. 0, or CF_EINVAL when
 * fd is not watched. */
int cf_loop_unwatch(cf_loop *loop, int fd);

/* Number of fds being watched. */
size_t cf_loop_nwatched(const cf_loop *loop);

/* ---- timers --------------------------------------------------------------- */

/* A stopped one-shot timer that will call cb(loop, arg) on the loop thread.
 * Owned by the caller (free with cf_loop_timer_free()). 0 or CF_ENOMEM. */
int cf_loop_timer_new(cf_loop *loop, cf_loop_cb cb, void *arg, cf_loop_timer **out);

/* Arm the timer to fire once, `delay` seconds from now (<= 0: on the next
 * iteration). Re-arming an armed timer moves it. Timers due at the same
 * time fire in the order they were armed. 0 or CF_ENOMEM. */
int cf_loop_timer_start(cf_loop_timer *t, double delay);

/* Disarm (cancel). Returns true if it was armed. Safe on a stopped timer
 * and from inside its own callback. */
bool cf_loop_timer_stop(cf_loop_timer *t);
bool cf_loop_timer_armed(const cf_loop_timer *t);

/* Stop and free. NULL does nothing. May be called from its own callback. */
void cf_loop_timer_free(cf_loop_timer *t);

/* Fire-and-forget: call cb(loop, arg) once after `delay` seconds; the loop
 * owns the timer. Cannot be cancelled (use a cf_loop_timer for that).
 * 0 or CF_ENOMEM. */
int cf_loop_call_later(cf_loop *loop, double delay, cf_loop_cb cb, void *arg);

/* Number of armed timers. */
size_t cf_loop_ntimers(const cf_loop *loop);

/* ---- calls from other threads --------------------------------------------- */

/* Queue cb(loop, arg) to run on the loop thread in FIFO order, waking the
 * loop. Any thread. Calls queued before cf_loop_free() that never ran are
 * dropped (arg is not freed). 0 or CF_ENOMEM. */
int cf_loop_call_soon_threadsafe(cf_loop *loop, cf_loop_cb cb, void *arg);

#ifdef __cplusplus
}
#endif
#endif /* CF_LOOP_H */
