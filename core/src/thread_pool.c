/*
 * thread_pool.c — the thread-pool executor (kind "thread").
 *
 * Threads: the submitting threads (any), and up to max_workers worker
 * threads started lazily by cf_submit: a new worker starts only when the
 * queued tasks outnumber the idle workers (a worker is idle when it is not
 * running a task). Workers live until shutdown (or until the pool breaks).
 *
 * Locks and words:
 *   - `qlock` (cf__lock, a futex mutex) guards the FIFO task queue
 *     (head/tail/qlen), the stack of parked workers, `spinning`,
 *     `nthreads`, the `workers` array and the shutdown/broken transitions.
 *     It is never held while a task or a future callback runs; pthread_create
 *     of a new worker happens under it (at most max_workers times).
 *   - `nbusy` (atomic): workers running a task, kept only while the pool may
 *     still start workers (nthreads < max_workers, checked under qlock at
 *     pop; nthreads never drops, and a worker undoes only what it counted).
 *     Incremented under qlock when a task is popped; decremented BEFORE the
 *     task's outcome is published, so a caller that saw the result and
 *     submits again finds an idle worker (spec item 13: sequential
 *     submit-then-wait uses one thread). Only submit's spawn decision reads
 *     it, and only while the pool may grow.
 *   - Counters: st_submitted under qlock; each worker's `completed` written
 *     by that worker alone (a store, no shared read-modify-write), summed
 *     under qlock by stats; the others atomic.
 *   - Idle workers: at most ONE worker spins (`spinning`, under qlock) for a
 *     short while, polling `qlen_hint`; the others park. A parked worker
 *     pushes itself on the `parked` stack under qlock, sets its own futex
 *     word `w->parked`, releases qlock and futex-waits on that word. Whoever
 *     unparks it pops it under qlock, clears the word and futex-wakes it.
 *     Because park and unpark both happen under qlock, no wake-up is lost.
 *   - Waking rule: after queueing a task, a submitter unparks one worker only
 *     when no worker is spinning (the spinner will take the task); a worker
 *     that pops a task and sees more queued does the same (chain wake-up),
 *     so a burst of tasks spreads over the parked workers. Busy workers and a
 *     spinning worker therefore cost submitters no system call at all.
 *   - `join_mu` serialises joiners so shutdown(wait=true) may be called from
 *     several threads and more than once. Waiting is done first, without it:
 *     each worker sets its `done` word at its very end and bumps the futex
 *     word `exit_seq`; waiters (with or without a deadline) futex-wait on
 *     exit_seq, then join only workers that are done (a few instructions
 *     from their end), so join_mu is never held for long.
 *   - Timed-out shutdown (cf_executor_shutdown_timeout): a worker still not
 *     done is abandoned — CAS of its `life` word RUN -> ABANDONED, then
 *     pthread_detach — unless it has already claimed its end (RUN -> END,
 *     done by the worker before its finalizer). An abandoned worker runs
 *     no finalizer (initarg may be freed by then). The queue is cancelled.
 * Ownership: each task record lives in the extra bytes of its future. The
 * futures come from the pool's block cache (`cache`, cf__fcache in
 * future.c; taken under qlock, given back by the last cf_future_release in
 * any thread), so a steady stream of tasks costs no malloc/free; the cache
 * is closed when the pool struct is freed and lives on until the last of
 * its futures is released. Arguments up to INLINE_ARG bytes are stored in
 * the block, larger ones in a malloc'd copy that the worker frees right
 * after the run.
 * The queue holds one reference to each queued future; the worker (or
 * shutdown's cancel, or the broken-pool drain) drops it. The caller of
 * cf_submit owns the other reference. The pool struct (and the worker
 * records) is reference-counted: one reference for the owner (dropped by
 * destroy) and one per worker thread (dropped as its last act); the last
 * one frees it, so an abandoned worker may outlive cf_executor_free().
 */
#include "internal.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INLINE_ARG 64
#define IDLE_SPINS 2000

