/*
 * flags_async.c — the flags event-loop driver: libcurl multi with
 * curl_multi_socket_action() on a cf_loop (epoll + the loop's timer heap).
 *
 * Threads. Everything here runs on the loop thread: open/start/close are
 * called there by the runner (or `cfbench flags`), and curl's socket and
 * timer callbacks, and our fd/timer callbacks, run inside cf_loop_run().
 * No locks. Futures are resolved with cf_future_set_result/_set_error on
 * the loop thread, which wakes any other thread blocked in cf_wait() or
 * cf_as_completed_next().
 *
 * Invariants. At most max_inflight transfers are in the multi handle
 * (`inflight`); further starts wait in a FIFO queue and are launched as
 * transfers finish. At most launch_batch (16) transfers are added per loop
 * iteration (`budget`, refilled by the `kick` timer, a 0-delay loop timer
 * armed while the queue is non-empty and the budget spent): curl starts
 * every newly added handle in its next timeout call, so 10,000 starts at
 * once would open 10,000 connections before sending a single request; in
 * batches, the loop sends the first requests (and reads the first answers)
 * between batches, and the server's work overlaps the client's. Measured at
 * 10,000 in flight: all at once, the client sat idle ~0.3 s between its last
 * request and the first answer; in batches the first 10% complete ~0.3 s
 * earlier; smaller batches also shorten the makespan (LAUNCH_BATCH_DEFAULT).
 * Transfers that finish do not launch the queued ones at once: check_done
 * arms `kick`, which launches after the iteration's I/O and starts them
 * with one curl_multi_socket_action(TIMEOUT). curl starts a newly added
 * handle inside its next socket_action call, so launching from check_done
 * sent one request per answer processed, each waking an idle server thread
 * (0.47 server wake-ups per download against 0.15 in bursts; 64 in flight,
 * 46k -> 60k downloads/s).
 *
 * flags3 (meta). An item's metadata.json request is a second transfer on
 * the same xfer: when its flag is in, check_done puts the xfer at the HEAD
 * of the queue (a continuation qitem: x set, fut NULL) instead of resolving
 * the future, and the kick launches it like any queued transfer, so
 * `inflight` counts flag and metadata requests together and never passes
 * max_inflight (the book's one semaphore). Head, not tail: the flag waits
 * in its temporary file until its metadata is in, so an item is finished
 * before new flags start (at most max_inflight flags wait at once, not
 * every flag of the run as with a FIFO semaphore).
 *
 * Each in-flight transfer is a cfb__xfer from the pool whose `user` is the future it will resolve
 * (one reference held by the driver); idle pool entries have user == NULL and keep their easy
 * handle (and thus curl's connection reuse) for the next transfer. curl tells us which sockets to
 * watch (CURLMOPT_SOCKETFUNCTION → cf_loop_watch/unwatch) and when to call it back
 * (CURLMOPT_TIMERFUNCTION → one cf_loop_timer).
 *
 * Who frees what. The driver owns the multi handle, the timer, the xfer
 * pool (easy handles and buffers), the "Connection: close" header list and
 * the queued task copies; it holds one
 * reference to each future it has not resolved. close() fails those
 * futures ("interrupted", status CF_ECANCELLED) — so an interrupted run
 * never leaves a waiter hanging — then frees everything.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_loop.h"
#include "flags_internal.h"

#define FRESH_ABOVE 512
/* Transfers added per loop iteration. Chosen by measurement (flags_bench
 * --batch, interleaved runs): 16 against 256 — 10,000 in flight (DELAY
 * 0.5 s) 1.06 s against 1.20 s; 64 in flight (LOCAL) 64.5k against 58.5k
 * downloads/s. Small bursts let the server start on the first requests
 * while the client sends the rest; 4 was slower again. */
#define LAUNCH_BATCH_DEFAULT 16
static int launch_batch = LAUNCH_BATCH_DEFAULT;

void cfb__flags_async_set_batch(int n) {
    launch_batch = n > 0 ? n : LAUNCH_BATCH_DEFAULT;
}

