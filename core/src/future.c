/*
 * future.c — cf_future: state machine, result/exception waits, callbacks,
 * watchers (for cf_wait / as_completed), and the implementer side.
 *
 * Threads: any thread may call any function here on a future it holds a
 * reference to. Typically a submitter, a worker (set_running / set_result),
 * and waiters.
 *
 * Locks and words, per future:
 *   - `state` (atomic, also a futex word): PENDING -> RUNNING -> FINISHED or
 *     PENDING -> CANCELLED. Every transition is a compare-and-swap; those to
 *     a done state happen with `lock` held (set_running needs no lock); readers that see a done
 * state (acquire load) see the value/error written before it. The value and error are written once,
 * before the transition to FINISHED, and never change afterwards, so readers of a done future need
 * no lock.
 *   - `lock` (cf__lock, 4 bytes): guards transitions, the callback list and
 *     the watcher list. Callbacks run OUTSIDE the lock; watcher notify
 *     functions run INSIDE it (they only signal their waiter).
 *   - `nsleep` (atomic): threads blocked in futex_wait on `state`. A waiter
 *     increments it, then re-reads state; a completer stores state, then reads
 *     nsleep and wakes only if non-zero (both seq_cst: no lost wake-up).
 * Ownership: the reference count owns the future; the last release frees
 * the value, the message and any unrun callback storage, then frees the
 * block or, for a future taken from a cf__fcache (the thread pool's), gives
 * the block back to that cache (see "Future caches" below: a lock-free push
 * from any thread; the owner re-initialises every field on reuse, so no
 * state, callback or watcher of a released future survives). Whoever
 * completes a future must hold a reference for the duration of the call.
 */
#include "internal.h"

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct cb {
    cf_done_cb fn;
    void *arg;
};

struct cf_future {
    cf_future *next_free; /* link while the block sits in a cf__fcache (never poisoned) */
    cf__fcache *cache;    /* the cache the block returns to; NULL: malloc'd, freed */
    _Atomic uint32_t state;
    _Atomic uint32_t nsleep;
    _Atomic long refs;
    cf__lock lock;
    bool failed;
    int status, code;
    char *msg;
    void *data;
    size_t len;
    uintptr_t tag;
    /* Callbacks: the first one inline, the rest in a growable array. */
    struct cb cb0;
    struct cb *cbs;
    unsigned ncb, capcb;
    cf__watch *watchers;
    /* Executor-private bytes (cf__future_new_extra) follow, aligned. */
    _Alignas(max_align_t) unsigned char extra[];
};

static const char empty_msg[] = "";

cf_future *cf_future_new(void) {
    return cf__future_new_extra(0);
}

cf_future *cf__future_new_extra(size_t extra) {
    cf_future *f = malloc(sizeof *f + extra);
    if (!f) return NULL;
    memset(f, 0, sizeof *f);
    atomic_init(&f->refs, 1);
    return f;
}

/* ---- Future caches ----
 * A cache recycles same-size future blocks for one owner (a pool). Blocks
 * come back from cf_future_release in any thread: a Treiber push (one CAS)
 * on `inbound`. The owner takes blocks one at a time (its takes are
 * serialised by the caller, e.g. under the pool's queue lock) from its
 * private `local` list, refilled by swapping the whole inbound list out
 * (one exchange per batch; push-only + exchange has no ABA problem).
 * `refs` is the owner's reference plus one per block the cache malloc'd and
 * has not freed; close swaps CLOSED into inbound, frees what is cached and
 * drops the owner's reference; a block released after that is freed at
 * once. The last one out frees the cache. A cached block is poisoned under
 * ASan (but for its link), so a use after release is still reported. */
#define FCACHE_CLOSED ((cf_future *)1)

struct cf__fcache {
    _Atomic(cf_future *) inbound;
    cf_future *local; /* the owner's (serialised) */
    size_t nblocks;   /* the owner's: malloc'd and not freed by a trim */
    _Atomic long refs;
    size_t block; /* sizeof(cf_future) + extra */
};

#if defined(__SANITIZE_ADDRESS__)
#define CF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CF_ASAN 1
#endif
#endif
#ifdef CF_ASAN
#include <sanitizer/asan_interface.h>
#define BLOCK_POISON(f, n)                                                                         \
    ASAN_POISON_MEMORY_REGION((char *)(f) + sizeof(cf_future *), (n) - sizeof(cf_future *))
#define BLOCK_UNPOISON(f, n)                                                                       \
    ASAN_UNPOISON_MEMORY_REGION((char *)(f) + sizeof(cf_future *), (n) - sizeof(cf_future *))
#else
#define BLOCK_POISON(f, n) ((void)(f), (void)(n))
#define BLOCK_UNPOISON(f, n) ((void)(f), (void)(n))
#endif

