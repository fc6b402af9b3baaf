/*
 * mode_async.c — the `async` mode: one thread, one cf_loop.
 *
 * Threads. The loop runs on the calling (main) thread, which becomes worker
 * slot 0 (cfb_rep_worker_enter). There is no other thread of ours (libcurl
 * and the embedded server may have their own).
 *
 * With a workload driver (flags: curl multi; loiter: timers), at most
 * `workers` operations are in flight: `pump` starts tasks while there is
 * room, and each future's done callback — run on the loop thread when the
 * driver resolves it — records the task's times (cfb_rep_mark), hands the
 * future to the engine (cfb_rep_take) and pumps again. `pumping` guards
 * against re-entry (a task that fails synchronously inside start() would
 * otherwise recurse through its callback); the outer pump keeps going.
 * When the last future is taken the loop stops.
 *
 * Without a driver (primes, noop) the tasks run inline on the loop thread,
 * one after another, through the engine's wrapper: they block the loop, so
 * `workers` buys nothing — which is what the results must show, as asyncio
 * shows for CPU-bound code.
 *
 * Observed runs (modes.h: cfb_run_tasks: `cfbench flags`, `loiter --mode
 * async`): the loop still runs on the caller's thread, so the observer is
 * called there, from on_done, in completion order. A stoppable run arms a
 * `watch` timer every cfb_rep_poll_s(); once cfb_rep_stopping() it stops
 * pumping, closes the driver (which fails what is in flight: their
 * callbacks take them), takes every task never started as cancelled, and
 * stops the loop. Inline tasks look at the flag between tasks (they block
 * the loop, so no timer could fire).
 *
 * Who frees what. This file owns the loop, the watch timer, the driver state and one
 * reference to each future until cfb_rep_take passes it to the engine.
 */
#include <stdlib.h>

#include "cf_loop.h"
#include "modes.h"

typedef struct arun {
    cfb_rep *rep;
    const cfb_async_driver *drv;
    void *state;
    cf_loop *loop;
    size_t n, next, taken;
    int window, inflight;
    double *start; /* per task */
    bool pumping;
    bool stopped, closed; /* observed run stopped; driver closed */
    cf_loop_timer *watch; /* stoppable runs: looks at the stop flag */
    int rc;
} arun;

static void pump(arun *a);

static void on_done(cf_future *f, void *arg) {
    arun *a = arg;
    size_t i = (size_t)cf_future_tag(f);
    cfb_rep_mark(a->rep, i, a->start[i], cfb_now(), 0);
    cfb_rep_take(a->rep, i, f); /* passes our reference to the engine */
    a->inflight--;
    if (++a->taken == a->n)
        cf_loop_stop(a->loop);
    else
        pump(a);
}

static void pump(arun *a) {
    if (a->pumping) return;
    a->pumping = true;
    while (a->next < a->n && a->inflight < a->window && a->rc == 0 && !a->stopped) {
        size_t i = a->next++;
        const void *arg;
        size_t len;
        cfb_rep_task_arg(a->rep, i, &arg, &len);
        cf_future *f = cf_future_new();
        if (!f) {
            cfb_rep_fail(a->rep, "async: out of memory");
            a->rc = CF_ENOMEM;
            cf_loop_stop(a->loop);
            break;
        }
        cf_future_set_tag(f, i);
        a->inflight++;
        a->start[i] = cfb_now();
        int rc = a->drv->start(a->state, arg, len, f);
        if (rc) {
            cf_future_set_error(f, rc, rc, "async: the driver could not start the task");
        }
        cf_future_add_done_callback(f, on_done, a); /* runs at once if already done */
    }
    a->pumping = false;
    /* A task that completed synchronously may have freed room after the loop test. */
    if (a->next < a->n && a->inflight < a->window && a->rc == 0 && !a->stopped) pump(a);
}

/* The rest of the tasks never start: each taken as cancelled. */
static void take_rest(arun *a) {
    while (a->next < a->n && a->rc == 0) {
        size_t i = a->next++;
        a->rc = cfb_rep_take_cancelled(a->rep, i);
        if (a->rc == 0 && ++a->taken == a->n) cf_loop_stop(a->loop);
    }
    if (a->rc) cf_loop_stop(a->loop);
}

