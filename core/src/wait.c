/*
 * wait.c — cf_wait() and the as_completed iterator, for futures from any
 * executor (thread pool, process pool, event loop, hand-made).
 *
 * Threads: the waiting thread, and whatever threads complete the futures.
 * Mechanism: the waiter links one cf__watch node per distinct future
 * (cf__future_watch, under the future's lock, so a completion either
 * happens before the check — and watch reports "already done" — or after
 * the link — and notify runs: no window, spec item 22). notify runs under
 * the completing future's lock; it only bumps atomic counters (cf_wait) or
 * appends an index to the ready list under `rlock` (as_completed), then
 * bumps `seq` and futex-wakes the waiter.
 * Lifetime: the waiter's storage (stack for cf_wait, the iterator for
 * as_completed) outlives every notify because the waiter unwatches every
 * node before it returns/frees; unwatch takes the future's lock, so it
 * waits for a notify in progress.
 * Ownership: cf_wait takes no references (the caller's keep the futures
 * alive during the call); as_completed retains each distinct future and
 * releases them in cf_as_completed_free().
 */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Distinct futures of fs in first-occurrence order. *out is malloc'd. */
struct pi {
    cf_future *f;
    size_t i;
};

static int cmp_pi(const void *a, const void *b) {
    const struct pi *x = a, *y = b;
    if (x->f != y->f) return (uintptr_t)x->f < (uintptr_t)y->f ? -1 : 1;
    return x->i < y->i ? -1 : (x->i > y->i);
}

static int dedupe(cf_future *const *fs, size_t n, cf_future ***out, size_t *nout) {
    *out = NULL;
    *nout = 0;
    if (n == 0) return 0;
    struct pi *p = malloc(n * sizeof *p);
    bool *keep = calloc(n, sizeof *keep);
    cf_future **u = malloc(n * sizeof *u);
    if (!p || !keep || !u) {
        free(p);
        free(keep);
        free(u);
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (struct pi){fs[i], i};
    qsort(p, n, sizeof *p, cmp_pi);
    for (size_t i = 0; i < n; i++)
        if (p[i].f && (i == 0 || p[i].f != p[i - 1].f)) keep[p[i].i] = true;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (keep[i]) u[m++] = fs[i];
    free(p);
    free(keep);
    *out = u;
    *nout = m;
    return 0;
}

/* ---- cf_wait ---- */

struct waiter {
    _Atomic uint32_t seq;
    _Atomic size_t ndone, nfailed;
};

static void wait_notify(cf__watch *w) {
    struct waiter *wt = w->ctx;
    if (cf__future_failed(w->f)) atomic_fetch_add(&wt->nfailed, 1);
    atomic_fetch_add(&wt->ndone, 1);
    atomic_fetch_add(&wt->seq, 1);
    cf__futex_wake(&wt->seq, INT_MAX);
}

static bool wait_satisfied(struct waiter *wt, size_t n, int return_when) {
    size_t done = atomic_load(&wt->ndone);
    switch (return_when) {
    case CF_FIRST_COMPLETED:
        return done >= 1 || n == 0;
    case CF_FIRST_EXCEPTION:
        return atomic_load(&wt->nfailed) >= 1 || done == n;
    default:
        return done == n;
    }
}

int cf_wait(cf_future *const *fs, size_t n, double timeout, int return_when, cf_future **done,
            size_t *ndone, cf_future **not_done, size_t *nnot_done) {
    if (ndone) *ndone = 0;
    if (nnot_done) *nnot_done = 0;
    if ((!fs && n > 0) || (return_when != CF_FIRST_COMPLETED && return_when != CF_FIRST_EXCEPTION &&
                           return_when != CF_ALL_COMPLETED))
        return CF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!fs[i]) return CF_EINVAL;
    cf_future **u;
    size_t m;
    int rc = dedupe(fs, n, &u, &m);
    if (rc) return rc;
    struct waiter wt;
    atomic_init(&wt.seq, 0);
    atomic_init(&wt.ndone, 0);
    atomic_init(&wt.nfailed, 0);

    /* Fast path: the condition may hold already. */
    for (size_t i = 0; i < m; i++) {
        if (cf_future_done(u[i])) {
            atomic_fetch_add(&wt.ndone, 1);
            if (cf__future_failed(u[i])) atomic_fetch_add(&wt.nfailed, 1);
        }
    }
    if (!wait_satisfied(&wt, m, return_when) && timeout != 0) {
        cf__watch *w = calloc(m, sizeof *w);
        if (!w) {
            free(u);
            return CF_ENOMEM;
        }
        atomic_store(&wt.ndone, 0);
        atomic_store(&wt.nfailed, 0);
        for (size_t i = 0; i < m; i++) {
            w[i].notify = wait_notify;
            w[i].ctx = &wt;
            if (cf__future_watch(u[i], &w[i])) {
                if (cf__future_failed(u[i])) atomic_fetch_add(&wt.nfailed, 1);
                atomic_fetch_add(&wt.ndone, 1);
            }
        }
        double deadline = cf__deadline(timeout);
        for (;;) {
            uint32_t s = atomic_load(&wt.seq);
            if (wait_satisfied(&wt, m, return_when)) break;
            if (cf__futex_wait(&wt.seq, s, deadline) == CF_ETIMEDOUT) break;
        }
        for (size_t i = 0; i < m; i++)
            cf__future_unwatch(u[i], &w[i]);
        free(w);
    }
    size_t a = 0, b = 0;
    for (size_t i = 0; i < m; i++) {
        if (cf_future_done(u[i])) {
            if (done) done[a] = u[i];
            a++;
        } else {
            if (not_done) not_done[b] = u[i];
            b++;
        }
    }
    if (ndone) *ndone = a;
    if (nnot_done) *nnot_done = b;
    free(u);
    return 0;
}