/* A queued request: a new task (fut, arg), or the second request of a
 * flags3 item whose flag is in (x, its future in x->user; fut NULL). */
typedef struct qitem {
    struct qitem *next;
    cf_future *fut; /* one reference; NULL for a continuation */
    cfb__xfer *x;   /* a continuation: the xfer, prepared for metadata.json */
    size_t len;
    unsigned char arg[]; /* copied */
} qitem;

typedef struct drv {
    cf_loop *loop;
    CURLM *multi;
    cf_loop_timer *timer;
    cf_loop_timer *kick; /* refills `budget` and launches queued transfers */
    int max_inflight, inflight, peak;
    int budget; /* transfers that may still be added in this iteration */
    qitem *qhead, *qtail;
    cfb__xfer **pool; /* every xfer ever made */
    size_t npool, pool_cap;
    cfb__xfer **idle; /* the ones not in flight */
    size_t nidle;
    struct curl_slist *close_hdr; /* "Connection: close", for fresh transfers */
} drv;

static void check_done(drv *d);

static void on_io(cf_loop *loop, int fd, unsigned events, void *arg) {
    (void)loop;
    drv *d = arg;
    int flags = 0, running;
    if (events & CF_LOOP_READ) flags |= CURL_CSELECT_IN;
    if (events & CF_LOOP_WRITE) flags |= CURL_CSELECT_OUT;
    if (events & CF_LOOP_ERROR) flags |= CURL_CSELECT_ERR;
    curl_multi_socket_action(d->multi, fd, flags, &running);
    check_done(d);
}

static int on_socket(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
    (void)e, (void)socketp;
    drv *d = userp;
    if (what == CURL_POLL_REMOVE) {
        cf_loop_unwatch(d->loop, s);
        return 0;
    }
    unsigned ev = 0;
    if (what & CURL_POLL_IN) ev |= CF_LOOP_READ;
    if (what & CURL_POLL_OUT) ev |= CF_LOOP_WRITE;
    return cf_loop_watch(d->loop, s, ev, on_io, d) ? -1 : 0;
}

static void on_timeout(cf_loop *loop, void *arg) {
    (void)loop;
    drv *d = arg;
    int running;
    curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(d);
}

static int on_timer(CURLM *m, long ms, void *userp) {
    (void)m;
    drv *d = userp;
    if (ms < 0)
        cf_loop_timer_stop(d->timer);
    else
        cf_loop_timer_start(d->timer, (double)ms / 1000.0);
    return 0;
}

static cfb__xfer *get_xfer(drv *d) {
    if (d->nidle) return d->idle[--d->nidle];
    if (d->npool == d->pool_cap) {
        size_t cap = d->pool_cap ? d->pool_cap * 2 : 64;
        cfb__xfer **p = realloc(d->pool, cap * sizeof *p);
        if (!p) return NULL;
        d->pool = p;
        cfb__xfer **q = realloc(d->idle, cap * sizeof *q);
        if (!q) return NULL;
        d->idle = q;
        d->pool_cap = cap;
    }
    cfb__xfer *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    if (cfb__xfer_init(x)) {
        cfb__xfer_fini(x);
        free(x);
        return NULL;
    }
    /* What is the same for every transfer of this driver is set once, on
     * the pooled handle (prepare() sets only URL and timeouts). */
    /* No progress callback on the loop: close() aborts transfers itself. */
    curl_easy_setopt(x->easy, CURLOPT_NOPROGRESS, 1L);
    /* With thousands of transfers in flight to one host, libcurl 7.88 scans
     * every live connection of the host for each new transfer (O(n^2): 6 s
     * of CPU for 10,000). Above FRESH_ABOVE in flight, use one fresh
     * connection per transfer instead (no scan; as the book's clients do). */
    long fresh = d->max_inflight > FRESH_ABOVE;
    curl_easy_setopt(x->easy, CURLOPT_FRESH_CONNECT, fresh);
    curl_easy_setopt(x->easy, CURLOPT_FORBID_REUSE, fresh);
    /* A connection used once: ask the server to close it first, so the
     * TIME_WAIT state (60 s) stays on the server's side. Client-side
     * TIME_WAIT sockets make every later connect() search the ephemeral
     * port range past them: measured on back-to-back 10,000-connection
     * runs, 58% of the client's CPU in __inet_hash_connect and the next
     * run 1.8x slower. */
    if (fresh) curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, d->close_hdr);
    d->pool[d->npool++] = x;
    return x;
}

