/*
 * loop.c — the cf_loop event loop (see core/include/cf_loop.h for the API).
 *
 * Threads. One thread — the one inside cf_loop_run(), or the creating thread
 * before that — owns everything except `q` (the cross-thread call queue),
 * `woken` and `stop`. Other threads only ever call
 * cf_loop_call_soon_threadsafe() and cf_loop_stop().
 *
 * Locks. One mutex, `qlock`, protects the call queue (q_head/q_tail). It is
 * never held while a callback runs: the loop thread swaps the whole queue
 * out under the lock and runs it unlocked, so a callback may queue more
 * calls (they run on the next iteration, keeping FIFO order and bounding
 * one iteration's work).
 *
 * Wake-up. An eventfd in the epoll set. `woken` (atomic) is set by the
 * first producer after the loop last drained the eventfd; only that
 * producer writes to it, so a burst of N calls costs one write and one
 * read. The loop clears `woken` *before* swapping the queue out, so a call
 * queued after the swap always causes another wake-up (no lost wake-ups).
 *
 * Timers. A binary min-heap of armed cf_loop_timer pointers ordered by
 * (deadline, seq); each timer knows its heap index (-1 = not armed), so
 * stop/re-arm are O(log n). The earliest deadline drives the timeout of
 * epoll_pwait2() (nanosecond resolution; epoll_wait() with the timeout
 * rounded up to a millisecond where pwait2 is missing). In one iteration
 * only timers armed before the iteration began fire, so a callback that
 * re-arms itself with delay 0 cannot starve fd events.
 *
 * Fds. A table indexed by fd holds each watcher's callback, events and a
 * generation number; the epoll data word carries fd | generation << 32, and
 * an event whose generation no longer matches (the fd was unwatched — and
 * maybe reused by a new socket — by an earlier callback of the same batch)
 * is dropped.
 *
 * Who frees what. The loop frees its fds, the heap array, the fd table,
 * queued call nodes and the timers it made for cf_loop_call_later() (after
 * they fire, or in cf_loop_free()). The caller frees its own timers and
 * closes its own fds.
 */
#include "cf_loop.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "cfutures.h"

#define WAKE_KEY UINT64_MAX
#define MAX_EVENTS 256

struct cf_loop_timer {
    cf_loop *loop;
    cf_loop_cb cb;
    void *arg;
    double deadline;
    uint64_t seq;
    long idx;        /* position in the heap, -1 when not armed */
    bool loop_owned; /* made by cf_loop_call_later: freed after it fires */
};

typedef struct call {
    struct call *next;
    cf_loop_cb cb;
    void *arg;
} call;

typedef struct watcher {
    cf_loop_io_cb cb;
    void *arg;
    unsigned events;
    uint32_t gen;
    bool active;
} watcher;

struct cf_loop {
    int epfd, wakefd;
    /* fd watchers */
    watcher *fds;
    size_t nfds_cap, nwatched;
    /* timers */
    cf_loop_timer **heap;
    size_t nheap, heap_cap;
    uint64_t next_seq;
    /* loop-owned timers not yet fired (freed by cf_loop_free) */
    /* cross-thread calls */
    pthread_mutex_t qlock;
    call *q_head, *q_tail;
    atomic_bool woken;
    atomic_bool stop;
    bool running;
    bool have_pwait2;
};

double cf_loop_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- creation ---------------------------------------------------------------- */

int cf_loop_new(cf_loop **out) {
    if (!out) return CF_EINVAL;
    cf_loop *l = calloc(1, sizeof *l);
    if (!l) return CF_ENOMEM;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    l->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (l->epfd < 0 || l->wakefd < 0) goto fail;
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_KEY};
    if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->wakefd, &ev) < 0) goto fail;
    pthread_mutex_init(&l->qlock, NULL);
    atomic_init(&l->woken, false);
    atomic_init(&l->stop, false);
    l->have_pwait2 = true;
    *out = l;
    return 0;
fail:
    if (l->epfd >= 0) close(l->epfd);
    if (l->wakefd >= 0) close(l->wakefd);
    free(l);
    return CF_ESYS;
}

