/*
 * modes.h — how one repetition of a case runs: the mode table (seq, thread,
 * process; async joins with one line) and the implementation table ("c";
 * "c+gil" joins with one line).
 *
 * The sweep engine (sweep.c) prepares a case (task list, argument buffers,
 * a timeline region shared with forked workers) and, per repetition, hands
 * the mode an opaque cfb_rep. The mode runs every task once and gives back
 * every finished future through cfb_rep_take(). The engine does all the
 * measuring around it (clocks, rusage, perf counters, per-task records), so
 * a mode is a few dozen lines.
 *
 * Seams for later modes and implementations
 * -----------------------------------------
 * - async (the `client` helper): write runners/mode_async.c defining
 *   `const cfb_mode cfb_mode_async = {"async", "...", true, run_async}` and
 *   add X(async) to CFB_MODE_LIST in modes.c. run_async creates its cf_loop,
 *   calls cfb_rep_worker_enter(rep, 0) on the loop thread, then
 *   cfb_rep_start(rep). With a workload driver (cfb_rep_workload(rep)->async)
 *   it starts operations with at most cfb_rep_workers(rep) in flight and,
 *   when each future resolves, calls cfb_rep_mark(rep, i, start, end, 0)
 *   (the driver runs no wrapper, so it reports times itself) and
 *   cfb_rep_take(rep, i, fut). Without a driver it runs the task inline on
 *   the loop thread: cfb_rep_task(rep, i, &fn, &arg, &len), cf_future_new(),
 *   cf_run_task() — which blocks the loop, as the results must show.
 * - hybrid (runners/mode_hybrid.c): P forked processes, each with its own
 *   cf_loop and the workload's driver (or inline without one); workers =
 *   operations in flight in total, P = min(workers, CPUs) or
 *   cfb_hybrid_set_procs(N). Its design comment says how tasks reach the
 *   processes and outcomes come back.
 * - GIL emulation (the `gil` helper): define `const cfb_impl cfb_impl_gil =
 *   {.name = "c+gil", .call = gil_call, .worker_enter = …, …}` in its own
 *   file and add X(gil) to CFB_IMPL_LIST in modes.c. `cfbench run --impl
 *   c,c+gil` (or a `--gil` flag that appends "c+gil") then sweeps both; the
 *   case id gets the suffix "/c+gil" and `impl` is recorded per case. The
 *   engine calls every task through impl->call (inside the worker, in every
 *   mode), worker_enter/exit in each worker, and rep_begin/rep_end around
 *   each repetition in the parent. Extra config fields (gil,
 *   switch_interval_s) go into cfb_sweep_cfg.config_extra.
 */
#ifndef CFB_MODES_H
#define CFB_MODES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "cfutures.h"
#include "workload.h"

/* One repetition being run (owned by the engine; valid during mode->run). */
typedef struct cfb_rep cfb_rep;

typedef struct cfb_mode {
    const char *name;        /* "seq", "thread", "process", "async", "hybrid" */
    const char *description; /* one line for `cfbench list` */
    bool parallel;           /* false: always runs with 1 worker (seq) */
    /* Run every task of rep once, in the calling (main) thread's control:
     * call cfb_rep_start() right before the first task starts, then
     * cfb_rep_take() once per task (any order). Return 0, or a negative
     * CF_E* code after cfb_rep_fail() said why (the case then records an
     * error). Must return promptly and leave no worker behind. */
    int (*run)(cfb_rep *rep);
} cfb_mode;

typedef struct cfb_impl {
    const char *name; /* "c" (plain), "c+gil", … */
    /* Optional, in the parent around each repetition (mode name, workers). */
    int (*rep_begin)(const char *mode, int workers, char *err, size_t errlen);
    void (*rep_end)(void);
    /* Optional, inside every worker after the workload's worker_setup /
     * before its worker_teardown (thread, child process, seq loop, loop
     * thread). Non-zero from worker_enter breaks the executor. */
    int (*worker_enter)(void);
    void (*worker_exit)(void);
    /* Optional: run one task, e.g. take the GIL, fn(arg, len, out), drop
     * it. NULL: the engine calls fn directly. Runs inside the worker. */
    void (*call)(cf_task_fn fn, const void *arg, size_t len, cf_out *out);
} cfb_impl;

/* The most workers mode m can have in this process (mpi: the job's worker
 * ranks; mode_mpi.c); 0 = no limit. The sweep leaves cases above it out of
 * the plan (cfbench run says so). */
int cfb_mode_max_workers(const cfb_mode *m);

/* The hybrid mode's process count (mode_hybrid.c): n > 0 fixes it at
 * min(n, workers) (`cfbench run --hybrid-procs N`), 0 = min(workers, the
 * CPUs this process may use). Set before the sweep; main thread only. */
void cfb_hybrid_set_procs(int n);
int cfb_hybrid_get_procs(void);        /* 0 = auto */
int cfb_hybrid_processes(int workers); /* recorded as a hybrid case's `processes` */

/* Tables (modes.c). NULL-terminated; *n gets the count. */
const cfb_mode *const *cfb_modes_all(size_t *n);
const cfb_mode *cfb_mode_find(const char *name); /* NULL if unknown */
const cfb_impl *const *cfb_impls_all(size_t *n);
const cfb_impl *cfb_impl_find(const char *name);

/* ---- what a mode may call on its repetition ---------------------------- */

