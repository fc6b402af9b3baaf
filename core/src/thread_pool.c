/*
 * thread_pool.c — the thread-pool executor (kind "thread").
 *
 * Threads: the submitting threads (any), and up to max_workers worker
 * threads started lazily by cf_submit: a new worker starts only when the
 * queued tasks outnumber the idle workers (a worker is idle when it is not
 * running a task). Workers live until shutdown (or until the pool breaks).
 *
 * Locks and words:
 *   - `qlock` (cf__lock) guards the task queue (head/tail), `nthreads`,
 *     the `threads` array, `shutdown` and `broken` transitions. It is never
 *     held while a task or a future callback runs, except that pthread_create
 *     of a new worker happens under it (rare: at most max_workers times).
 *   - `nbusy` (atomic): workers running a task. Incremented under qlock when
 *     a task is popped; decremented BEFORE the task's outcome is published,
 *     so a caller that saw the result and submits again finds an idle worker
 *     (spec item 13: sequential submit-then-wait uses one thread).
 *   - Sleeping: an idle worker spins briefly, then registers in `nsleepers`,
 *     re-checks the queue and futex-waits on `wake_seq`. A submitter wakes one
 *     sleeper only when `nsleepers` is non-zero, so busy workers cost no
 *     system call. Both sides use seq_cst (Dekker): no lost wake-up.
 *   - `join_mu` serialises joiners so shutdown(wait=true) may be called from
 *     several threads and more than once.
 * Ownership: a queued task node owns its argument copy and one reference to
 * its future; the worker (or shutdown's cancel, or the broken-pool drain)
 * frees the node and drops the reference. The caller of cf_submit owns the
 * other reference. Workers never touch the pool after it is destroyed:
 * destroy runs only after every worker was joined.
 */
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct task {
    struct task *next;
    cf_future *f;
    cf_task_fn fn;
    size_t len;
    unsigned char arg[];
};

struct tp {
    struct cf_executor base;
    cf__lock qlock;
    struct task *head, *tail;
    size_t qlen;              /* under qlock */
    _Atomic size_t qlen_hint; /* a lock-free copy of qlen for idle spinning */
    _Atomic int nbusy;
    int nthreads; /* created (under qlock) */
    int capthreads;
    pthread_t *threads;
    _Atomic bool shutdown;
    _Atomic bool broken;
    int broken_code;
    _Atomic uint32_t wake_seq;
    _Atomic uint32_t nsleepers;
    pthread_mutex_t join_mu;
    int njoined; /* under join_mu */
    cf_init_fn init;
    cf_fini_fn fini;
    void *initarg;
    char name[9];
    _Atomic uint64_t st_started, st_alive, st_submitted, st_completed, st_cancelled;
};

struct worker_arg {
    struct tp *tp;
    int index;
};

#define IDLE_SPINS 300

static void wake_workers(struct tp *tp, int n) {
    atomic_fetch_add_explicit(&tp->wake_seq, 1, memory_order_seq_cst);
    cf__futex_wake(&tp->wake_seq, n);
}

/* Take the whole queue (for cancel or broken drain); caller holds qlock. */
static struct task *take_all_locked(struct tp *tp) {
    struct task *t = tp->head;
    tp->head = tp->tail = NULL;
    tp->qlen = 0;
    atomic_store_explicit(&tp->qlen_hint, 0, memory_order_relaxed);
    return t;
}

static void mark_broken(struct tp *tp, int code) {
    cf__lock_acquire(&tp->qlock);
    struct task *t = NULL;
    if (!atomic_load_explicit(&tp->broken, memory_order_relaxed)) {
        tp->broken_code = code;
        atomic_store_explicit(&tp->broken, true, memory_order_seq_cst);
    }
    t = take_all_locked(tp);
    cf__lock_release(&tp->qlock);
    char msg[128];
    snprintf(msg, sizeof msg, "thread pool is broken: a worker initializer failed (returned %d)",
             code);
    while (t) {
        struct task *next = t->next;
        cf_future_set_error(t->f, CF_EBROKEN, CF_EBROKEN, msg);
        cf_future_release(t->f);
        free(t);
        t = next;
    }
    wake_workers(tp, 1 << 30);
}

enum { POP_TASK, POP_EMPTY, POP_EXIT };

