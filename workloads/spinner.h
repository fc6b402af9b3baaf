/* spinner.h — the spinner experiment's shared pieces (Fluent Python's
 * spinner_thread.py / spinner_proc.py / spinner_async.py): the slow
 * computation, the responsiveness measure, and the `spinner` workload's
 * value format (for `cfbench spinner` and the tests). */
#ifndef CFB_SPINNER_H
#define CFB_SPINNER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "workload.h"

/* What the slow computation does. */
typedef enum cfb_spin_work {
    CFB_SPIN_SLEEP, /* I/O-like: sleeps, releasing the GIL (asyncio.sleep on the loop) */
    CFB_SPIN_BLOCK, /* time.sleep: like SLEEP in a thread or process; blocks the loop in async */
    CFB_SPIN_CPU,   /* is_prime(number): CPU-bound, holds the GIL (cf_gil_check points) */
} cfb_spin_work;

/* "sleep", "block", "cpu" -> *w. 0, or -1 for anything else. */
int cfb_spin_work_parse(const char *s, cfb_spin_work *w);
const char *cfb_spin_work_name(cfb_spin_work w); /* static */

/* Run the computation in the calling thread: sleep `seconds` (SLEEP and
 * BLOCK: the GIL, if held, is released meanwhile, as time.sleep does) or
 * check `number` by trial division (CPU, GIL kept). Returns the verdict of
 * the check (true for the sleeps). */
bool cfb_spin_compute(cfb_spin_work w, double seconds, uint64_t number);

/* The responsiveness of a spinner over a computation that ran from t0 to
 * t1 (monotonic seconds): tick times ticks[0..n) (any order is not
 * allowed: ascending), of which *in are inside (t0, t1]; *gap is the
 * largest interval between consecutive points of {t0, those ticks, t1}, so
 * a spinner that never drew during the computation has gap = t1 - t0. */
void cfb_spin_measure(const double *ticks, size_t n, double t0, double t1, size_t *in, double *gap);

/* The book's threading.Event as a counting event that works between
 * threads and between forked processes: put it in MAP_SHARED memory made
 * before the fork. A process-shared mutex and condition variable (on
 * CLOCK_MONOTONIC) guard `posts`; each post is consumed by one wait. What
 * the poster wrote before posting is visible to the waiter after its wait
 * returned true (the mutex orders them). */
typedef struct cfb_spin_event {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned posts;
} cfb_spin_event;

/* 0, or an errno value. */
int cfb_spin_event_init(cfb_spin_event *e);
void cfb_spin_event_destroy(cfb_spin_event *e);
void cfb_spin_event_post(cfb_spin_event *e);
/* Wait until a post is there (consume it: true) or until `seconds` have
 * passed (false): done.wait(seconds). Releases the GIL while it waits
 * (when the caller holds it) and takes it back before returning. */
bool cfb_spin_event_wait(cfb_spin_event *e, double seconds);

/* A `spinner` task's value: the computation (task 0) or the spinner (task 1). */
#define CFB_SPIN_VALUE_COMPUTE 1u
#define CFB_SPIN_VALUE_SPINNER 2u
typedef struct cfb_spin_value {
    uint32_t kind;   /* CFB_SPIN_VALUE_* */
    uint32_t answer; /* computation: 42 (the book's answer) when the check said prime / slept */
    uint64_t ticks;  /* spinner: ticks drawn during the computation */
    double gap_s;    /* spinner: the largest gap between ticks (cfb_spin_measure) */
    double window_s; /* spinner: how long the computation ran */
} cfb_spin_value;

extern const cfb_workload cfb_workload_spinner;

#endif
