/*
 * cfutures.h — futures and executors for C, after Python's concurrent.futures.
 *
 * The model (see docs/futures-behaviour.md for the full behaviour list):
 *   - An executor (thread pool, process pool) runs task functions and hands
 *     back futures. A task function takes bytes and returns bytes, so the
 *     same function runs unchanged in a thread or in a forked process.
 *   - A future is PENDING -> RUNNING -> FINISHED, or PENDING -> CANCELLED.
 *   - cf_wait() and cf_as_completed_*() accept futures from any mix of
 *     executors (and from the event loop, which resolves futures through the
 *     implementer API at the end of this file).
 *
 * Conventions
 *   - Every function that can fail returns int: 0 on success, a negative
 *     CF_E* code on failure; cf_strerror() names it. Predicates return bool.
 *   - Types are opaque; each has a constructor/destructor pair.
 *   - Timeouts are in seconds (double): 0 means "do not wait", a negative
 *     value or INFINITY means "wait for ever" (CF_FOREVER).
 *   - Ownership is stated for every function that takes or returns memory.
 *     "Borrowed" means valid while the caller holds its reference to the
 *     object it came from; "copied" means the library made its own copy.
 *   - Thread-safety: every cf_future_* and cf_executor function may be
 *     called from any thread unless its comment says otherwise. Iterators
 *     (cf_map_iter, cf_as_completed) belong to one thread at a time.
 */
#ifndef CFUTURES_H
#define CFUTURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

enum {
    CF_OK = 0,
    CF_EINVAL = -1,     /* invalid argument (NULL, max_workers < 0, chunksize < 1, …) */
    CF_ENOMEM = -2,     /* out of memory */
    CF_ETIMEDOUT = -3,  /* the timeout expired before the future was done */
    CF_ECANCELLED = -4, /* the future was cancelled */
    CF_EBROKEN = -5,    /* the executor is broken (initializer failed, worker died) */
    CF_ESHUTDOWN = -6,  /* submit after shutdown */
    CF_ESTATE = -7,     /* invalid state (set_result on a done future, …) */
    CF_ETASK = -8,      /* the task failed; cf_future_error() gives code + message */
    CF_ETOOBIG = -9,    /* argument or result too large to transfer */
    CF_ESYS = -10,      /* a system call failed (the message names it and errno) */
    CF_EEOF = -11,      /* an iterator has no more items (not a failure) */
    CF_ENOTSUP = -12,   /* not supported by this executor or on this system */
};

/* Static, never NULL: a short English description of a CF_E* code
 * ("unknown error code" for anything else). Thread-safe. */
const char *cf_strerror(int code);

#define CF_FOREVER (-1.0)

/* ------------------------------------------------------------------------ */
/* Tasks                                                                    */
/* ------------------------------------------------------------------------ */

/* Where a task puts its result or its error. Opaque; only valid during the
 * task call that received it. */
typedef struct cf_out cf_out;

/* A task function. `arg` points to `arg_len` bytes (borrowed for the call;
 * may be NULL when arg_len is 0). The task reports its outcome through
 * `out`: a value with cf_out_set()/cf_out_alloc(), or a failure with
 * cf_out_error(). A task that sets nothing returns an empty value.
 * The same function pointer is valid in forked process-pool workers. */
typedef void (*cf_task_fn)(const void *arg, size_t arg_len, cf_out *out);

/* Set the task's value to a copy of len bytes at data (data may be NULL
 * when len is 0). Replaces an earlier value (or error). data may point
 * inside the buffer that cf_out_alloc() returned for this task (keeping a
 * slice of it: the bytes are moved, never copied over themselves). 0,
 * CF_ENOMEM (the task then fails with CF_ENOMEM), or CF_EINVAL (NULL out,
 * NULL data with len > 0, or a range that starts inside that buffer and
 * runs past its end; nothing changes). */
int cf_out_set(cf_out *out, const void *data, size_t len);

/* Return a buffer of len bytes, owned by the library, that becomes the
 * task's value; the task fills it before it returns. NULL on out of
 * memory (the task then fails with CF_ENOMEM). Replaces an earlier value. */
void *cf_out_alloc(cf_out *out, size_t len);

/* Mark the task as failed with an error code of the task's own choosing and
 * a printf-style message (copied, truncated to CF_ERRMSG_MAX-1 bytes).
 * A code of 0 or an empty message is still a failure (spec item 9).
 * Discards any value set before. */