struct task {
    cf_future *next; /* queue link (the next queued future) */
    cf_task_fn fn;
    size_t len;
    void *heap_arg; /* NULL when the argument is inline */
    unsigned char arg[];
};

enum { WL_RUN = 0, WL_END, WL_ABANDONED };

struct worker {
    struct tp *tp;
    int index;
    pthread_t thread;
    _Atomic uint32_t parked; /* futex word: 1 while parked */
    struct worker *next_parked;
    bool joined;           /* joined or detached (under join_mu) */
    _Atomic uint32_t life; /* WL_RUN -> WL_END (the worker) or WL_ABANDONED (timed-out shutdown) */
    _Atomic uint32_t done; /* 1 once it only has its reference left to drop */
    _Atomic uint64_t completed; /* tasks run to completion (written by its worker only) */
};

struct tp {
    struct cf_executor base;
    cf__lock qlock;
    cf_future *head, *tail;
    size_t qlen;
    _Atomic size_t qlen_hint; /* qlen, readable without the lock by the spinner */
    _Atomic int nbusy;
    struct worker *parked;
    bool spinning;
    int nthreads, capworkers;
    struct worker **workers;
    _Atomic bool shutdown;
    _Atomic bool broken;
    pthread_mutex_t join_mu;
    _Atomic uint32_t exit_seq; /* futex word: bumped each time a worker is done */
    _Atomic int refs;          /* the owner's + one per worker thread */
    cf_init_fn init;
    cf_fini_fn fini;
    void *initarg;
    char name[9];
    cf__fcache *cache;     /* the futures' blocks (takes under qlock) */
    uint64_t st_submitted; /* under qlock */
    _Atomic uint64_t st_started, st_alive, st_cancelled;
};

static inline struct task *task_of(cf_future *f) {
    return (struct task *)cf__future_extra(f);
}

static void task_free_arg(struct task *t) {
    free(t->heap_arg);
    t->heap_arg = NULL;
}

/* Pop a parked worker to wake (qlock held); NULL when none. */
static struct worker *unpark_locked(struct tp *tp) {
    struct worker *w = tp->parked;
    if (w) {
        tp->parked = w->next_parked;
        w->next_parked = NULL;
        atomic_store_explicit(&w->parked, 0, memory_order_release);
    }
    return w;
}

static void wake(struct worker *w) {
    if (w) cf__futex_wake(&w->parked, 1);
}

/* Unpark every parked worker (takes qlock; wakes outside it, 64 at a time). */
static void wake_all(struct tp *tp) {
    cf__lock_acquire(&tp->qlock);
    struct worker *list[64];
    for (;;) {
        int n = 0;
        struct worker *w;
        while (n < 64 && (w = unpark_locked(tp)))
            list[n++] = w;
        cf__lock_release(&tp->qlock);
        for (int i = 0; i < n; i++)
            wake(list[i]);
        if (n < 64) return;
        cf__lock_acquire(&tp->qlock);
    }
}

/* Take the whole queue (for cancel or broken drain); qlock held. */
static cf_future *take_all_locked(struct tp *tp) {
    cf_future *f = tp->head;
    tp->head = tp->tail = NULL;
    tp->qlen = 0;
    atomic_store_explicit(&tp->qlen_hint, 0, memory_order_relaxed);
    return f;
}

static void mark_broken(struct tp *tp, int code) {
    cf__lock_acquire(&tp->qlock);
    atomic_store_explicit(&tp->broken, true, memory_order_seq_cst);
    cf_future *f = take_all_locked(tp);
    cf__lock_release(&tp->qlock);
    char msg[128];
    snprintf(msg, sizeof msg, "thread pool is broken: a worker initializer failed (returned %d)",
             code);
    while (f) {
        struct task *t = task_of(f);
        cf_future *next = t->next;
        task_free_arg(t);
        cf_future_set_error(f, CF_EBROKEN, CF_EBROKEN, msg);
        cf_future_release(f);
        f = next;
    }
    wake_all(tp);
}