cf__fcache *cf__fcache_new(size_t extra) {
    cf__fcache *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    atomic_init(&c->refs, 1);
    c->block = sizeof(cf_future) + extra;
    return c;
}

static void fcache_unref(cf__fcache *c, long n) {
    if (atomic_fetch_sub_explicit(&c->refs, n, memory_order_acq_rel) == n) free(c);
}

static void block_free(cf__fcache *c, cf_future *f) {
    BLOCK_UNPOISON(f, c->block);
    free(f);
}

/* Free a list of cached blocks; returns how many. */
static long free_list(cf__fcache *c, cf_future *f) {
    long n = 0;
    while (f) {
        cf_future *next = f->next_free;
        block_free(c, f);
        f = next;
        n++;
    }
    return n;
}

cf_future *cf__fcache_take(cf__fcache *c, long refs) {
    cf_future *f = c->local;
    if (!f) {
        f = atomic_exchange_explicit(&c->inbound, NULL, memory_order_acquire);
        /* Over the cap (a past burst of live futures): give the surplus of
         * this batch back to malloc. */
        while (f && c->nblocks > CF__FCACHE_CAP) {
            cf_future *next = f->next_free;
            block_free(c, f);
            c->nblocks--;
            fcache_unref(c, 1); /* never the last: the owner holds one */
            f = next;
        }
    }
    if (f) {
        c->local = f->next_free;
        BLOCK_UNPOISON(f, c->block);
        /* The next take's block: fetch its first line while this submit goes on. */
        if (c->local) __builtin_prefetch(c->local, 1, 3);
    } else {
        f = malloc(c->block);
        if (!f) return NULL;
        c->nblocks++;
        atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    }
    /* Every field a fresh future has zeroed (cb0 is unused while ncb == 0):
     * field stores, not a memset, which the compiler makes a rep stos. */
    f->next_free = NULL;
    f->cache = c;
    atomic_init(&f->state, CF_PENDING);
    atomic_init(&f->nsleep, 0);
    atomic_init(&f->refs, refs);
    atomic_init(&f->lock.v, 0);
    f->failed = false;
    f->status = f->code = 0;
    f->msg = NULL;
    f->data = NULL;
    f->len = 0;
    f->tag = 0;
    f->cbs = NULL;
    f->ncb = f->capcb = 0;
    f->watchers = NULL;
    return f;
}

size_t cf__fcache_blocks(const cf__fcache *c) {
    return c->nblocks;
}

static void fcache_put(cf__fcache *c, cf_future *f) {
    cf_future *head = atomic_load_explicit(&c->inbound, memory_order_relaxed);
    for (;;) {
        if (head == FCACHE_CLOSED) {
            free(f);
            fcache_unref(c, 1);
            return;
        }
        f->next_free = head;
        BLOCK_POISON(f, c->block);
        if (atomic_compare_exchange_weak_explicit(&c->inbound, &head, f, memory_order_release,
                                                  memory_order_relaxed))
            return;
        BLOCK_UNPOISON(f, c->block);
    }
}

void cf__fcache_close(cf__fcache *c) {
    if (!c) return;
    cf_future *in = atomic_exchange_explicit(&c->inbound, FCACHE_CLOSED, memory_order_acquire);
    long n = free_list(c, c->local) + free_list(c, in);
    c->local = NULL;
    fcache_unref(c, n + 1);
}

void *cf__future_extra(cf_future *f) {
    return f->extra;
}

cf_future *cf_future_retain(cf_future *f) {
    if (f) atomic_fetch_add_explicit(&f->refs, 1, memory_order_relaxed);
    return f;
}

void cf_future_release(cf_future *f) {
    if (!f) return;
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) != 1) return;
    if (f->data) free(f->data);
    if (f->msg) free(f->msg);
    if (f->cbs) free(f->cbs);
    if (f->cache)
        fcache_put(f->cache, f);
    else
        free(f);
}

static inline uint32_t load_state(const cf_future *f) {
    return atomic_load_explicit(&((cf_future *)f)->state, memory_order_acquire);
}

static inline bool is_done(uint32_t s) {
    return s == CF_FINISHED || s == CF_CANCELLED;
}

cf_state cf_future_state(const cf_future *f) {
    return f ? (cf_state)load_state(f) : CF_PENDING;
}

bool cf_future_done(const cf_future *f) {
    return f && is_done(load_state(f));
}

bool cf_future_running(const cf_future *f) {
    return f && load_state(f) == CF_RUNNING;
}

bool cf_future_cancelled(const cf_future *f) {
    return f && load_state(f) == CF_CANCELLED;
}

bool cf__future_failed(const cf_future *f) {
    return load_state(f) == CF_FINISHED && f->failed;
}