void cf_loop_free(cf_loop *loop) {
    if (!loop) return;
    /* Loop-owned timers still armed; caller-owned ones are the caller's. */
    for (size_t i = 0; i < loop->nheap; i++) {
        cf_loop_timer *t = loop->heap[i];
        t->idx = -1;
        if (t->loop_owned) free(t);
    }
    call *c = loop->q_head;
    while (c) {
        call *n = c->next;
        free(c);
        c = n;
    }
    pthread_mutex_destroy(&loop->qlock);
    close(loop->epfd);
    close(loop->wakefd);
    free(loop->heap);
    free(loop->fds);
    free(loop);
}

void cf_loop_stop(cf_loop *loop) {
    if (!loop) return;
    atomic_store(&loop->stop, true);
    if (!atomic_exchange(&loop->woken, true)) {
        uint64_t one = 1;
        ssize_t r = write(loop->wakefd, &one, sizeof one);
        (void)r; /* EAGAIN only when the counter is saturated: still readable */
    }
}

/* ---- fd watchers ------------------------------------------------------------- */

static uint32_t to_epoll(unsigned ev) {
    uint32_t e = 0;
    if (ev & CF_LOOP_READ) e |= EPOLLIN | EPOLLRDHUP;
    if (ev & CF_LOOP_WRITE) e |= EPOLLOUT;
    return e;
}

int cf_loop_watch(cf_loop *loop, int fd, unsigned events, cf_loop_io_cb cb, void *arg) {
    if (!loop || fd < 0 || !cb || (events & ~(unsigned)(CF_LOOP_READ | CF_LOOP_WRITE)))
        return CF_EINVAL;
    if ((size_t)fd >= loop->nfds_cap) {
        size_t cap = loop->nfds_cap ? loop->nfds_cap : 64;
        while (cap <= (size_t)fd)
            cap *= 2;
        watcher *n = realloc(loop->fds, cap * sizeof *n);
        if (!n) return CF_ENOMEM;
        memset(n + loop->nfds_cap, 0, (cap - loop->nfds_cap) * sizeof *n);
        loop->fds = n;
        loop->nfds_cap = cap;
    }
    watcher *w = &loop->fds[fd];
    bool add = !w->active;
    uint32_t gen = add ? w->gen + 1 : w->gen;
    struct epoll_event ev = {.events = to_epoll(events),
                             .data.u64 = (uint64_t)(uint32_t)fd | ((uint64_t)gen << 32)};
    if (epoll_ctl(loop->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev) < 0) return CF_ESYS;
    w->gen = gen;
    w->cb = cb;
    w->arg = arg;
    w->events = events;
    if (add) {
        w->active = true;
        loop->nwatched++;
    }
    return 0;
}

int cf_loop_unwatch(cf_loop *loop, int fd) {
    if (!loop || fd < 0 || (size_t)fd >= loop->nfds_cap || !loop->fds[fd].active) return CF_EINVAL;
    watcher *w = &loop->fds[fd];
    /* The fd may already be closed (then the kernel dropped it by itself). */
    (void)epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
    w->active = false;
    w->gen++; /* events of this batch for the old registration are stale */
    w->cb = NULL;
    w->arg = NULL;
    loop->nwatched--;
    return 0;
}

size_t cf_loop_nwatched(const cf_loop *loop) {
    return loop ? loop->nwatched : 0;
}

/* ---- timers ------------------------------------------------------------------ */

static bool earlier(const cf_loop_timer *a, const cf_loop_timer *b) {
    return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static void heap_set(cf_loop *l, size_t i, cf_loop_timer *t) {
    l->heap[i] = t;
    t->idx = (long)i;
}

static void sift_up(cf_loop *l, size_t i) {
    cf_loop_timer *t = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!earlier(t, l->heap[p])) break;
        heap_set(l, i, l->heap[p]);
        i = p;
    }
    heap_set(l, i, t);
}

static void sift_down(cf_loop *l, size_t i) {
    cf_loop_timer *t = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->nheap) break;
        if (c + 1 < l->nheap && earlier(l->heap[c + 1], l->heap[c])) c++;
        if (!earlier(l->heap[c], t)) break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, t);
}