/* Spin briefly waiting for a task or shutdown; qlock NOT held. */
static void spin(struct tp *tp) {
    for (int i = 0; i < IDLE_SPINS; i++) {
        if (atomic_load_explicit(&tp->qlen_hint, memory_order_relaxed) > 0 ||
            atomic_load_explicit(&tp->shutdown, memory_order_relaxed) ||
            atomic_load_explicit(&tp->broken, memory_order_relaxed))
            return;
        if ((i & 63) == 63)
            sched_yield(); /* 2 cores, 3 threads: let the submitter run */
        else
            cf__cpu_relax();
    }
}

/* counted: the worker counted itself in nbusy when it popped f. */
static void run_task(struct tp *tp, struct worker *w, cf_out *out, cf_future *f, bool counted) {
    struct task *t = task_of(f);
    if (cf_future_set_running(f) != 0) {
        /* Cancelled while queued: skip it. */
        if (counted) atomic_fetch_sub_explicit(&tp->nbusy, 1, memory_order_seq_cst);
        atomic_fetch_add_explicit(&tp->st_cancelled, 1, memory_order_relaxed);
        task_free_arg(t);
        cf_future_release(f);
        return;
    }
    cf__out_run(out, t->fn, t->heap_arg ? t->heap_arg : t->arg, t->len);
    task_free_arg(t);
    /* Only this worker writes its counter: a plain load + store, no RMW. */
    atomic_store_explicit(&w->completed,
                          atomic_load_explicit(&w->completed, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    if (counted) atomic_fetch_sub_explicit(&tp->nbusy, 1, memory_order_seq_cst);
    cf__out_publish(out, f);
    cf_future_release(f);
}

static void tp_unref(struct tp *tp) {
    if (atomic_fetch_sub(&tp->refs, 1) != 1) return;
    cf__fcache_close(tp->cache); /* no more takes: every submit is over */
    pthread_mutex_destroy(&tp->join_mu);
    for (int i = 0; i < tp->nthreads; i++)
        free(tp->workers[i]);
    free(tp->workers);
    free(tp);
}

/* The end of a worker thread. The finalizer runs only if the worker claims
 * its end before a timed-out shutdown abandons it (after that, initarg may
 * be gone). Then `done`, a wake-up for waiters, and the last reference. */
static void worker_end(struct worker *w, bool fini) {
    struct tp *tp = w->tp;
    uint32_t run = WL_RUN;
    bool mine = atomic_compare_exchange_strong(&w->life, &run, WL_END);
    if (mine && fini && tp->fini) tp->fini(tp->initarg);
    atomic_fetch_sub(&tp->st_alive, 1);
    atomic_store_explicit(&w->done, 1, memory_order_release);
    atomic_fetch_add(&tp->exit_seq, 1);
    cf__futex_wake(&tp->exit_seq, INT_MAX);
    tp_unref(tp); /* w and tp may be gone after this */
}

static void *worker_main(void *p) {
    struct worker *w = p;
    struct tp *tp = w->tp;
    char tname[16];
    snprintf(tname, sizeof tname, "%s-%d", tp->name, w->index);
    pthread_setname_np(pthread_self(), tname);

    if (tp->init) {
        int rc = tp->init(tp->initarg);
        if (rc) {
            mark_broken(tp, rc);
            worker_end(w, false);
            return NULL;
        }
    }
    cf_out out;
    cf__out_init(&out);
    bool spun = false; /* spun since the last task or wake-up: park next */
    cf__lock_acquire(&tp->qlock);
    for (;;) {
        cf_future *f = tp->head;
        if (f) {
            spun = false;
            tp->head = task_of(f)->next;
            if (!tp->head) tp->tail = NULL;
            tp->qlen--;
            atomic_store_explicit(&tp->qlen_hint, tp->qlen, memory_order_relaxed);
            /* nbusy only matters to submit while the pool may still grow
             * (nthreads never drops, so a pool at max_workers stops counting). */
            bool counted = tp->nthreads < tp->base.max_workers;
            if (counted) atomic_fetch_add_explicit(&tp->nbusy, 1, memory_order_relaxed);
            /* Chain wake-up: more work and nobody spinning for it. */
            struct worker *other = tp->qlen && !tp->spinning ? unpark_locked(tp) : NULL;
            cf__lock_release(&tp->qlock);
            wake(other);
            run_task(tp, w, &out, f, counted);
            cf__lock_acquire(&tp->qlock);
            continue;
        }
        if (atomic_load_explicit(&tp->shutdown, memory_order_relaxed) ||
            atomic_load_explicit(&tp->broken, memory_order_relaxed))
            break;
        if (!tp->spinning && !spun) {
            spun = true;
            tp->spinning = true;
            cf__lock_release(&tp->qlock);
            spin(tp);
            cf__lock_acquire(&tp->qlock);
            tp->spinning = false;
            continue;
        }
        /* Park until a submitter (or shutdown) unparks this worker. */
        atomic_store_explicit(&w->parked, 1, memory_order_relaxed);
        w->next_parked = tp->parked;
        tp->parked = w;
        cf__lock_release(&tp->qlock);
        while (atomic_load_explicit(&w->parked, memory_order_acquire))
            cf__futex_wait(&w->parked, 1, INFINITY);
        spun = false;
        cf__lock_acquire(&tp->qlock);
    }
    cf__lock_release(&tp->qlock);
    cf__out_free(&out);
    worker_end(w, true);
    return NULL;
}

/* Start one worker; qlock held. */
static int spawn_locked(struct tp *tp) {
    if (tp->nthreads == tp->capworkers) {
        int cap = tp->capworkers ? tp->capworkers * 2 : 4;
        struct worker **p = realloc(tp->workers, (size_t)cap * sizeof *p);
        if (!p) return CF_ENOMEM;
        tp->workers = p;
        tp->capworkers = cap;
    }
    struct worker *w = calloc(1, sizeof *w);
    if (!w) return CF_ENOMEM;
    w->tp = tp;
    w->index = tp->nthreads;
    atomic_fetch_add(&tp->st_alive, 1);
    atomic_fetch_add(&tp->refs, 1);
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        atomic_fetch_sub(&tp->st_alive, 1);
        atomic_fetch_sub(&tp->refs, 1);
        free(w);
        return CF_ESYS;
    }
    tp->workers[tp->nthreads++] = w;
    atomic_fetch_add(&tp->st_started, 1);
    return 0;
}

static int tp_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out) {
    struct tp *tp = (struct tp *)ex;
    if (atomic_load_explicit(&tp->broken, memory_order_acquire)) return CF_EBROKEN;
    if (atomic_load_explicit(&tp->shutdown, memory_order_acquire)) return CF_ESHUTDOWN;
    void *heap_arg = NULL;
    if (len > INLINE_ARG) {
        heap_arg = malloc(len);
        if (!heap_arg) return CF_ENOMEM;
        memcpy(heap_arg, arg, len);
    }

    cf__lock_acquire(&tp->qlock);
    int rc = 0;
    if (atomic_load_explicit(&tp->broken, memory_order_relaxed))
        rc = CF_EBROKEN;
    else if (atomic_load_explicit(&tp->shutdown, memory_order_relaxed))
        rc = CF_ESHUTDOWN;
    else if (tp->nthreads < tp->base.max_workers) {
        size_t queued = tp->qlen + 1;
        int idle = tp->nthreads - atomic_load_explicit(&tp->nbusy, memory_order_relaxed);
        if ((long)queued > (long)idle) {
            rc = spawn_locked(tp);
            if (rc && tp->nthreads > 0) rc = 0; /* the existing workers will run it */
        }
    }
    /* Two references: the caller's and the queue's. */
    cf_future *f = rc ? NULL : cf__fcache_take(tp->cache, 2);
    if (!f) {
        cf__lock_release(&tp->qlock);
        free(heap_arg);
        return rc ? rc : CF_ENOMEM;
    }
    struct task *t = task_of(f);
    t->next = NULL;
    t->fn = fn;
    t->len = len;
    t->heap_arg = heap_arg;
    if (!heap_arg && len) memcpy(t->arg, arg, len);
    if (tp->tail)
        task_of(tp->tail)->next = f;
    else
        tp->head = f;
    tp->tail = f;
    tp->qlen++;
    atomic_store_explicit(&tp->qlen_hint, tp->qlen, memory_order_relaxed);
    /* Counted before any worker can pop it: completed never exceeds submitted. */
    tp->st_submitted++;
    struct worker *w = tp->spinning ? NULL : unpark_locked(tp);
    cf__lock_release(&tp->qlock);
    wake(w);
    *out = f;
    return 0;
}