static void put_xfer(drv *d, cfb__xfer *x) {
    x->user = NULL;
    d->idle[d->nidle++] = x; /* idle has room for every pooled xfer */
}

/* Launch one transfer now (inflight < max). Takes over the reference. */
static void launch(drv *d, const void *arg, size_t len, cf_future *fut) {
    char err[CF_ERRMSG_MAX];
    if (cf_future_set_running(fut)) { /* cancelled while queued */
        cf_future_release(fut);
        return;
    }
    cfb__xfer *x = get_xfer(d);
    if (!x) {
        cf_future_set_error(fut, CF_ENOMEM, CF_ENOMEM, "flags: cannot make a curl handle");
        cf_future_release(fut);
        return;
    }
    if (cfb__xfer_prepare(x, arg, len, err, sizeof err)) {
        put_xfer(d, x);
        cf_future_set_error(fut, CF_ETASK, CF_EINVAL, err);
        cf_future_release(fut);
        return;
    }
    x->user = fut;
    CURLMcode mc = curl_multi_add_handle(d->multi, x->easy);
    if (mc != CURLM_OK) {
        put_xfer(d, x);
        cf_future_set_error(fut, CF_ETASK, 1, curl_multi_strerror(mc));
        cf_future_release(fut);
        return;
    }
    if (++d->inflight > d->peak) d->peak = d->inflight;
}

/* Put a prepared continuation (a flag's metadata request) back in flight. */
static void relaunch(drv *d, cfb__xfer *x) {
    CURLMcode mc = curl_multi_add_handle(d->multi, x->easy);
    if (mc != CURLM_OK) {
        cf_future *fut = x->user;
        put_xfer(d, x);
        cf_future_set_error(fut, CF_ETASK, 1, curl_multi_strerror(mc));
        cf_future_release(fut);
        return;
    }
    if (++d->inflight > d->peak) d->peak = d->inflight;
}

size_t cfb_flags_async_peak(const void *state) {
    return state ? (size_t)((const drv *)state)->peak : 0;
}

static void launch_queued(drv *d) {
    while (d->qhead && d->inflight < d->max_inflight) {
        if (d->budget <= 0) {
            if (!cf_loop_timer_armed(d->kick)) cf_loop_timer_start(d->kick, 0);
            return;
        }
        d->budget--;
        qitem *q = d->qhead;
        d->qhead = q->next;
        if (!d->qhead) d->qtail = NULL;
        if (q->x)
            relaunch(d, q->x);
        else
            launch(d, q->arg, q->len, q->fut);
        free(q);
    }
}