static void on_watch(cf_loop *loop, void *arg) {
    (void)loop;
    arun *a = arg;
    if (!cfb_rep_stopping(a->rep)) {
        if (cf_loop_timer_start(a->watch, cfb_rep_poll_s(a->rep))) a->rc = CF_ENOMEM;
        return;
    }
    a->stopped = true;
    take_rest(a);
    if (a->drv && !a->closed) {
        a->closed = true;
        a->drv->close(a->state); /* fails what is in flight: on_done takes each */
    }
    if (a->taken == a->n || a->rc) cf_loop_stop(a->loop);
}

static void kick(cf_loop *loop, void *arg) {
    (void)loop;
    pump(arg);
}

/* No driver: every task inline on the loop thread, blocking it. */
static void run_inline(cf_loop *loop, void *arg) {
    arun *a = arg;
    for (size_t i = 0; i < a->n; i++) {
        if (cfb_rep_stopping(a->rep)) { /* stopped: the rest never runs */
            a->next = i;
            a->taken = i;
            take_rest(a);
            break;
        }
        cf_task_fn fn;
        const void *targ;
        size_t len;
        cfb_rep_task(a->rep, i, &fn, &targ, &len);
        cf_future *f = cf_future_new();
        if (!f) {
            cfb_rep_fail(a->rep, "async: out of memory");
            a->rc = CF_ENOMEM;
            break;
        }
        cf_future_set_running(f);
        cf_run_task(f, fn, targ, len);
        cfb_rep_take(a->rep, i, f);
    }
    cf_loop_stop(loop);
}

static int run_async(cfb_rep *rep) {
    arun a = {.rep = rep, .n = cfb_rep_ntasks(rep), .window = cfb_rep_workers(rep)};
    const cfb_workload *w = cfb_rep_workload(rep);
    a.drv = w->async;
    if (a.window < 1) a.window = 1;
    int rc = cf_loop_new(&a.loop);
    if (rc) {
        cfb_rep_fail(rep, "async: cannot make the event loop: %s", cf_strerror(rc));
        return rc;
    }
    a.start = calloc(a.n ? a.n : 1, sizeof *a.start);
    if (!a.start) {
        cf_loop_free(a.loop);
        cfb_rep_fail(rep, "async: out of memory");
        return CF_ENOMEM;
    }
    rc = cfb_rep_worker_enter(rep, 0);
    if (rc) goto out;
    if (a.drv) {
        rc = a.drv->open(a.loop, cfb_rep_params(rep), a.window, &a.state);
        if (rc) {
            cfb_rep_fail(rep, "async: %s driver: %s", w->name, cf_strerror(rc));
            cfb_rep_worker_exit(rep);
            goto out;
        }
    }
    cfb_rep_start(rep);
    if (a.n == 0) {
        /* nothing to run */
    } else {
        if (a.drv && cfb_rep_poll_s(rep) != CF_FOREVER &&
            (cf_loop_timer_new(a.loop, on_watch, &a, &a.watch) ||
             cf_loop_timer_start(a.watch, cfb_rep_poll_s(rep)))) {
            cfb_rep_fail(rep, "async: out of memory");
            a.rc = CF_ENOMEM;
        } else {
            cf_loop_call_later(a.loop, 0, a.drv ? kick : run_inline, &a);
            rc = cf_loop_run(a.loop);
            if (rc) cfb_rep_fail(rep, "async: event loop failed: %s", cf_strerror(rc));
        }
    }
    if (a.drv && !a.closed) a.drv->close(a.state); /* fails anything in flight (an error) */
    cf_loop_timer_free(a.watch);
    cfb_rep_worker_exit(rep);
    if (!rc) rc = a.rc;
out:
    free(a.start);
    cf_loop_free(a.loop);
    return rc;
}

const cfb_mode cfb_mode_async = {
    "async",
    "one thread, an event loop (curl multi / timers); CPU-bound tasks block it",
    true,
    run_async,
};