static int pop(struct tp *tp, struct task **out) {
    cf__lock_acquire(&tp->qlock);
    struct task *t = tp->head;
    if (t) {
        tp->head = t->next;
        if (!tp->head) tp->tail = NULL;
        tp->qlen--;
        atomic_store_explicit(&tp->qlen_hint, tp->qlen, memory_order_relaxed);
        atomic_fetch_add_explicit(&tp->nbusy, 1, memory_order_relaxed);
        cf__lock_release(&tp->qlock);
        *out = t;
        return POP_TASK;
    }
    bool done = atomic_load_explicit(&tp->shutdown, memory_order_relaxed) ||
                atomic_load_explicit(&tp->broken, memory_order_relaxed);
    cf__lock_release(&tp->qlock);
    return done ? POP_EXIT : POP_EMPTY;
}

static bool should_stop_idling(struct tp *tp) {
    return atomic_load_explicit(&tp->qlen_hint, memory_order_seq_cst) > 0 ||
           atomic_load_explicit(&tp->shutdown, memory_order_seq_cst) ||
           atomic_load_explicit(&tp->broken, memory_order_seq_cst);
}

static void idle_wait(struct tp *tp) {
    for (int i = 0; i < IDLE_SPINS; i++) {
        if (should_stop_idling(tp)) return;
        cf__cpu_relax();
    }
    uint32_t seq = atomic_load_explicit(&tp->wake_seq, memory_order_seq_cst);
    atomic_fetch_add_explicit(&tp->nsleepers, 1, memory_order_seq_cst);
    if (!should_stop_idling(tp)) cf__futex_wait(&tp->wake_seq, seq, INFINITY);
    atomic_fetch_sub_explicit(&tp->nsleepers, 1, memory_order_seq_cst);
}

static void *worker_main(void *p) {
    struct worker_arg wa = *(struct worker_arg *)p;
    free(p);
    struct tp *tp = wa.tp;
    char tname[16];
    snprintf(tname, sizeof tname, "%s-%d", tp->name, wa.index);
    pthread_setname_np(pthread_self(), tname);

    if (tp->init) {
        int rc = tp->init(tp->initarg);
        if (rc) {
            mark_broken(tp, rc);
            atomic_fetch_sub(&tp->st_alive, 1);
            return NULL;
        }
    }
    cf_out out;
    cf__out_init(&out);
    for (;;) {
        struct task *t;
        int r = pop(tp, &t);
        if (r == POP_EXIT) break;
        if (r == POP_EMPTY) {
            idle_wait(tp);
            continue;
        }
        cf_future *f = t->f;
        if (cf_future_set_running(f) != 0) {
            /* Cancelled while queued: skip it. */
            atomic_fetch_sub_explicit(&tp->nbusy, 1, memory_order_seq_cst);
            atomic_fetch_add_explicit(&tp->st_cancelled, 1, memory_order_relaxed);
            free(t);
            cf_future_release(f);
            continue;
        }
        cf__out_run(&out, t->fn, t->arg, t->len);
        free(t);
        atomic_fetch_add_explicit(&tp->st_completed, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&tp->nbusy, 1, memory_order_seq_cst);
        cf__out_publish(&out, f);
        cf_future_release(f);
    }
    cf__out_free(&out);
    if (tp->fini) tp->fini(tp->initarg);
    atomic_fetch_sub(&tp->st_alive, 1);
    return NULL;
}

/* Start one worker; qlock held. */
static int spawn_locked(struct tp *tp) {
    if (tp->nthreads == tp->capthreads) {
        int cap = tp->capthreads ? tp->capthreads * 2 : 4;
        pthread_t *p = realloc(tp->threads, (size_t)cap * sizeof *p);
        if (!p) return CF_ENOMEM;
        tp->threads = p;
        tp->capthreads = cap;
    }
    struct worker_arg *wa = malloc(sizeof *wa);
    if (!wa) return CF_ENOMEM;
    wa->tp = tp;
    wa->index = tp->nthreads;
    atomic_fetch_add(&tp->st_alive, 1);
    if (pthread_create(&tp->threads[tp->nthreads], NULL, worker_main, wa) != 0) {
        atomic_fetch_sub(&tp->st_alive, 1);
        free(wa);
        return CF_ESYS;
    }
    tp->nthreads++;
    atomic_fetch_add(&tp->st_started, 1);
    return 0;
}