const char *cf_future_state_str(const cf_future *f) {
    if (!f) return "pending";
    switch (load_state(f)) {
    case CF_PENDING:
        return "pending";
    case CF_RUNNING:
        return "running";
    case CF_FINISHED:
        return f->failed ? "finished raised" : "finished returned";
    default:
        return "cancelled";
    }
}

/* Called with f->lock held after a transition to a done state: notifies the
 * watchers, detaches the callbacks into *cbs (the caller runs and frees
 * them after unlocking). */
struct cblist {
    struct cb cb0;
    struct cb *cbs;
    unsigned ncb;
};

static void detach_locked(cf_future *f, struct cblist *cl) {
    for (cf__watch *w = f->watchers, *next; w; w = next) {
        next = w->next;
        w->linked = false;
        w->prev = w->next = NULL;
        w->notify(w);
    }
    f->watchers = NULL;
    cl->cb0 = f->cb0;
    cl->cbs = f->cbs;
    cl->ncb = f->ncb;
    f->cbs = NULL;
    f->ncb = f->capcb = 0;
}

static void wake_and_run(cf_future *f, struct cblist *cl) {
    if (atomic_load_explicit(&f->nsleep, memory_order_seq_cst)) cf__futex_wake(&f->state, INT_MAX);
    for (unsigned i = 0; i < cl->ncb; i++) {
        struct cb c = i == 0 ? cl->cb0 : cl->cbs[i - 1];
        c.fn(f, c.arg);
    }
    free(cl->cbs);
}

bool cf_future_cancel(cf_future *f) {
    if (!f) return false;
    uint32_t s = load_state(f);
    if (s == CF_CANCELLED) return true;
    if (s != CF_PENDING) return false;
    struct cblist cl;
    cf__lock_acquire(&f->lock);
    s = CF_PENDING;
    if (!atomic_compare_exchange_strong_explicit(&f->state, &s, CF_CANCELLED, memory_order_seq_cst,
                                                 memory_order_acquire)) {
        cf__lock_release(&f->lock);
        return s == CF_CANCELLED;
    }
    detach_locked(f, &cl);
    cf__lock_release(&f->lock);
    wake_and_run(f, &cl);
    return true;
}

int cf_future_set_running(cf_future *f) {
    if (!f) return CF_EINVAL;
    uint32_t expect = CF_PENDING;
    /* No lock needed: nobody waits for RUNNING, and every transition is a
     * compare-and-swap on `state`, so cancel and set_running cannot both win. */
    if (atomic_compare_exchange_strong_explicit(&f->state, &expect, CF_RUNNING,
                                                memory_order_acq_rel, memory_order_acquire))
        return 0;
    return expect == CF_CANCELLED ? CF_ECANCELLED : CF_ESTATE;
}

/* Finish f. The value (data/len, owned) or the error (msg copied) is stored
 * only when the transition succeeds. */
static int finish(cf_future *f, bool failed, void *data, size_t len, int status, int code,
                  char *msg) {
    struct cblist cl;
    cf__lock_acquire(&f->lock);
    uint32_t s = atomic_load_explicit(&f->state, memory_order_relaxed);
    if (is_done(s)) {
        cf__lock_release(&f->lock);
        return CF_ESTATE;
    }
    /* Done states are only entered under the lock, so from here on the
     * state can only move PENDING -> RUNNING (set_running, lock-free). The
     * fields are written before FINISHED becomes visible. */
    f->failed = failed;
    f->data = data;
    f->len = len;
    f->status = status;
    f->code = code;
    f->msg = msg;
    while (!atomic_compare_exchange_weak_explicit(&f->state, &s, CF_FINISHED, memory_order_seq_cst,
                                                  memory_order_relaxed))
        ;
    detach_locked(f, &cl);
    cf__lock_release(&f->lock);
    wake_and_run(f, &cl);
    return 0;
}

int cf_future_set_result_owned(cf_future *f, void *data, size_t len) {
    if (!f || (!data && len)) return CF_EINVAL;
    return finish(f, false, data, len, 0, 0, NULL);
}

int cf_future_set_result(cf_future *f, const void *data, size_t len) {
    if (!f || (!data && len)) return CF_EINVAL;
    if (is_done(load_state(f))) return CF_ESTATE;
    void *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy) return CF_ENOMEM;
        memcpy(copy, data, len);
    }
    int rc = finish(f, false, copy, len, 0, 0, NULL);
    if (rc) free(copy);
    return rc;
}

int cf_future_set_error(cf_future *f, int status, int code, const char *msg) {
    if (!f) return CF_EINVAL;
    if (is_done(load_state(f))) return CF_ESTATE;
    char *copy = strdup(msg ? msg : "");
    if (!copy) return CF_ENOMEM;
    int rc = finish(f, true, NULL, 0, status ? status : CF_ETASK, code, copy);
    if (rc) free(copy);
    return rc;
}