static void heap_remove(cf_loop *l, cf_loop_timer *t) {
    size_t i = (size_t)t->idx;
    t->idx = -1;
    l->nheap--;
    if (i == l->nheap) return;
    cf_loop_timer *last = l->heap[l->nheap];
    heap_set(l, i, last);
    if (i > 0 && earlier(last, l->heap[(i - 1) / 2]))
        sift_up(l, i);
    else
        sift_down(l, i);
}

int cf_loop_timer_new(cf_loop *loop, cf_loop_cb cb, void *arg, cf_loop_timer **out) {
    if (!loop || !cb || !out) return CF_EINVAL;
    cf_loop_timer *t = calloc(1, sizeof *t);
    if (!t) return CF_ENOMEM;
    t->loop = loop;
    t->cb = cb;
    t->arg = arg;
    t->idx = -1;
    *out = t;
    return 0;
}

int cf_loop_timer_start(cf_loop_timer *t, double delay) {
    if (!t) return CF_EINVAL;
    cf_loop *l = t->loop;
    if (t->idx >= 0) heap_remove(l, t);
    if (l->nheap == l->heap_cap) {
        size_t cap = l->heap_cap ? l->heap_cap * 2 : 64;
        cf_loop_timer **n = realloc(l->heap, cap * sizeof *n);
        if (!n) return CF_ENOMEM;
        l->heap = n;
        l->heap_cap = cap;
    }
    t->deadline = cf_loop_now() + (delay > 0 && isfinite(delay) ? delay : 0);
    if (isinf(delay) && delay > 0) t->deadline = INFINITY;
    t->seq = l->next_seq++;
    l->heap[l->nheap] = t;
    t->idx = (long)l->nheap;
    l->nheap++;
    sift_up(l, (size_t)t->idx);
    return 0;
}

bool cf_loop_timer_stop(cf_loop_timer *t) {
    if (!t || t->idx < 0) return false;
    heap_remove(t->loop, t);
    return true;
}

bool cf_loop_timer_armed(const cf_loop_timer *t) {
    return t && t->idx >= 0;
}

void cf_loop_timer_free(cf_loop_timer *t) {
    if (!t) return;
    cf_loop_timer_stop(t);
    free(t);
}

int cf_loop_call_later(cf_loop *loop, double delay, cf_loop_cb cb, void *arg) {
    cf_loop_timer *t;
    int rc = cf_loop_timer_new(loop, cb, arg, &t);
    if (rc) return rc;
    t->loop_owned = true;
    rc = cf_loop_timer_start(t, delay);
    if (rc) free(t);
    return rc;
}

size_t cf_loop_ntimers(const cf_loop *loop) {
    return loop ? loop->nheap : 0;
}

/* Fire the timers due now that were armed before this pass began. */
static void run_timers(cf_loop *l) {
    if (!l->nheap) return;
    double now = cf_loop_now();
    uint64_t limit = l->next_seq;
    while (l->nheap && !atomic_load_explicit(&l->stop, memory_order_relaxed)) {
        cf_loop_timer *t = l->heap[0];
        if (t->deadline > now || t->seq >= limit) break;
        heap_remove(l, t);
        bool owned = t->loop_owned;
        t->cb(l, t->arg); /* may free or re-arm t (caller-owned) */
        if (owned) free(t);
    }
}

/* ---- cross-thread calls ------------------------------------------------------- */

int cf_loop_call_soon_threadsafe(cf_loop *loop, cf_loop_cb cb, void *arg) {
    if (!loop || !cb) return CF_EINVAL;
    call *c = malloc(sizeof *c);
    if (!c) return CF_ENOMEM;
    c->next = NULL;
    c->cb = cb;
    c->arg = arg;
    pthread_mutex_lock(&loop->qlock);
    if (loop->q_tail)
        loop->q_tail->next = c;
    else
        loop->q_head = c;
    loop->q_tail = c;
    pthread_mutex_unlock(&loop->qlock);
    if (!atomic_exchange(&loop->woken, true)) {
        uint64_t one = 1;
        ssize_t r = write(loop->wakefd, &one, sizeof one);
        (void)r;
    }
    return 0;
}

