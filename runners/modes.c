/*
 * modes.c — the seq, thread and process modes, and the mode / impl tables.
 *
 * seq: a plain loop in the calling thread; no executor. Each task runs
 * through cf_run_task() on a fresh future so its outcome is reported the
 * same way as in the pools.
 * thread / process: a cfutures pool made per repetition (its workers start
 * lazily inside the timed region, as a Python `with Executor()` would),
 * tasks submitted with a bounded window of futures in flight, then
 * shutdown(wait) so every worker has exited (and its CPU time and perf
 * counts are folded into the parent) before the engine reads its counters.
 * In a sweep the results are taken in input order (the cheapest: no
 * callback per task). In an observed run (modes.h: cfb_run_tasks) they are
 * taken in completion order: each future's done callback — on a pool
 * worker thread (thread) or the pool's reader thread (process) — pushes its
 * index onto `doneq` (a mutex + condition variable ring of window + 1
 * slots, as at most `window` futures are in flight), and the calling
 * thread pops, takes, and wakes every cfb_rep_poll_s() to look at the stop
 * flag; on a stop it shuts the pool down with cancel_futures (queued tasks
 * end CANCELLED and are taken as they come), takes every task it never
 * submitted as cancelled, and waits for the running ones.
 *
 * Threads: only the caller's (seq), or the pool's; the observer is always
 * called on the caller's thread (cfb_rep_take runs there).
 * Who frees what: each mode owns its executor and the futures it holds
 * until cfb_rep_take passes each to the engine; doneq lives on the
 * caller's stack until the executor is freed (no callback can run later).
 */
#include "modes.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int run_seq(cfb_rep *rep) {
    size_t n = cfb_rep_ntasks(rep);
    int rc = cfb_rep_worker_enter(rep, 0);
    if (rc) return rc;
    cfb_rep_start(rep);
    for (size_t i = 0; i < n; i++) {
        if (cfb_rep_stopping(rep)) { /* observed run stopped: the rest never runs */
            for (; i < n && !rc; i++)
                rc = cfb_rep_take_cancelled(rep, i);
            break;
        }
        cf_task_fn fn;
        const void *arg;
        size_t len;
        cfb_rep_task(rep, i, &fn, &arg, &len);
        cf_future *f = cf_future_new();
        if (!f) {
            cfb_rep_fail(rep, "out of memory");
            rc = CF_ENOMEM;
            break;
        }
        cf_run_task(f, fn, arg, len);
        cfb_rep_take(rep, i, f);
    }
    cfb_rep_worker_exit(rep);
    return rc;
}

int cfb_rep_take_cancelled(cfb_rep *rep, size_t i) {
    cf_future *f = cf_future_new();
    if (!f) {
        cfb_rep_fail(rep, "out of memory");
        return CF_ENOMEM;
    }
    cf_future_cancel(f);
    return cfb_rep_take(rep, i, f);
}

/* ---- observed pool runs: completion order ------------------------------ */

typedef struct doneq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *q, cap, head, tail; /* indices of done futures, head <= tail */
} doneq;

static void on_pool_done(cf_future *f, void *arg) { /* any thread */
    doneq *d = arg;
    pthread_mutex_lock(&d->mu);
    d->q[d->tail++ % d->cap] = (size_t)cf_future_tag(f);
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

/* Pop one done index, waiting at most poll seconds (CF_FOREVER: no limit).
 * false on timeout. */
static bool doneq_pop(doneq *d, double poll, size_t *i) {
    pthread_mutex_lock(&d->mu);
    if (d->head == d->tail && poll != CF_FOREVER) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        long ns = ts.tv_nsec + (long)(poll * 1e9);
        ts.tv_sec += ns / 1000000000L;
        ts.tv_nsec = ns % 1000000000L;
        while (d->head == d->tail && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0)
            ;
    } else {
        while (d->head == d->tail)
            pthread_cond_wait(&d->cv, &d->mu);
    }
    bool got = d->head != d->tail;
    if (got) *i = d->q[d->head++ % d->cap];
    pthread_mutex_unlock(&d->mu);
    return got;
}

static int run_pool_observed(cfb_rep *rep, cf_executor *ex, size_t n, size_t window) {
    doneq d = {.cap = window + 1};
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&d.mu, NULL);
    pthread_cond_init(&d.cv, &ca);
    pthread_condattr_destroy(&ca);
    d.q = malloc(d.cap * sizeof *d.q);
    cf_future **fs = calloc(n ? n : 1, sizeof *fs);
    int rc = 0;
    if (!d.q || !fs) {
        cfb_rep_fail(rep, "out of memory");
        rc = CF_ENOMEM;
        goto out;
    }
    double poll = cfb_rep_poll_s(rep);
    size_t next = 0, done = 0; /* submitted; taken of those submitted */
    bool stopped = false;
    cfb_rep_start(rep);
    while (done < next || (!stopped && next < n)) {
        if (!stopped && cfb_rep_stopping(rep)) {
            stopped = true;
            cf_executor_shutdown(ex, false, true); /* queued tasks end CANCELLED */
            for (size_t i = next; i < n && !rc; i++)
                rc = cfb_rep_take_cancelled(rep, i);
            if (rc) break;
        }
        while (!stopped && next < n && next - done < window) {
            cf_task_fn fn;
            const void *arg;
            size_t len;
            cfb_rep_task(rep, next, &fn, &arg, &len);
            rc = cf_submit(ex, fn, arg, len, &fs[next]);
            if (rc) {
                cfb_rep_fail(rep, "submit of task %zu failed: %s", next, cf_strerror(rc));
                goto out;
            }
            cf_future_set_tag(fs[next], next);
            cf_future_add_done_callback(fs[next], on_pool_done, &d); /* at once if done */
            next++;
        }
        size_t i;
        if (done < next && doneq_pop(&d, poll, &i)) {
            cf_future *f = fs[i];
            fs[i] = NULL;
            cfb_rep_take(rep, i, f);
            done++;
        }
    }