#define CF_ERRMSG_MAX 256
void cf_out_error(cf_out *out, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------------ */
/* Futures                                                                  */
/* ------------------------------------------------------------------------ */

typedef struct cf_future cf_future;

typedef enum cf_state {
    CF_PENDING = 0,
    CF_RUNNING = 1,
    CF_FINISHED = 2,
    CF_CANCELLED = 3,
} cf_state;

/* Futures are reference-counted. Each function that returns a future gives
 * the caller one reference, which the caller drops with cf_future_release().
 * cf_future_retain() adds one. Releasing the last reference frees the value
 * and error. Releasing NULL does nothing. */
cf_future *cf_future_retain(cf_future *f);
void cf_future_release(cf_future *f);

/* Non-blocking predicates (false for NULL). */
cf_state cf_future_state(const cf_future *f);
bool cf_future_done(const cf_future *f);      /* FINISHED or CANCELLED */
bool cf_future_running(const cf_future *f);   /* RUNNING */
bool cf_future_cancelled(const cf_future *f); /* CANCELLED */

/* "pending", "running", "finished returned", "finished raised",
 * "cancelled" (static strings). */
const char *cf_future_state_str(const cf_future *f);

/* PENDING -> CANCELLED: wakes every waiter, runs the callbacks, returns
 * true. Already CANCELLED: true, callbacks not run again. RUNNING or
 * FINISHED: false, state unchanged. */
bool cf_future_cancel(cf_future *f);

/* Wait up to `timeout` seconds for the future, then:
 *   0             FINISHED with a value: *data and *len (either may be NULL)
 *                 point to the value, borrowed from the future (valid while
 *                 the caller holds its reference; never modified).
 *   CF_ETASK      the task failed: cf_future_error() gives code + message.
 *   CF_EBROKEN, CF_ETOOBIG, CF_ENOMEM, …  the executor failed the future
 *                 (message from cf_future_error()).
 *   CF_ECANCELLED the future was cancelled.
 *   CF_ETIMEDOUT  not done in time (the future is unchanged).
 *   CF_EINVAL     f is NULL. */
int cf_future_result(cf_future *f, double timeout, const void **data, size_t *len);

/* Like cf_future_result() but for the error: waits up to `timeout`, then
 * returns 0 when the future is FINISHED (with or without an error),
 * CF_ECANCELLED or CF_ETIMEDOUT otherwise. On 0, *failed tells whether it
 * finished with an error. */
int cf_future_exception(cf_future *f, double timeout, bool *failed);

/* The stored error of a FINISHED future that failed: returns its status
 * (CF_ETASK for a task error, or the executor's code such as CF_EBROKEN),
 * and sets *code (the task's own code; for executor errors the same status)
 * and *msg (borrowed from the future, never NULL). Returns 0 and sets
 * nothing when the future has no error (or is not FINISHED). */
int cf_future_error(const cf_future *f, int *code, const char **msg);

/* Callback run once when the future completes or is cancelled, in the
 * thread that does so; added to a done future it runs at once in the
 * caller's thread. Callbacks run in the order added, outside the future's
 * lock (a callback may call any cf_future_* function on the future). A
 * callback cannot fail the others. 0, CF_EINVAL (NULL), CF_ENOMEM. */
typedef void (*cf_done_cb)(cf_future *f, void *arg);
int cf_future_add_done_callback(cf_future *f, cf_done_cb cb, void *arg);

/* A caller-owned word carried by the future (e.g. the index of the input
 * that produced it), for mapping as_completed() results back. 0 by default;
 * map() sets it to the input index. Not synchronised: set it before sharing
 * the future. */
void cf_future_set_tag(cf_future *f, uintptr_t tag);
uintptr_t cf_future_tag(const cf_future *f);

/* ------------------------------------------------------------------------ */
/* Executors                                                                */
/* ------------------------------------------------------------------------ */

typedef struct cf_executor cf_executor;

/* Runs in every worker (thread or child process) before its first task.
 * Return 0, or non-zero to fail: the executor becomes broken (pending
 * futures fail with CF_EBROKEN, later submits return CF_EBROKEN). */
typedef int (*cf_init_fn)(void *arg);
/* Runs in every worker as it exits (after its last task). */
typedef void (*cf_fini_fn)(void *arg);

typedef struct cf_executor_opts {
    /* Number of workers. 0 = the default — Python's None: thread pool
     * min(32, cpus + 4), process pool cpus, where cpus is
     * cf_process_cpu_count() (the CPUs the creating thread may run on, as
     * Python 3.13+'s os.process_cpu_count()); negative = CF_EINVAL. */
    int max_workers;
    cf_init_fn initializer;  /* optional */
    cf_fini_fn finalizer;    /* optional */
    void *initarg;           /* passed to both (borrowed: must outlive the executor;
                                in a process pool the child sees its forked copy) */
    const char *name;        /* worker name prefix (≤ 8 chars used), default "cf-pool" */
    int max_tasks_per_child; /* process pool: replace a worker after N tasks;
                                0 = never; negative = CF_EINVAL; thread pool: must be 0 */
} cf_executor_opts;

/* Create a pool. opts may be NULL (all defaults). On success *out is a new
 * executor owned by the caller (free with cf_executor_free()). Threads or
 * processes start lazily: a new worker only when no worker is idle.
 * Thread pool: workers are named "<name>-<index>" (pthread_setname_np);
 * a worker whose initializer fails runs no task and no finalizer; the
 * finalizer runs in every other worker when it exits at shutdown.
 * Errors: CF_EINVAL (NULL out, max_workers < 0, thread pool with
 * max_tasks_per_child != 0), CF_ENOMEM, CF_ESYS. */
int cf_thread_pool_new(const cf_executor_opts *opts, cf_executor **out);
/* (Thread pool: cf_executor_terminate_workers() and cf_executor_kill_workers()
 * return CF_ENOTSUP — a thread cannot be stopped safely from outside; a
 * bounded cf_executor_shutdown_timeout() abandons a stuck thread instead.) */

/* The process pool (Linux). Workers are fork()ed children of one manager
 * thread per pool, started lazily (max_workers, default
 * cf_process_cpu_count(), is a ceiling:
 * a worker is forked only when the queued tasks outnumber the idle
 * workers) and reused. A task's
 * argument and result cross as bytes (pipes); the task function pointer
 * crosses as-is (fork without exec keeps every address valid), so the same
 * cf_task_fn runs in a thread or a process. A task error keeps its code and
 * message (≤ CF_ERRMSG_MAX-1 bytes).
 *
 * Limits: an argument or a result may be at most CF_PROCESS_MAX_BYTES
 * (64 MiB). A larger argument makes cf_submit() return CF_ETOOBIG (no
 * future); a larger result fails only that task's future with CF_ETOOBIG.
 *
 * Cancellation: a task stays cancellable (PENDING) in the parent's queue
 * until the manager writes it to a worker's pipe (RUNNING from then on).
 * Each worker holds at most a small look-ahead of tasks in its pipe: ~100 µs
 * of work by the measured task run time (1 task while unknown or for long
 * tasks, up to 1024 empty ones).
 *
 * Dead workers (killed by a signal, exit() in a task, a crash): the task the
 * worker was running fails with CF_EBROKEN and a message naming the cause
 * ("worker process 123 died while running the task: killed by signal 9
 * (SIGKILL: Killed)" or "... exited with status 3"). Tasks it had received
 * but not started are re-queued at the front, in order, and run once on
 * another worker; tasks whose result it had sent are unaffected. This holds
 * whenever and however often workers die — in a task or between two. The
 * dead worker is reaped and replaced (a new one is forked when work needs
 * it); the pool carries on. No task is lost or run twice. The pool breaks
 * only when (a) a worker dies before its initializer succeeded or an
 * initializer returns non-zero, or (b) three workers in a row die holding
 * tasks without having started a single task in their life (a worker that
 * cannot run would otherwise be re-forked for ever; the death of any worker
 * that had started a task, or any completed task, ends the streak), or (c)
 * cf_executor_terminate_workers() / cf_executor_kill_workers() or a
 * timed-out cf_executor_shutdown_timeout() stopped it. A broken pool fails
 * queued futures with CF_EBROKEN (tasks already handed to a worker that
 * was not stopped still finish), later submits return CF_EBROKEN, and
 * cf_executor_is_broken() is true.
 *
 * max_tasks_per_child = N: a worker exits after N tasks and is replaced; the
 * replacement is forked only after the old one was reaped, so at most
 * max_workers worker processes exist at once. initializer(initarg) runs in
 * each worker before its first task, finalizer(initarg) as it exits
 * normally (not after a failed initializer, nor when it is killed).
 *
 * Fork caveats: the child of a multithreaded parent inherits only the
 * forking thread; locks held by other threads stay locked in the child.
 * glibc's malloc and stdio are safe (glibc resets them at fork); every other
 * library (libcurl, OpenSSL, a logger) must be initialised in the
 * initializer, i.e. after the fork, in the worker. In the worker: every
 * descriptor except 0, 1, 2 and its own two pipe ends is closed (so sockets
 * and files of the parent are not inherited — open what a task needs in the
 * initializer, or share memory mapped MAP_SHARED before the pool forks);
 * SIGPIPE is ignored; SIGSEGV, SIGBUS, SIGFPE and SIGILL take their default
 * action (so a crash is reported as that signal); the signal mask is the one
 * of the thread that created the pool; exit() in a task flushes stdio and
 * ends the worker without running the parent's atexit handlers. The pool
 * reaps only its own children (waitpid on their pids, pidfds for death):
 * an application that sets SIGCHLD to SIG_IGN or reaps with waitpid(-1) may
 * steal the exit status (the message then says it is unknown). Sanitizer
 * builds: the ASan/TSan allocators of GCC 12 / clang 14 are not fork-safe
 * (glibc's is), so a worker forked while another thread is inside malloc
 * may hang; see "Process pool" in docs/DESIGN.md. */
int cf_process_pool_new(const cf_executor_opts *opts, cf_executor **out);
#define CF_PROCESS_MAX_BYTES ((size_t)64 << 20)

/* Submit fn(arg). arg_len bytes at arg are copied (arg may be NULL when
 * arg_len is 0). On success *out receives a new future (one reference, owned
 * by the caller). Errors: CF_EINVAL (NULL ex/fn/out), CF_EBROKEN (broken
 * executor — reported first, even when it is also shut down, as CPython
 * does), CF_ESHUTDOWN (after shutdown), CF_ETOOBIG, CF_ENOMEM. */
int cf_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t arg_len, cf_future **out);