static void cancel_queue(struct tp *tp, cf_future *f) {
    while (f) {
        struct task *t = task_of(f);
        cf_future *next = t->next;
        task_free_arg(t);
        cf_future_cancel(f);
        atomic_fetch_add_explicit(&tp->st_cancelled, 1, memory_order_relaxed);
        cf_future_release(f);
        f = next;
    }
}

/* The number of workers ever started; final once shutdown is set (no
 * thread starts after it), and tp->workers no longer changes. */
static int final_nthreads(struct tp *tp) {
    cf__lock_acquire(&tp->qlock);
    int n = tp->nthreads;
    cf__lock_release(&tp->qlock);
    return n;
}

/* Wait until every worker but the caller (from inside a task) and the
 * abandoned ones is done, up to the deadline: 0 or CF_ETIMEDOUT. */
static int wait_workers(struct tp *tp, double deadline) {
    int n = final_nthreads(tp);
    for (int i = 0; i < n; i++) {
        struct worker *w = tp->workers[i];
        if (pthread_equal(w->thread, pthread_self())) continue;
        for (;;) {
            uint32_t seq = atomic_load(&tp->exit_seq);
            if (atomic_load_explicit(&w->done, memory_order_acquire) ||
                atomic_load(&w->life) == WL_ABANDONED)
                break;
            if (cf__futex_wait(&tp->exit_seq, seq, deadline) == CF_ETIMEDOUT) return CF_ETIMEDOUT;
        }
    }
    return 0;
}