static int tp_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out) {
    struct tp *tp = (struct tp *)ex;
    if (atomic_load_explicit(&tp->broken, memory_order_acquire)) return CF_EBROKEN;
    if (atomic_load_explicit(&tp->shutdown, memory_order_acquire)) return CF_ESHUTDOWN;
    struct task *t = malloc(sizeof *t + len);
    cf_future *f = cf_future_new();
    if (!t || !f) {
        free(t);
        cf_future_release(f);
        return CF_ENOMEM;
    }
    t->next = NULL;
    t->f = cf_future_retain(f);
    t->fn = fn;
    t->len = len;
    if (len) memcpy(t->arg, arg, len);

    cf__lock_acquire(&tp->qlock);
    int rc = 0;
    if (atomic_load_explicit(&tp->broken, memory_order_relaxed))
        rc = CF_EBROKEN;
    else if (atomic_load_explicit(&tp->shutdown, memory_order_relaxed))
        rc = CF_ESHUTDOWN;
    else {
        size_t queued = tp->qlen + 1;
        int idle = tp->nthreads - atomic_load_explicit(&tp->nbusy, memory_order_seq_cst);
        if ((long)queued > (long)idle && tp->nthreads < tp->base.max_workers) {
            rc = spawn_locked(tp);
            if (rc && tp->nthreads > 0) rc = 0; /* the existing workers will run it */
        }
    }
    if (rc) {
        cf__lock_release(&tp->qlock);
        cf_future_release(f);
        cf_future_release(f);
        free(t);
        return rc;
    }
    if (tp->tail)
        tp->tail->next = t;
    else
        tp->head = t;
    tp->tail = t;
    tp->qlen++;
    atomic_store_explicit(&tp->qlen_hint, tp->qlen, memory_order_seq_cst);
    atomic_fetch_add_explicit(&tp->st_submitted, 1, memory_order_relaxed);
    cf__lock_release(&tp->qlock);
    if (atomic_load_explicit(&tp->nsleepers, memory_order_seq_cst)) wake_workers(tp, 1);
    *out = f;
    return 0;
}

static int tp_shutdown(cf_executor *ex, bool wait, bool cancel_futures) {
    struct tp *tp = (struct tp *)ex;
    cf__lock_acquire(&tp->qlock);
    atomic_store_explicit(&tp->shutdown, true, memory_order_seq_cst);
    struct task *t = cancel_futures ? take_all_locked(tp) : NULL;
    cf__lock_release(&tp->qlock);
    while (t) {
        struct task *next = t->next;
        cf_future_cancel(t->f);
        atomic_fetch_add_explicit(&tp->st_cancelled, 1, memory_order_relaxed);
        cf_future_release(t->f);
        free(t);
        t = next;
    }
    wake_workers(tp, 1 << 30);
    if (wait) {
        pthread_mutex_lock(&tp->join_mu);
        cf__lock_acquire(&tp->qlock);
        int n = tp->nthreads; /* final: no thread starts after shutdown */
        cf__lock_release(&tp->qlock);
        for (; tp->njoined < n; tp->njoined++) {
            if (pthread_equal(tp->threads[tp->njoined], pthread_self()))
                continue; /* shutdown(wait) from inside a task: do not join self */
            pthread_join(tp->threads[tp->njoined], NULL);
        }
        pthread_mutex_unlock(&tp->join_mu);
    }
    return 0;
}

static void tp_destroy(cf_executor *ex) {
    struct tp *tp = (struct tp *)ex;
    pthread_mutex_destroy(&tp->join_mu);
    free(tp->threads);
    free(tp);
}

static int tp_stats(const cf_executor *ex, cf_executor_stats *st) {
    struct tp *tp = (struct tp *)ex;
    cf__lock_acquire(&tp->qlock);
    st->workers_started = atomic_load(&tp->st_started);
    st->workers_alive = atomic_load(&tp->st_alive);
    st->workers_replaced = 0;
    st->tasks_submitted = atomic_load(&tp->st_submitted);
    st->tasks_completed = atomic_load(&tp->st_completed);
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
};

int cf_thread_pool_new(const cf_executor_opts *opts, cf_executor **out) {
    if (out) *out = NULL;
    if (!out) return CF_EINVAL;
    cf_executor_opts o = {0};
    if (opts) o = *opts;
    if (o.max_workers < 0 || o.max_tasks_per_child != 0) return CF_EINVAL;
    if (o.max_workers == 0) {
        int n = cf_cpu_count() + 4;
        o.max_workers = n < 32 ? n : 32;
    }
    struct tp *tp = calloc(1, sizeof *tp);
    if (!tp) return CF_ENOMEM;
    if (pthread_mutex_init(&tp->join_mu, NULL) != 0) {
        free(tp);
        return CF_ESYS;
    }
    tp->base.ops = &tp_ops;
    tp->base.max_workers = o.max_workers;
    tp->init = o.initializer;
    tp->fini = o.finalizer;
    tp->initarg = o.initarg;
    snprintf(tp->name, sizeof tp->name, "%s", o.name && *o.name ? o.name : "cf-pool");
    *out = &tp->base;
    return 0;
}