/* ---- as_completed ---- */

struct cf_as_completed {
    size_t n, yielded;
    cf_future **fs;
    cf__watch *w;
    _Atomic uint32_t seq;
    cf__lock rlock; /* guards ready[] and wr */
    size_t *ready;
    size_t wr, rd;
    double timeout, deadline;
    bool started;
};

static void ac_push(struct cf_as_completed *ac, size_t idx) {
    cf__lock_acquire(&ac->rlock);
    ac->ready[ac->wr++] = idx;
    cf__lock_release(&ac->rlock);
}

static void ac_notify(cf__watch *w) {
    struct cf_as_completed *ac = w->ctx;
    ac_push(ac, (size_t)(w - ac->w));
    atomic_fetch_add(&ac->seq, 1);
    cf__futex_wake(&ac->seq, INT_MAX);
}

int cf_as_completed_new(cf_future *const *fs, size_t n, double timeout, cf_as_completed **out) {
    if (out) *out = NULL;
    if (!out || (!fs && n > 0)) return CF_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!fs[i]) return CF_EINVAL;
    struct cf_as_completed *ac = calloc(1, sizeof *ac);
    if (!ac) return CF_ENOMEM;
    int rc = dedupe(fs, n, &ac->fs, &ac->n);
    if (rc) {
        free(ac);
        return rc;
    }
    size_t m = ac->n ? ac->n : 1;
    ac->w = calloc(m, sizeof *ac->w);
    ac->ready = calloc(m, sizeof *ac->ready);
    if (!ac->w || !ac->ready) {
        free(ac->w);
        free(ac->ready);
        free(ac->fs);
        free(ac);
        return CF_ENOMEM;
    }
    ac->timeout = timeout;
    for (size_t i = 0; i < ac->n; i++) {
        cf_future_retain(ac->fs[i]);
        ac->w[i].notify = ac_notify;
        ac->w[i].ctx = ac;
        if (cf__future_watch(ac->fs[i], &ac->w[i])) ac_push(ac, i);
    }
    *out = ac;
    return 0;
}

int cf_as_completed_next(cf_as_completed *ac, cf_future **f) {
    if (f) *f = NULL;
    if (!ac || !f) return CF_EINVAL;
    if (ac->yielded == ac->n) return CF_EEOF;
    if (!ac->started) {
        ac->started = true;
        ac->deadline = cf__deadline(ac->timeout);
    }
    for (;;) {
        uint32_t s = atomic_load(&ac->seq);
        cf__lock_acquire(&ac->rlock);
        if (ac->rd < ac->wr) {
            size_t idx = ac->ready[ac->rd++];
            cf__lock_release(&ac->rlock);
            ac->yielded++;
            *f = ac->fs[idx];
            return 0;
        }
        cf__lock_release(&ac->rlock);
        if (cf__futex_wait(&ac->seq, s, ac->deadline) == CF_ETIMEDOUT) {
            /* A future can be seen done a moment before its notify has
             * appended it: the finisher publishes the state, then notifies,
             * both under the future's lock. unwatch takes that lock, so
             * after it every future seen done here is in ready[] — a future
             * whose result() has returned is never reported as timed out. */
            for (size_t i = 0; i < ac->n; i++)
                if (cf_future_done(ac->fs[i])) cf__future_unwatch(ac->fs[i], &ac->w[i]);
            cf__lock_acquire(&ac->rlock);
            bool any = ac->rd < ac->wr;
            cf__lock_release(&ac->rlock);
            if (!any) return CF_ETIMEDOUT;
        }
    }
}

size_t cf_as_completed_pending(const cf_as_completed *ac) {
    return ac ? ac->n - ac->yielded : 0;
}

size_t cf_as_completed_total(const cf_as_completed *ac) {
    return ac ? ac->n : 0;
}

void cf_as_completed_free(cf_as_completed *ac) {
    if (!ac) return;
    for (size_t i = 0; i < ac->n; i++) {
        cf__future_unwatch(ac->fs[i], &ac->w[i]);
        cf_future_release(ac->fs[i]);
    }
    free(ac->w);
    free(ac->ready);
    free(ac->fs);
    free(ac);
}