/* Join the workers that are done (at most the last few instructions of each
 * are left to wait for). Never the calling worker: from inside a task, a
 * later shutdown(wait) from another thread joins it. */
static void join_done(struct tp *tp) {
    int n = final_nthreads(tp);
    pthread_mutex_lock(&tp->join_mu);
    for (int i = 0; i < n; i++) {
        struct worker *w = tp->workers[i];
        if (w->joined || pthread_equal(w->thread, pthread_self())) continue;
        if (!atomic_load_explicit(&w->done, memory_order_acquire)) continue;
        pthread_join(w->thread, NULL);
        w->joined = true;
    }
    pthread_mutex_unlock(&tp->join_mu);
}

static int tp_shutdown(cf_executor *ex, bool wait, bool cancel_futures) {
    struct tp *tp = (struct tp *)ex;
    cf__lock_acquire(&tp->qlock);
    atomic_store_explicit(&tp->shutdown, true, memory_order_seq_cst);
    cf_future *f = cancel_futures ? take_all_locked(tp) : NULL;
    cf__lock_release(&tp->qlock);
    cancel_queue(tp, f);
    wake_all(tp);
    if (wait) {
        wait_workers(tp, INFINITY);
        join_done(tp);
    }
    return 0;
}

/* Shutdown with a deadline. At the deadline, what is still queued is
 * cancelled and every worker still inside a task is abandoned: detached,
 * left to finish its task on its own (its future completes then), with no
 * finalizer; the last of them frees the pool (tp_unref). */