out:
    if (rc) cf_executor_shutdown(ex, true, true); /* no callback runs after this */
    cf_executor_free(ex);
    if (fs)
        for (size_t i = 0; i < n; i++)
            cf_future_release(fs[i]);
    free(fs);
    free(d.q);
    pthread_cond_destroy(&d.cv);
    pthread_mutex_destroy(&d.mu);
    return rc;
}

int cfb_rep_run_pool(cfb_rep *rep, int (*make)(const cf_executor_opts *, cf_executor **),
                     size_t window) {
    size_t n = cfb_rep_ntasks(rep);
    if (window == 0 || window > n) window = n;
    cf_executor_opts o;
    cfb_rep_executor_opts(rep, &o);
    cf_executor *ex = NULL;
    int rc = make(&o, &ex);
    if (rc) {
        cfb_rep_fail(rep, "cannot create the %s pool: %s", cfb_rep_mode(rep), cf_strerror(rc));
        return rc;
    }
    if (cfb_rep_observed(rep)) return run_pool_observed(rep, ex, n, window);
    cf_future **fs = calloc(window ? window : 1, sizeof *fs);
    if (!fs) {
        cf_executor_free(ex);
        cfb_rep_fail(rep, "out of memory");
        return CF_ENOMEM;
    }
    size_t next = 0, taken = 0; /* fs[i % window] holds task i for taken <= i < next */
    cfb_rep_start(rep);
    while (taken < n) {
        while (next < n && next - taken < window) {
            cf_task_fn fn;
            const void *arg;
            size_t len;
            cfb_rep_task(rep, next, &fn, &arg, &len);
            rc = cf_submit(ex, fn, arg, len, &fs[next % window]);
            if (rc) {
                cfb_rep_fail(rep, "submit of task %zu failed: %s", next, cf_strerror(rc));
                goto out;
            }
            next++;
        }
        cf_future *f = fs[taken % window];
        fs[taken % window] = NULL;
        (void)cf_future_result(f, CF_FOREVER, NULL, NULL);
        cfb_rep_take(rep, taken, f);
        taken++;
    }
out:
    if (rc) {
        for (size_t i = taken; i < next; i++)
            cf_future_release(fs[i % window]);
        cf_executor_shutdown(ex, true, true);
    }
    cf_executor_free(ex);
    free(fs);
    return rc;
}

/* At most this many futures in flight per worker (bounds memory for 10^6
 * tasks while keeping every worker busy). */
#define POOL_WINDOW_PER_WORKER 256
#define POOL_WINDOW_MIN 1024

static size_t pool_window(const cfb_rep *rep) {
    size_t w = (size_t)cfb_rep_workers(rep) * POOL_WINDOW_PER_WORKER;
    return w < POOL_WINDOW_MIN ? POOL_WINDOW_MIN : w;
}

static int run_thread(cfb_rep *rep) {
    return cfb_rep_run_pool(rep, cf_thread_pool_new, pool_window(rep));
}

static int run_process(cfb_rep *rep) {
    return cfb_rep_run_pool(rep, cf_process_pool_new, pool_window(rep));
}

const cfb_mode cfb_mode_seq = {"seq", "a plain loop in the main thread, no executor", false,
                               run_seq};
const cfb_mode cfb_mode_thread = {"thread", "cfutures thread pool", true, run_thread};
const cfb_mode cfb_mode_process = {"process", "cfutures process pool (forked workers)", true,
                                   run_process};

/* The plain implementation: tasks are called directly. */
const cfb_impl cfb_impl_c = {.name = "c"};

/* Registration points: one X(name) line per mode / impl, defined as
 * `const cfb_mode cfb_mode_<name>` / `const cfb_impl cfb_impl_<name>`. */
#define CFB_MODE_LIST(X)                                                                           \
    X(seq)                                                                                         \
    X(thread)                                                                                      \
    X(process)                                                                                     \
    X(async)                                                                                       \
    X(hybrid)                                                                                      \
    X(mpi)

#define CFB_IMPL_LIST(X) X(c) X(gil)

#define DECL_MODE(n) extern const cfb_mode cfb_mode_##n;
#define DECL_IMPL(n) extern const cfb_impl cfb_impl_##n;
#define ENTRY_MODE(n) &cfb_mode_##n,
#define ENTRY_IMPL(n) &cfb_impl_##n,
CFB_MODE_LIST(DECL_MODE)
CFB_IMPL_LIST(DECL_IMPL)
static const cfb_mode *const modes[] = {CFB_MODE_LIST(ENTRY_MODE) NULL};
static const cfb_impl *const impls[] = {CFB_IMPL_LIST(ENTRY_IMPL) NULL};

const cfb_mode *const *cfb_modes_all(size_t *n) {
    if (n) *n = sizeof modes / sizeof modes[0] - 1;
    return modes;
}

const cfb_mode *cfb_mode_find(const char *name) {
    for (size_t i = 0; name && modes[i]; i++)
        if (!strcmp(modes[i]->name, name)) return modes[i];
    return NULL;
}

const cfb_impl *const *cfb_impls_all(size_t *n) {
    if (n) *n = sizeof impls / sizeof impls[0] - 1;
    return impls;
}

const cfb_impl *cfb_impl_find(const char *name) {
    for (size_t i = 0; name && impls[i]; i++)
        if (!strcmp(impls[i]->name, name)) return impls[i];
    return NULL;
}