/* Block until f is done or the deadline passes. Returns the state seen. */
static uint32_t wait_done(cf_future *f, double deadline) {
    uint32_t s = load_state(f);
    if (is_done(s) || deadline <= 0) return s;
    /* Spin briefly: a running task often completes within microseconds. */
    for (int i = 0; i < 200; i++) {
        cf__cpu_relax();
        s = load_state(f);
        if (is_done(s)) return s;
    }
    atomic_fetch_add_explicit(&f->nsleep, 1, memory_order_seq_cst);
    for (;;) {
        s = atomic_load_explicit(&f->state, memory_order_seq_cst);
        if (is_done(s)) break;
        if (cf__futex_wait(&f->state, s, deadline) == CF_ETIMEDOUT) {
            s = load_state(f);
            break;
        }
    }
    atomic_fetch_sub_explicit(&f->nsleep, 1, memory_order_relaxed);
    return s;
}

static double timeout_deadline(double timeout) {
    if (timeout == 0) return 0; /* do not wait */
    return cf__deadline(timeout);
}

int cf_future_result(cf_future *f, double timeout, const void **data, size_t *len) {
    if (!f) return CF_EINVAL;
    uint32_t s = wait_done(f, timeout_deadline(timeout));
    if (s == CF_CANCELLED) return CF_ECANCELLED;
    if (s != CF_FINISHED) return CF_ETIMEDOUT;
    if (f->failed) return f->status;
    if (data) *data = f->data;
    if (len) *len = f->len;
    return 0;
}

int cf_future_exception(cf_future *f, double timeout, bool *failed) {
    if (!f) return CF_EINVAL;
    uint32_t s = wait_done(f, timeout_deadline(timeout));
    if (s == CF_CANCELLED) return CF_ECANCELLED;
    if (s != CF_FINISHED) return CF_ETIMEDOUT;
    if (failed) *failed = f->failed;
    return 0;
}

int cf_future_error(const cf_future *f, int *code, const char **msg) {
    if (!f || load_state(f) != CF_FINISHED || !f->failed) return 0;
    if (code) *code = f->code;
    if (msg) *msg = f->msg ? f->msg : empty_msg;
    return f->status;
}

int cf_future_add_done_callback(cf_future *f, cf_done_cb cb, void *arg) {
    if (!f || !cb) return CF_EINVAL;
    cf__lock_acquire(&f->lock);
    if (!is_done(atomic_load_explicit(&f->state, memory_order_relaxed))) {
        if (f->ncb == 0) {
            f->cb0 = (struct cb){cb, arg};
        } else {
            if (f->ncb - 1 == f->capcb) {
                unsigned cap = f->capcb ? f->capcb * 2 : 4;
                struct cb *p = realloc(f->cbs, cap * sizeof *p);
                if (!p) {
                    cf__lock_release(&f->lock);
                    return CF_ENOMEM;
                }
                f->cbs = p;
                f->capcb = cap;
            }
            f->cbs[f->ncb - 1] = (struct cb){cb, arg};
        }
        f->ncb++;
        cf__lock_release(&f->lock);
        return 0;
    }
    cf__lock_release(&f->lock);
    cb(f, arg);
    return 0;
}

void cf_future_set_tag(cf_future *f, uintptr_t tag) {
    if (f) f->tag = tag;
}

uintptr_t cf_future_tag(const cf_future *f) {
    return f ? f->tag : 0;
}

bool cf__future_watch(cf_future *f, cf__watch *w) {
    w->f = f;
    w->prev = NULL;
    cf__lock_acquire(&f->lock);
    if (is_done(atomic_load_explicit(&f->state, memory_order_relaxed))) {
        w->linked = false;
        cf__lock_release(&f->lock);
        return true;
    }
    w->next = f->watchers;
    if (f->watchers) f->watchers->prev = w;
    f->watchers = w;
    w->linked = true;
    cf__lock_release(&f->lock);
    return false;
}

void cf__future_unwatch(cf_future *f, cf__watch *w) {
    cf__lock_acquire(&f->lock);
    if (w->linked) {
        if (w->prev)
            w->prev->next = w->next;
        else
            f->watchers = w->next;
        if (w->next) w->next->prev = w->prev;
        w->linked = false;
        w->prev = w->next = NULL;
    }
    cf__lock_release(&f->lock);
}

int cf_run_task(cf_future *f, cf_task_fn fn, const void *arg, size_t arg_len) {
    if (!f || !fn || (!arg && arg_len)) return CF_EINVAL;
    cf_out out;
    cf__out_init(&out);
    cf__out_run(&out, fn, arg, arg_len);
    int rc = cf__out_publish(&out, f);
    cf__out_free(&out);
    return rc;
}
