/*
 * modes.c — the seq, thread and process modes, and the mode / impl tables.
 *
 * seq: a plain loop in the calling thread; no executor. Each task runs
 * through cf_run_task() on a fresh future so its outcome is reported the
 * same way as in the pools.
 * thread / process: a cfutures pool made per repetition (its workers start
 * lazily inside the timed region, as a Python `with Executor()` would),
 * tasks submitted with a bounded window of futures in flight, results taken
 * in input order, then shutdown(wait) so every worker has exited (and its
 * CPU time and perf counts are folded into the parent) before the engine
 * reads its counters.
 */
#include "modes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run_seq(cfb_rep *rep) {
    size_t n = cfb_rep_ntasks(rep);
    int rc = cfb_rep_worker_enter(rep, 0);
    if (rc) return rc;
    cfb_rep_start(rep);
    for (size_t i = 0; i < n; i++) {
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