/* Stop accepting tasks. cancel_futures: cancel what has not started
 * (those futures count as done for wait/as_completed). wait: block until
 * every running and queued task is done and the workers have exited.
 * Idempotent; a later call with wait=true still waits. 0 or CF_EINVAL.
 * Called with wait=true from one of the pool's own tasks, it waits for the
 * other workers only (never for itself); do not free the executor there. */
int cf_executor_shutdown(cf_executor *ex, bool wait, bool cancel_futures);

/* Shutdown with a bound: stop accepting tasks (cancel_futures as above) and
 * wait up to `timeout` seconds (0 = do not wait; negative or INFINITY = for
 * ever, i.e. cf_executor_shutdown(ex, true, cancel_futures)) for every
 * queued and running task and every worker. Returns 0 when all ended in
 * time, CF_ETIMEDOUT otherwise, CF_EINVAL for NULL ex or a NaN timeout.
 * At the deadline, tasks still queued are cancelled, and:
 *   - process pool: every remaining worker is sent SIGKILL (as
 *     cf_executor_kill_workers()); the futures of the tasks they held fail
 *     with CF_EBROKEN ("... killed by signal 9 ..., sent by
 *     cf_executor_shutdown_timeout()"), the pool is broken, and the call
 *     returns once the workers are reaped (no process is left behind).
 *   - thread pool: a thread cannot be killed, so each worker still inside a
 *     task is abandoned: detached and left to run. Its future stays RUNNING
 *     until the task returns (then it completes as usual); the thread then
 *     exits without running the finalizer (initarg may be gone by then) and
 *     the last such thread frees the pool's memory. A task that never
 *     returns keeps its thread (and that memory) until the process exits.
 * Either way cf_executor_free() afterwards does not wait for those workers.
 * Called from a task or done-callback of the same pool it does not wait
 * for the calling thread (as cf_executor_shutdown). The bound assumes
 * done-callbacks return (process pool: they run on its manager thread). */