size_t cfb_rep_ntasks(const cfb_rep *rep);
int cfb_rep_workers(const cfb_rep *rep);
const char *cfb_rep_mode(const cfb_rep *rep);
const cfb_workload *cfb_rep_workload(const cfb_rep *rep);
const cfb_params *cfb_rep_params(const cfb_rep *rep); /* borrowed */
const cfb_impl *cfb_rep_impl(const cfb_rep *rep);     /* static */

/* What to run for task i: the function and its argument bytes (borrowed
 * from the engine for the repetition). It is the engine's wrapper — which
 * records start, end and worker slot and calls the workload's task through
 * the impl — or, with measuring off and a plain impl, the bare task. */
void cfb_rep_task(const cfb_rep *rep, size_t i, cf_task_fn *fn, const void **arg, size_t *len);

/* The workload's own argument bytes of task i (borrowed for the
 * repetition), without the engine's wrapper header: what an event-loop
 * driver's start() takes. */
void cfb_rep_task_arg(const cfb_rep *rep, size_t i, const void **arg, size_t *len);

/* Executor options for this repetition: max_workers, and an initializer /
 * finalizer that run the workload's worker_setup/teardown and the impl's
 * worker_enter/exit and give each worker its slot (0, 1, …). */
void cfb_rep_executor_opts(cfb_rep *rep, cf_executor_opts *opts);

/* For modes with no executor (seq loop, event loop thread): make the
 * calling thread worker `slot` (setup) / undo it (teardown). 0, or the
 * setup's failure as CF_EBROKEN (reason through cfb_rep_fail). */
int cfb_rep_worker_enter(cfb_rep *rep, int slot);
void cfb_rep_worker_exit(cfb_rep *rep);

/* Start the repetition's clock (call once, just before the first task). */
void cfb_rep_start(cfb_rep *rep);

/* Hand over task i's future, which must be done (FINISHED or CANCELLED):
 * the engine records value/error, classification, check, bytes, and drops
 * the reference (ownership of one reference passes to the engine). The last
 * take stops the clock. 0, or CF_EINVAL (bad index, taken twice, not done). */
int cfb_rep_take(cfb_rep *rep, size_t i, cf_future *f);

/* Record task i's start/end (absolute cfb_now() seconds) and worker slot,
 * for drivers that run no engine wrapper. */
void cfb_rep_mark(cfb_rep *rep, size_t i, double start, double end, int worker);

/* Say why the repetition failed (printf-style, first call wins). */
void cfb_rep_fail(cfb_rep *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic seconds (CLOCK_MONOTONIC: comparable across forked processes). */
double cfb_now(void);

/* ---- observed runs (runners/taskrun.h: cfb_run_tasks) ---------------------
 * The same modes run a task list for a caller that watches each task finish
 * (`cfbench flags`, `primes`, `loiter`): the engine prepares the case as for
 * a sweep (the same wrapper, records, worker setup), runs ONE unmeasured
 * repetition, and tells the observer of every cfb_rep_take — on the thread
 * that called mode->run, which is the caller's. In a sweep there is no
 * observer and the four calls below cost a pointer test. What a mode owes an
 * observed run:
 *   - take each task as soon as it is done (completion order), not in input
 *     order (cfb_rep_observed);
 *   - never block longer than cfb_rep_poll_s() without looking at
 *     cfb_rep_stopping(); once it is true, start nothing more, cancel what
 *     has not started, let what runs finish (or end it, as the async
 *     driver's close does), and take every task that never ran as a
 *     cancelled future (cfb_rep_take_cancelled): one take per task, always. */
typedef struct cfb_rep_observer {
    /* In cfb_rep_take, before the engine drops f (done; borrowed): outcome is
     * the workload's classify() ("ok" without one) or "error"; wrong is the
     * check's reason when the value is a wrong answer, else NULL. */
    void (*on_take)(void *ctx, const cfb_rep *rep, size_t i, cf_future *f, const char *outcome,
                    const char *wrong);
    void *ctx;
    const atomic_int *stop; /* NULL: runs to the end; non-zero: stop (set from anywhere) */
} cfb_rep_observer;

#define CFB_REP_POLL_S 0.05 /* how often a stoppable run looks at its stop flag */

bool cfb_rep_observed(const cfb_rep *rep);
bool cfb_rep_stopping(const cfb_rep *rep);
double cfb_rep_poll_s(const cfb_rep *rep); /* CF_FOREVER when the run cannot be stopped */
/* Task i's start/end (cfb_now() seconds) and worker slot as recorded; false
 * (NaN, NaN, -1) when not recorded (it never ran). Read only after i is done. */
bool cfb_rep_times(const cfb_rep *rep, size_t i, double *start, double *end, int *worker);
/* Take task i as never run: a new future, cancelled, handed over. 0 or CF_E*. */
int cfb_rep_take_cancelled(cfb_rep *rep, size_t i);

/* One unmeasured repetition of w in mode m, observed (sweep.c; called by
 * taskrun.c, which checks the arguments). tl: the tasks (copied), or NULL
 * for the workload's run_setup + make_tasks from p. 0; CF_EINVAL when the
 * case cannot be prepared, CF_EBROKEN when the mode failed (reason in err). */
int cfb_rep_run_observed(const cfb_workload *w, const cfb_params *p, const cfb_mode *m, int workers,
                         const cfb_impl *impl, const cfb_tasklist *tl, const cfb_rep_observer *obs,
                         char *err, size_t errlen);

/* Run one repetition's tasks in a pool, with at most `window` futures in
 * flight (0 = all): the body of the thread and process modes, exported
 * for modes that want the same loop. */
int cfb_rep_run_pool(cfb_rep *rep, int (*make)(const cf_executor_opts *, cf_executor **),
                     size_t window);

#endif