static void run_calls(cf_loop *l) {
    uint64_t v;
    ssize_t r = read(l->wakefd, &v, sizeof v);
    (void)r;
    atomic_store(&l->woken, false);
    pthread_mutex_lock(&l->qlock);
    call *c = l->q_head;
    l->q_head = l->q_tail = NULL;
    pthread_mutex_unlock(&l->qlock);
    while (c) {
        call *n = c->next;
        c->cb(l, c->arg);
        free(c);
        c = n;
        if (atomic_load_explicit(&l->stop, memory_order_relaxed) && c) {
            /* Put the rest back in front, in order, for a later run. */
            pthread_mutex_lock(&l->qlock);
            call *last = c;
            while (last->next)
                last = last->next;
            last->next = l->q_head;
            if (!l->q_head) l->q_tail = last;
            l->q_head = c;
            pthread_mutex_unlock(&l->qlock);
            if (!atomic_exchange(&l->woken, true)) {
                uint64_t one = 1;
                r = write(l->wakefd, &one, sizeof one);
                (void)r;
            }
            return;
        }
    }
}

/* ---- the loop ----------------------------------------------------------------- */

static int poll_once(cf_loop *l, struct epoll_event *evs, int max) {
    double timeout = -1;
    if (l->nheap) {
        timeout = l->heap[0]->deadline - cf_loop_now();
        if (timeout < 0) timeout = 0;
        if (isinf(timeout)) timeout = -1;
    }
    if (atomic_load(&l->stop)) timeout = 0;
    for (;;) {
        int n;
        if (l->have_pwait2) {
            struct timespec ts, *tp = NULL;
            if (timeout >= 0) {
                double s = floor(timeout);
                ts.tv_sec = (time_t)s;
                ts.tv_nsec = (long)((timeout - s) * 1e9);
                if (ts.tv_nsec > 999999999L) ts.tv_nsec = 999999999L;
                tp = &ts;
            }
            n = epoll_pwait2(l->epfd, evs, max, tp, NULL);
            if (n < 0 && errno == ENOSYS) {
                l->have_pwait2 = false;
                continue;
            }
        } else {
            int ms = timeout < 0 ? -1 : (int)fmin(ceil(timeout * 1e3), 1e9);
            n = epoll_wait(l->epfd, evs, max, ms);
        }
        if (n < 0 && errno == EINTR) return 0;
        return n;
    }
}

int cf_loop_run(cf_loop *loop) {
    if (!loop || loop->running) return CF_EINVAL;
    loop->running = true;
    struct epoll_event evs[MAX_EVENTS];
    int rc = 0;
    for (;;) {
        int n = poll_once(loop, evs, MAX_EVENTS);
        if (n < 0) {
            rc = CF_ESYS;
            break;
        }
        bool wake = false;
        for (int i = 0; i < n; i++) {
            if (atomic_load_explicit(&loop->stop, memory_order_relaxed)) break;
            uint64_t key = evs[i].data.u64;
            if (key == WAKE_KEY) {
                wake = true;
                continue;
            }
            int fd = (int)(uint32_t)key;
            uint32_t gen = (uint32_t)(key >> 32);
            watcher *w = &loop->fds[fd];
            if (!w->active || w->gen != gen)
                continue; /* unwatched (maybe re-watched) by an earlier callback */
            uint32_t e = evs[i].events;
            unsigned fired = 0;
            if (e & (EPOLLIN | EPOLLRDHUP)) fired |= CF_LOOP_READ;
            if (e & EPOLLOUT) fired |= CF_LOOP_WRITE;
            if (e & (EPOLLERR | EPOLLHUP)) fired |= CF_LOOP_ERROR;
            w->cb(loop, fd, fired, w->arg);
        }
        if (!atomic_load_explicit(&loop->stop, memory_order_relaxed)) run_timers(loop);
        if (wake || atomic_load(&loop->woken)) run_calls(loop);
        if (atomic_load(&loop->stop)) break;
    }
    atomic_store(&loop->stop, false);
    loop->running = false;
    return rc;
}