int cf_executor_shutdown_timeout(cf_executor *ex, bool cancel_futures, double timeout);

/* Process pool, after CPython 3.14's terminate_workers() / kill_workers():
 * shut the pool down as with cancel_futures (queued tasks never handed to a
 * worker are cancelled), mark it broken, and send SIGTERM (terminate) or
 * SIGKILL (kill) to every worker process still alive. Returns at once
 * (0); the manager sends the signals and reaps. Tasks the workers held
 * fail with CF_EBROKEN: a running one with its worker's death ("killed by
 * signal 15 (SIGTERM...), sent by cf_executor_terminate_workers()"), one
 * not yet started with the broken pool's message. Later submits return
 * CF_EBROKEN. SIGTERM can be caught, ignored or blocked by a task (workers
 * inherit the parent's dispositions and the creating thread's signal
 * mask): such a worker finishes its task; kill_workers (also after
 * terminate_workers) cannot be refused. cf_executor_shutdown(ex, true, ...)
 * or cf_executor_free() then waits for the workers to be reaped.
 * Thread pool: CF_ENOTSUP, and nothing changes. CF_EINVAL for NULL. */
int cf_executor_terminate_workers(cf_executor *ex);
int cf_executor_kill_workers(cf_executor *ex);

/* Whether the executor is broken (an initializer failed; process pool: see
 * cf_process_pool_new for every cause), i.e. cf_submit() returns
 * CF_EBROKEN. false for NULL. Thread-safe, never blocks for long. */