static int tp_shutdown_timeout(cf_executor *ex, bool cancel_futures, double deadline) {
    struct tp *tp = (struct tp *)ex;
    tp_shutdown(ex, false, cancel_futures);
    int rc = wait_workers(tp, deadline);
    if (rc == CF_ETIMEDOUT) {
        cf__lock_acquire(&tp->qlock);
        cf_future *f = take_all_locked(tp);
        cf__lock_release(&tp->qlock);
        cancel_queue(tp, f);
        int n = final_nthreads(tp);
        pthread_mutex_lock(&tp->join_mu);
        for (int i = 0; i < n; i++) {
            struct worker *w = tp->workers[i];
            if (w->joined || pthread_equal(w->thread, pthread_self())) continue;
            uint32_t run = WL_RUN;
            if (atomic_compare_exchange_strong(&w->life, &run, WL_ABANDONED)) {
                pthread_detach(w->thread);
                w->joined = true;
            } /* else it reached its end: joined below, or by a later shutdown(wait) */
        }
        pthread_mutex_unlock(&tp->join_mu);
    }
    join_done(tp);
    return rc;
}

static bool tp_is_broken(const cf_executor *ex) {
    const struct tp *tp = (const struct tp *)ex;
    return atomic_load_explicit(&tp->broken, memory_order_acquire);
}

static void tp_destroy(cf_executor *ex) {
    tp_unref((struct tp *)ex); /* abandoned workers may hold the last references */
}

static int tp_stats(const cf_executor *ex, cf_executor_stats *st) {
    struct tp *tp = (struct tp *)ex;
    cf__lock_acquire(&tp->qlock);
    st->workers_started = atomic_load(&tp->st_started);
    st->workers_alive = atomic_load(&tp->st_alive);
    st->workers_replaced = 0;
    st->tasks_submitted = tp->st_submitted;
    uint64_t completed = 0;
    for (int i = 0; i < tp->nthreads; i++)
        completed += atomic_load_explicit(&tp->workers[i]->completed, memory_order_relaxed);
    st->tasks_completed = completed;
    st->tasks_cancelled = atomic_load(&tp->st_cancelled);
    cf__lock_release(&tp->qlock);
    return 0;
}

static const struct cf_executor_ops tp_ops = {
    .kind = "thread",
    .submit = tp_submit,
    .shutdown = tp_shutdown,
    .destroy = tp_destroy,
    .stats = tp_stats,
    .shutdown_timeout = tp_shutdown_timeout,
    .is_broken = tp_is_broken,
};

int cf_thread_pool_new(const cf_executor_opts *opts, cf_executor **out) {
    if (out) *out = NULL;
    if (!out) return CF_EINVAL;
    cf_executor_opts o = {0};
    if (opts) o = *opts;
    if (o.max_workers < 0 || o.max_tasks_per_child != 0) return CF_EINVAL;
    if (o.max_workers == 0) {
        int n = cf_process_cpu_count() + 4;
        o.max_workers = n < 32 ? n : 32;
    }
    struct tp *tp = calloc(1, sizeof *tp);
    if (!tp) return CF_ENOMEM;
    tp->cache = cf__fcache_new(sizeof(struct task) + INLINE_ARG);
    if (!tp->cache) {
        free(tp);
        return CF_ENOMEM;
    }
    if (pthread_mutex_init(&tp->join_mu, NULL) != 0) {
        cf__fcache_close(tp->cache);
        free(tp);
        return CF_ESYS;
    }
    tp->base.ops = &tp_ops;
    tp->base.max_workers = o.max_workers;
    atomic_init(&tp->refs, 1);
    tp->init = o.initializer;
    tp->fini = o.finalizer;
    tp->initarg = o.initarg;
    snprintf(tp->name, sizeof tp->name, "%s", o.name && *o.name ? o.name : "cf-pool");
    *out = &tp->base;
    return 0;
}
