/*
 * loiter_async.c — the loiter event-loop driver: every task is a cf_loop
 * timer, so one thread "sleeps" any number of tasks at once (asyncio.sleep
 * rather than time.sleep).
 *
 * Threads: everything runs on the loop thread (open/start/close and the
 * timer callbacks). No locks.
 *
 * Invariants: each started task is one `sleeper` on the driver's list with
 * an armed timer and one reference to its future; when the timer fires the
 * future gets the same value as the loiter task (index × 10, an int64) and
 * the sleeper is freed. max_inflight bounds how many sleep at once; the
 * rest wait in FIFO order and start (their full sleep) as others finish.
 *
 * Who frees what: the driver owns the sleepers and their timers; close()
 * fails still-sleeping or queued futures with CF_ECANCELLED "interrupted"
 * and frees everything.
 */
#include <stdlib.h>
#include <string.h>

#include "cf_loop.h"
#include "loiter.h"

typedef struct sleeper {
    struct sleeper *prev, *next; /* sleeping list, or queue (next only) */
    struct ldrv *d;
    cf_loop_timer *timer;
    cf_future *fut; /* one reference */
    cfb_loiter_arg a;
} sleeper;

typedef struct ldrv {
    cf_loop *loop;
    int max_inflight, inflight;
    sleeper *sleeping;      /* doubly linked */
    sleeper *qhead, *qtail; /* waiting for a slot */
} ldrv;

static void launch(ldrv *d, sleeper *s);

static void on_wake(cf_loop *loop, void *arg) {
    (void)loop;
    sleeper *s = arg;
    ldrv *d = s->d;
    if (s->prev)
        s->prev->next = s->next;
    else
        d->sleeping = s->next;
    if (s->next) s->next->prev = s->prev;
    d->inflight--;
    int64_t v = s->a.index * 10;
    cf_future_set_result(s->fut, &v, sizeof v);
    cf_future_release(s->fut);
    cf_loop_timer_free(s->timer); /* allowed from its own callback */
    free(s);
    while (d->qhead && d->inflight < d->max_inflight) {
        sleeper *q = d->qhead;
        d->qhead = q->next;
        if (!d->qhead) d->qtail = NULL;
        launch(d, q);
    }
}

static void launch(ldrv *d, sleeper *s) {
    if (cf_future_set_running(s->fut)) { /* cancelled while queued */
        cf_future_release(s->fut);
        free(s);
        return;
    }
    if (cf_loop_timer_new(d->loop, on_wake, s, &s->timer) ||
        cf_loop_timer_start(s->timer, s->a.seconds)) {
        cf_loop_timer_free(s->timer);
        cf_future_set_error(s->fut, CF_ENOMEM, CF_ENOMEM, "loiter: no memory for a timer");
        cf_future_release(s->fut);
        free(s);
        return;
    }
    s->prev = NULL;
    s->next = d->sleeping;
    if (d->sleeping) d->sleeping->prev = s;
    d->sleeping = s;
    d->inflight++;
}

static int loiter_open(cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    (void)p;
    if (!loop || max_inflight < 1 || !state) return CF_EINVAL;
    ldrv *d = calloc(1, sizeof *d);
    if (!d) return CF_ENOMEM;
    d->loop = loop;
    d->max_inflight = max_inflight;
    *state = d;
    return 0;
}

static int loiter_start(void *state, const void *arg, size_t len, cf_future *fut) {
    ldrv *d = state;
    if (!d || !fut) return CF_EINVAL;
    if (len != sizeof(cfb_loiter_arg)) {
        cf_future_set_error(fut, CF_ETASK, 1, "loiter: bad argument");
        return 0;
    }
    sleeper *s = calloc(1, sizeof *s);
    if (!s) return CF_ENOMEM;
    s->d = d;
    s->fut = cf_future_retain(fut);
    memcpy(&s->a, arg, sizeof s->a);
    if (d->inflight < d->max_inflight && !d->qhead) {
        launch(d, s);
    } else {
        if (d->qtail)
            d->qtail->next = s;
        else
            d->qhead = s;
        d->qtail = s;
    }
    return 0;
}

static void loiter_close(void *state) {
    ldrv *d = state;
    if (!d) return;
    sleeper *lists[2] = {d->sleeping, d->qhead};
    for (int i = 0; i < 2; i++) {
        sleeper *s = lists[i];
        while (s) {
            sleeper *n = s->next;
            cf_loop_timer_free(s->timer);
            if (!cf_future_cancel(s->fut))
                cf_future_set_error(s->fut, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
            cf_future_release(s->fut);
            free(s);
            s = n;
        }
    }
    free(d);
}

const cfb_async_driver cfb_loiter_async = {
    .open = loiter_open,
    .start = loiter_start,
    .close = loiter_close,
};
