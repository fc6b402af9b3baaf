/*
 * internal.h — what core's own files share and the public header hides.
 * Not installed; executors (thread pool, process pool) include it.
 */
#ifndef CF_INTERNAL_H
#define CF_INTERNAL_H

#include "cfutures.h"

/* The outcome of one task call (what cf_out is). A value (data/len, owned,
 * malloc'd) or a failure (failed, code, msg). */
struct cf_out {
    void *data;
    size_t len;
    size_t cap;
    bool failed;
    int status; /* CF_ETASK for a task error, CF_ENOMEM when the value could not be stored */
    int code;
    char msg[CF_ERRMSG_MAX];
};

void cf__out_init(cf_out *out);
/* Forget value and error; keeps the buffer for reuse. */
void cf__out_reset(cf_out *out);
void cf__out_free(cf_out *out);
/* Reset out, then call fn(arg, len, out). */
void cf__out_run(cf_out *out, cf_task_fn fn, const void *arg, size_t len);
/* Move the outcome onto the future: set_result_owned (the buffer moves to
 * the future; out keeps nothing) or set_error. Returns what set_* returned. */
int cf__out_publish(cf_out *out, cf_future *f);

/* Every executor embeds `struct cf_executor` as its first member.
 * The generic layer (executor.c) has already checked the arguments: submit
 * gets non-NULL ex/fn/out, arg non-NULL when len > 0, and *out preset to
 * NULL; stats gets a zeroed struct. cf_executor_free() calls
 * shutdown(wait=true, cancel_futures=false) and then destroy. cf_map()
 * needs nothing from an executor beyond submit. */
struct cf_executor_ops {
    const char *kind; /* "thread", "process" */
    int (*submit)(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out);
    int (*shutdown)(cf_executor *ex, bool wait, bool cancel_futures);
    void (*destroy)(cf_executor *ex); /* after shutdown(wait=true) */
    int (*stats)(const cf_executor *ex, cf_executor_stats *st);
    /* Optional (NULL: CF_ENOTSUP / false). shutdown_timeout gets an absolute
     * cf__now() deadline (INFINITY: none) and returns 0 or CF_ETIMEDOUT;
     * terminate gets SIGTERM or SIGKILL. */
    int (*shutdown_timeout)(cf_executor *ex, bool cancel_futures, double deadline);
    int (*terminate)(cf_executor *ex, int sig);
    bool (*is_broken)(const cf_executor *ex);
};

struct cf_executor {
    const struct cf_executor_ops *ops;
    int max_workers;
};

/* Absolute CLOCK_MONOTONIC deadline for a timeout (CF_FOREVER -> +inf). */
double cf__now(void);
double cf__deadline(double timeout);

/* ---- Small synchronisation kit shared by core's files (futex based). ---- */
#include <stdatomic.h>
#include <stdint.h>

/* Wait while *word == val, up to the absolute CLOCK_MONOTONIC deadline
 * (INFINITY = no limit). Returns 0 when woken (or *word != val), CF_ETIMEDOUT
 * when the deadline passed. Spurious returns are possible: re-check. */
int cf__futex_wait(_Atomic uint32_t *word, uint32_t val, double deadline);
/* Wake up to n threads waiting on word. */
void cf__futex_wake(_Atomic uint32_t *word, int n);

/* A 4-byte mutex (Drepper's "futexes are tricky", mutex 2): 0 unlocked,
 * 1 locked, 2 locked with waiters. Zero-initialised = unlocked. */
typedef struct cf__lock {
    _Atomic uint32_t v;
} cf__lock;
void cf__lock_slow(cf__lock *l);
static inline void cf__lock_acquire(cf__lock *l) {
    uint32_t c = 0;
    if (!atomic_compare_exchange_strong_explicit(&l->v, &c, 1, memory_order_acquire,
                                                 memory_order_relaxed))
        cf__lock_slow(l);
}
static inline void cf__lock_release(cf__lock *l) {
    if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2) cf__futex_wake(&l->v, 1);
}

static inline void cf__cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* ---- Watching futures (cf_wait, as_completed, map) ---- */

/* A registration of interest in one future's completion. The watcher owns
 * the node; while linked, the future points to it. notify() is called at
 * most once, with the FUTURE'S LOCK HELD, right after the future became done
 * (FINISHED or CANCELLED); it must not call cf_future_* on that future and
 * must not block for long. After notify the node is unlinked. */
typedef struct cf__watch {
    struct cf__watch *prev, *next;
    cf_future *f;
    void (*notify)(struct cf__watch *w);
    void *ctx;
    bool linked;
} cf__watch;

/* Link w (its notify and ctx set by the caller) on f. Returns true, leaving
 * w unlinked, when f is already done — then notify is NOT called. */
bool cf__future_watch(cf_future *f, cf__watch *w);
/* Unlink w if still linked. After return, notify is not running and will
 * not run for w. Safe to call on a node that was never linked or was
 * notified. */
void cf__future_unwatch(cf_future *f, cf__watch *w);

/* A new PENDING future (one reference) followed by `extra` bytes that live
 * as long as the future (max_align_t aligned, uninitialised), for the
 * executor's own per-task record. NULL on out of memory. */
cf_future *cf__future_new_extra(size_t extra);
void *cf__future_extra(cf_future *f);

/* A cache of future blocks of one size (sizeof(cf_future) + extra), for an
 * executor that makes many futures (thread_pool.c). cf__fcache_take returns
 * a new PENDING future with `refs` references, from a recycled block or a
 * new one (NULL on out of memory); takes must be serialised by the owner
 * (e.g. under its queue lock). The last cf_future_release of such a future
 * gives its block back to the cache, from any thread. cf__fcache_close (the
 * owner, once it takes no more) frees the cached blocks and drops the
 * owner's reference; the cache itself is freed when the last of its futures
 * is released. At most CF__FCACHE_CAP blocks are kept beyond a take that
 * finds the cache empty (a surplus goes back to malloc). */
typedef struct cf__fcache cf__fcache;
#define CF__FCACHE_CAP 65536
cf__fcache *cf__fcache_new(size_t extra);
cf_future *cf__fcache_take(cf__fcache *c, long refs);
/* Blocks the cache has malloc'd and not freed (owner's view; for tests). */
size_t cf__fcache_blocks(const cf__fcache *c);
void cf__fcache_close(cf__fcache *c);

/* map's chunk wrapper task (map.c): its argument starts with the user's
 * cf_task_fn pointer, which an executor whose workers are other programs'
 * processes (MPI) must translate (cf_mpi.h). */
void cf__map_chunk_task(const void *arg, size_t len, cf_out *out);

/* true when f is FINISHED with an error (not cancelled). */
bool cf__future_failed(const cf_future *f);

#endif