bool cf_executor_is_broken(const cf_executor *ex);

/* shutdown(wait=true, cancel_futures=false) if still open, then free. Futures
 * the caller still holds stay valid. NULL does nothing. This waits for
 * running tasks without limit (a task that never returns blocks it, as in
 * CPython); call cf_executor_shutdown_timeout() first to bound it. */
void cf_executor_free(cf_executor *ex);

/* "thread" or "process" (static string); NULL for NULL. */
const char *cf_executor_kind(const cf_executor *ex);
/* The resolved max_workers; CF_EINVAL for NULL. */
int cf_executor_max_workers(const cf_executor *ex);

/* Counters, for tests and benchmarks; a consistent snapshot. */
typedef struct cf_executor_stats {
    uint64_t workers_started;  /* threads or processes ever started */
    uint64_t workers_alive;    /* currently alive */
    uint64_t workers_replaced; /* process pool: after death or max_tasks_per_child */
    uint64_t tasks_submitted;
    uint64_t tasks_completed; /* finished (value or error) */
    uint64_t tasks_cancelled;
} cf_executor_stats;
int cf_executor_stats_get(const cf_executor *ex, cf_executor_stats *st);

/* ------------------------------------------------------------------------ */
/* map                                                                      */
/* ------------------------------------------------------------------------ */

/* An input source for map: return 1 and set *arg and *len to the next item
 * (borrowed until the next call; map copies it), 0 at the end, or a
 * negative CF_E* code to stop with that error. */
typedef int (*cf_input_fn)(void *state, const void **arg, size_t *len);

typedef struct cf_map_opts {
    bool has_timeout; /* false (zeroed struct): no timeout */
    double timeout;   /* with has_timeout: seconds from the cf_map() call;
                         0 = already expired when the first item is awaited
                         and not done; negative = no timeout */
    int chunksize;    /* items per submitted task; 0 in a zeroed struct = 1;
                         negative = CF_EINVAL. Chunking gives the same results. */
    int buffersize;   /* 0 = submit every item at call time; N > 0 = keep at
                         most N tasks in flight (works on endless inputs);
                         negative = CF_EINVAL. */
} cf_map_opts;

typedef struct cf_map_iter cf_map_iter;

/* Submit fn over the inputs (all of them now, or `buffersize` at a time)
 * and return an iterator over the results in input order (*out, owned by
 * the caller; free with cf_map_free()). opts may be NULL. Errors: CF_EINVAL,
 * CF_ESHUTDOWN, CF_EBROKEN, CF_ENOMEM, or the input function's error. */
int cf_map(cf_executor *ex, cf_task_fn fn, cf_input_fn next, void *state, const cf_map_opts *opts,
           cf_map_iter **out);

/* Convenience input: n items given as arrays of pointers and lengths
 * (borrowed until cf_map returns, or for the iterator's life with buffersize).
 * args/lens may be NULL when n is 0; args[i] may be NULL only when lens[i]
 * is 0 (otherwise CF_EINVAL). */
int cf_map_array(cf_executor *ex, cf_task_fn fn, const void *const *args, const size_t *lens,
                 size_t n, const cf_map_opts *opts, cf_map_iter **out);

/* The next result in input order: 0 and *data and *len (borrowed until the
 * next call or cf_map_free()); CF_EEOF after the last item; otherwise the
 * item's failure as cf_future_result() reports it (CF_ETASK, CF_ETIMEDOUT,
 * …) — after which every later item is cancelled and the iterator returns
 * CF_EEOF. cf_map_error() gives the failing item's code and message. */
int cf_map_next(cf_map_iter *it, const void **data, size_t *len);
/* After cf_map_next() failed: returns the status it returned and sets *code
 * (the task's own code; for CF_ETIMEDOUT, input errors and executor errors
 * the status itself) and *msg (borrowed from the iterator, never NULL).
 * Returns 0 and sets nothing while no item failed. */
