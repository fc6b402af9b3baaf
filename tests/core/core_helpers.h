/*
 * core_helpers.h — task functions and gates shared by the core tests.
 * A gate is a pair of semaphores: a blocking task posts `started`, then
 * waits on `release`, so tests control exactly when tasks run and finish.
 */
#ifndef CORE_HELPERS_H
#define CORE_HELPERS_H
#include "cfutures.h"

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

typedef struct gate {
    sem_t started;
    sem_t release;
} gate;

static inline void gate_init(gate *g) {
    sem_init(&g->started, 0, 0);
    sem_init(&g->release, 0, 0);
}
static inline void gate_destroy(gate *g) {
    sem_destroy(&g->started);
    sem_destroy(&g->release);
}
static inline void gate_open(gate *g, int n) {
    for (int i = 0; i < n; i++)
        sem_post(&g->release);
}
/* Wait until n tasks have started (fails the wait after 30 s, never hangs). */
static inline int gate_wait_started(gate *g, int n) {
    for (int i = 0; i < n; i++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 30;
        if (sem_timedwait(&g->started, &ts) != 0) return -1;
    }
    return 0;
}

/* The value is a copy of the argument. */
static inline void task_echo(const void *arg, size_t len, cf_out *out) {
    cf_out_set(out, arg, len);
}

/* Sets nothing: an empty value. */
static inline void task_empty(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
}

/* Fails with code = first int of the argument (or 42) and a message. */
static inline void task_fail(const void *arg, size_t len, cf_out *out) {
    int code = 42;
    if (len >= sizeof code) memcpy(&code, arg, sizeof code);
    cf_out_error(out, code, "failed with %d", code);
}

/* Argument: a gate pointer. Posts started, waits for release, returns "ok". */
static inline void task_gate(const void *arg, size_t len, cf_out *out) {
    gate *g;
    memcpy(&g, arg, sizeof g);
    sem_post(&g->started);
    sem_wait(&g->release);
    cf_out_set(out, "ok", 3);
}

/* Argument: an int; value: the int squared, as an int. */
static inline void task_square(const void *arg, size_t len, cf_out *out) {
    int x;
    memcpy(&x, arg, sizeof x);
    int *r = cf_out_alloc(out, sizeof *r);
    if (r) *r = x * x;
}

/* Argument: an int; fails when the int is negative, else squares it. */
static inline void task_square_or_fail(const void *arg, size_t len, cf_out *out) {
    int x;
    memcpy(&x, arg, sizeof x);
    if (x < 0) {
        cf_out_error(out, -x, "negative input %d", x);
        return;
    }
    int *r = cf_out_alloc(out, sizeof *r);
    if (r) *r = x * x;
}

static inline cf_future *submit_gate(cf_executor *ex, gate *g) {
    cf_future *f = NULL;
    if (cf_submit(ex, task_gate, &g, sizeof g, &f) != 0) return NULL;
    return f;
}

static inline cf_executor *pool(int n) {
    cf_executor *ex = NULL;
    cf_executor_opts o = {.max_workers = n};
    if (cf_thread_pool_new(&o, &ex) != 0) return NULL;
    return ex;
}

static inline int result_int(cf_future *f) {
    const void *d = NULL;
    size_t l = 0;
    int x = -1;
    if (cf_future_result(f, CF_FOREVER, &d, &l) == 0 && l == sizeof x) memcpy(&x, d, sizeof x);
    return x;
}

static inline cf_executor_stats stats(cf_executor *ex) {
    cf_executor_stats st;
    memset(&st, 0, sizeof st);
    cf_executor_stats_get(ex, &st);
    return st;
}
#endif