static void check_done(drv *d) {
    CURLMsg *m;
    int left;
    bool any = false;
    while ((m = curl_multi_info_read(d->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        cfb__xfer *x = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&x);
        curl_multi_remove_handle(d->multi, e);
        d->inflight--;
        cf_future *fut = x->user;
        cfb_flag_result res;
        char err[CF_ERRMSG_MAX];
        any = true;
        int r = cfb__xfer_finish(x, rc, &res, err, sizeof err);
        if (r == 1) {
            /* flags3: the flag is in; its metadata request takes a place
             * in flight like any request, ahead of the flags still queued
             * (the item's flag waits in its temporary file meanwhile). */
            qitem *q = malloc(sizeof *q);
            if (q) {
                q->fut = NULL;
                q->x = x;
                q->len = 0;
                q->next = d->qhead;
                d->qhead = q;
                if (!d->qtail) d->qtail = q;
                continue;
            }
            r = -1;
            snprintf(err, sizeof err, "out of memory");
        }
        if (r)
            cf_future_set_error(fut, CF_ETASK, 1, err);
        else
            cf_future_set_result(fut, &res, sizeof res);
        put_xfer(d, x);
        cf_future_release(fut);
    }
    /* Launch the next transfers after this loop iteration's I/O, not now:
     * curl starts a newly added handle inside the very next
     * curl_multi_socket_action() call, so launching here would send one
     * request per answer processed, each waking an idle server. */
    if (any && d->qhead && !cf_loop_timer_armed(d->kick)) cf_loop_timer_start(d->kick, 0);
}

static void on_kick(cf_loop *loop, void *arg) {
    (void)loop;
    drv *d = arg;
    d->budget = launch_batch;
    launch_queued(d);
    /* Start them now, in one burst (curl's timer for them is already due). */
    on_timeout(loop, d);
}

static int flags_open(cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    (void)p;
    if (!loop || max_inflight < 1 || !state) return CF_EINVAL;
    int rc = cfb__flags_global_init();
    if (rc) return rc;
    drv *d = calloc(1, sizeof *d);
    if (!d) return CF_ENOMEM;
    d->loop = loop;
    d->max_inflight = max_inflight;
    d->budget = launch_batch;
    d->multi = curl_multi_init();
    d->close_hdr = curl_slist_append(NULL, "Connection: close");
    if (!d->multi || !d->close_hdr || cf_loop_timer_new(loop, on_timeout, d, &d->timer) ||
        cf_loop_timer_new(loop, on_kick, d, &d->kick)) {
        if (d->multi) curl_multi_cleanup(d->multi);
        curl_slist_free_all(d->close_hdr);
        cf_loop_timer_free(d->timer);
        free(d);
        return CF_ENOMEM;
    }
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
    /* Keep one idle connection per possible transfer, for reuse. */
    curl_multi_setopt(d->multi, CURLMOPT_MAXCONNECTS, (long)max_inflight);
    *state = d;
    return 0;
}

static int flags_start(void *state, const void *arg, size_t len, cf_future *fut) {
    drv *d = state;
    if (!d || !fut) return CF_EINVAL;
    cf_future_retain(fut);
    if (d->inflight < d->max_inflight && !d->qhead && d->budget > 0) {
        d->budget--;
        launch(d, arg, len, fut);
        return 0;
    }
    qitem *q = malloc(sizeof *q + len);
    if (!q) {
        cf_future_release(fut);
        return CF_ENOMEM;
    }
    q->next = NULL;
    q->fut = fut;
    q->x = NULL;
    q->len = len;
    if (len) memcpy(q->arg, arg, len);
    if (d->qtail)
        d->qtail->next = q;
    else
        d->qhead = q;
    d->qtail = q;
    if (d->inflight < d->max_inflight && !cf_loop_timer_armed(d->kick))
        cf_loop_timer_start(d->kick, 0);
    return 0;
}

static void flags_close(void *state) {
    drv *d = state;
    if (!d) return;
    /* Abort what is in flight (Ctrl-C, or a runner that stops early). */
    for (size_t i = 0; i < d->npool; i++) {
        cfb__xfer *x = d->pool[i];
        if (!x->user) continue;
        curl_multi_remove_handle(d->multi, x->easy);
        cf_future_set_error(x->user, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
        cf_future_release(x->user);
        x->user = NULL;
    }
    while (d->qhead) {
        qitem *q = d->qhead;
        d->qhead = q->next;
        if (!q->fut) { /* a continuation: its future was failed above (x->user) */
            free(q);
            continue;
        }
        if (!cf_future_cancel(q->fut))
            cf_future_set_error(q->fut, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
        cf_future_release(q->fut);
        free(q);
    }
    curl_multi_cleanup(d->multi); /* closes cached connections (socket callbacks run) */
    for (size_t i = 0; i < d->npool; i++) {
        cfb__xfer_fini(d->pool[i]);
        free(d->pool[i]);
    }
    curl_slist_free_all(d->close_hdr); /* after the handles that point at it */
    cf_loop_timer_free(d->timer);
    cf_loop_timer_free(d->kick);
    free(d->pool);
    free(d->idle);
    free(d);
}

const cfb_async_driver cfb_flags_async = {
    .open = flags_open,
    .start = flags_start,
    .close = flags_close,
};