int cf_map_error(const cf_map_iter *it, int *code, const char **msg);
/* Cancels what has not started, waits for nothing, frees. NULL is fine. */
void cf_map_free(cf_map_iter *it);

/* ------------------------------------------------------------------------ */
/* Waiting                                                                  */
/* ------------------------------------------------------------------------ */

enum cf_return_when {
    CF_FIRST_COMPLETED = 1,
    CF_FIRST_EXCEPTION = 2,
    CF_ALL_COMPLETED = 3,
};

/* Wait for futures from any executors. Duplicates collapse. done and
 * not_done are caller arrays with room for n entries each (either may be
 * NULL when not wanted); they receive borrowed pointers (no new reference)
 * and *ndone / *nnot_done their counts. Never fails on timeout: returns 0
 * with whatever is done. done/not_done list the distinct futures in the
 * order of their first occurrence in fs. A cancelled future counts as done
 * but not as an exception. Errors: CF_EINVAL (NULL fs with n > 0, a NULL
 * entry, unknown return_when), CF_ENOMEM. */
int cf_wait(cf_future *const *fs, size_t n, double timeout, int return_when, cf_future **done,
            size_t *ndone, cf_future **not_done, size_t *nnot_done);

typedef struct cf_as_completed cf_as_completed;

/* An iterator yielding each distinct future once: those already done
 * first, then in completion order. The timeout clock starts at the first
 * cf_as_completed_next(). The iterator takes its own references. *out is
 * owned by the caller (free with cf_as_completed_free()). Errors: CF_EINVAL
 * (NULL out, NULL fs with n > 0, a NULL entry), CF_ENOMEM. */
int cf_as_completed_new(cf_future *const *fs, size_t n, double timeout, cf_as_completed **out);

/* 0 and *f (borrowed while the iterator lives); CF_EEOF when every future
 * was yielded; CF_ETIMEDOUT when the timeout expired first (see
 * cf_as_completed_pending() for how many of how many are unfinished; a
 * later call may still yield futures that completed since); CF_EINVAL for
 * NULL. pending = total - yielded. */
int cf_as_completed_next(cf_as_completed *ac, cf_future **f);
size_t cf_as_completed_pending(const cf_as_completed *ac);
size_t cf_as_completed_total(const cf_as_completed *ac);
void cf_as_completed_free(cf_as_completed *ac);

/* ------------------------------------------------------------------------ */
/* Implementer side: for executors and the event loop                       */
/* ------------------------------------------------------------------------ */

/* A new PENDING future with one reference owned by the caller. NULL on out
 * of memory. */
cf_future *cf_future_new(void);

/* PENDING -> RUNNING: 0. CANCELLED: CF_ECANCELLED ("was cancelled": the
 * executor skips the task). Any other state: CF_ESTATE. */
int cf_future_set_running(cf_future *f);

/* -> FINISHED with a copy of len bytes at data (or, for _owned, taking
 * ownership of data, which is freed with free(); on failure ownership stays
 * with the caller). Wakes waiters and runs callbacks in this thread.
 * FINISHED or CANCELLED already: CF_ESTATE and the original is kept. */
int cf_future_set_result(cf_future *f, const void *data, size_t len);
int cf_future_set_result_owned(cf_future *f, void *data, size_t len);

/* -> FINISHED with an error. status is CF_ETASK for a task's own failure
 * (code is the task's code), or the executor's status (CF_EBROKEN, …; code
 * is usually the same; a status of 0 is taken as CF_ETASK). msg is copied
 * (NULL = ""). CF_ESTATE when done, CF_EINVAL for NULL f, CF_ENOMEM. */
int cf_future_set_error(cf_future *f, int status, int code, const char *msg);

/* Run a task function in the calling thread and report its outcome on the
 * future (set_result / set_error), as the thread pool does. For executors,
 * the sequential runner and tests. Returns what set_* returned. */
int cf_run_task(cf_future *f, cf_task_fn fn, const void *arg, size_t arg_len);

/* Number of online CPUs (at least 1); Python's os.cpu_count(). */
int cf_cpu_count(void);
/* Number of CPUs the calling thread may run on (sched_getaffinity; at least
 * 1; cf_cpu_count() if unknown); Python 3.13+'s os.process_cpu_count(). The
 * executors' default max_workers derive from it. */
int cf_process_cpu_count(void);

#ifdef __cplusplus
}
#endif
#endif /* CFUTURES_H */
