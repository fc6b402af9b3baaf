/*
 * workload.h — the one interface every cfbench workload implements.
 *
 * A workload is a name, typed parameters with defaults, a way to make the
 * task list of one case, and a task function (bytes in, bytes out) that runs
 * unchanged in every mode: `seq` (a plain loop), `thread` and `process`
 * (cfutures executors), and `async` (the event loop, through the optional
 * driver, or inline on the loop thread when there is none — which blocks the
 * loop, and the results must show that).
 *
 * Workloads include only core (cfutures.h, cf_loop.h). They know nothing of
 * runners or results.
 *
 * Per-worker state (a curl handle, …): worker_setup runs inside the worker —
 * in the worker thread, or in the child process after fork — and keeps its
 * state in a _Thread_local variable of the workload's own file; the task
 * function reads it there. worker_teardown runs in the same worker at exit.
 *
 * Params travel to the task inside each task's argument bytes (make_tasks
 * encodes what the task needs), so nothing depends on shared memory.
 */
#ifndef CFB_WORKLOAD_H
#define CFB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cfutures.h"

struct cf_loop; /* core/include/cf_loop.h: the event loop (async mode) */

/* ---- parameters --------------------------------------------------------- */

typedef enum cfb_ptype { CFB_P_INT, CFB_P_DOUBLE, CFB_P_STRING, CFB_P_BOOL } cfb_ptype;

typedef struct cfb_param_def {
    const char *name;
    cfb_ptype type;
    const char *defval;         /* default, as text (parsed like user input) */
    const char *help;           /* one line for `cfbench list` */
    double min, max;            /* INT/DOUBLE bounds, inclusive; min > max = unbounded */
    const char *const *choices; /* STRING: NULL-terminated allowed values, or NULL = any */
} cfb_param_def;

/* The resolved values of every parameter of one workload (defaults filled
 * in). Opaque; made by the runner (workloads/params.c). */
typedef struct cfb_params cfb_params;

long long cfb_params_int(const cfb_params *p, const char *name);
double cfb_params_double(const cfb_params *p, const char *name);
const char *cfb_params_str(const cfb_params *p, const char *name); /* borrowed */
bool cfb_params_bool(const cfb_params *p, const char *name);
/* The getters above return 0 / 0.0 / "" / false for a name the workload
 * does not declare (a programming error; never for a declared name). */

/* Runner side (workloads/params.c). */

/* New params for the given definitions (borrowed: must outlive p), every
 * value at its default. *out is owned by the caller (cfb_params_free).
 * 0; CF_ENOMEM; CF_EINVAL when a default does not validate (reason in err). */
int cfb_params_new(const cfb_param_def *defs, size_t ndefs, cfb_params **out, char *err,
                   size_t errlen);
void cfb_params_free(cfb_params *p); /* NULL is fine */
/* A deep copy (*out owned by the caller). 0 or CF_ENOMEM. */
int cfb_params_copy(const cfb_params *p, cfb_params **out);

/* Set name to text (copied) after parsing and validating it by the
 * definition: INT (decimal, whole string), DOUBLE (finite), BOOL
 * (true/false/1/0/yes/no/on/off), bounds, choices. 0; CF_EINVAL with a
 * one-line reason in err ("unknown parameter 'x'", "n: 'abc' is not an
 * integer", "n: 0 is below the minimum 1", "set: 'x' is not one of a, b");
 * CF_ENOMEM. Workloads may call it from run_setup. */
int cfb_params_set(cfb_params *p, const char *name, const char *text, char *err, size_t errlen);
/* Validate text for one definition without storing it. 0 or CF_EINVAL. */
int cfb_param_check(const cfb_param_def *d, const char *text, char *err, size_t errlen);

bool cfb_params_has(const cfb_params *p, const char *name);
/* Iterate in definition order: name and current value as text (borrowed). */
size_t cfb_params_count(const cfb_params *p);
const char *cfb_params_name_at(const cfb_params *p, size_t i);
const char *cfb_params_text_at(const cfb_params *p, size_t i);

/* ---- tasks -------------------------------------------------------------- */

typedef struct cfb_task {
    void *arg; /* owned by the list (malloc'd) */
    size_t len;
    char *label; /* owned; short name for timelines and verbose output ("BR", "n=7") */
} cfb_task;

typedef struct cfb_tasklist {
    cfb_task *tasks;
    size_t n, cap;
} cfb_tasklist;

/* Append a copy of arg (len bytes) with a copy of label (may be NULL).
 * 0 or CF_ENOMEM. */
int cfb_tasklist_add(cfb_tasklist *tl, const void *arg, size_t len, const char *label);
void cfb_tasklist_free(cfb_tasklist *tl); /* frees every task; tl itself is the caller's */

/* ---- the event-loop driver (mode "async") --------------------------------- */

typedef struct cfb_async_driver {
    /* On the loop thread, before the first task: make the driver's state
     * (e.g. a curl multi handle) for at most max_inflight operations. */
    int (*open)(struct cf_loop *loop, const cfb_params *p, int max_inflight, void **state);
    /* Start one task's operation; the driver later resolves fut with
     * cf_future_set_result / cf_future_set_error from the loop thread.
     * fut is borrowed (the caller keeps its reference until it is done). */
    int (*start)(void *state, const void *arg, size_t len, cf_future *fut);
    void (*close)(void *state);
} cfb_async_driver;

/* ---- the workload ---------------------------------------------------------- */

/* What bounds a workload's speed: what its tasks mostly do. It picks the
 * worker counts a sweep tries when the user gives none (runners/sweep.h,
 * cfb_worker_ladder) and how the findings read the results
 * (results/findings.h). The zero value is CPU-bound: the ladder that stops
 * at 2 x the CPUs, which is right for anything that computes and cheap for
 * anything else. */
typedef enum cfb_bound {
    CFB_BOUND_CPU = 0, /* computes: more workers than CPUs cannot help (primes, noop) */
    CFB_BOUND_IO = 1, /* waits (sleeps, network): far more workers than CPUs help (loiter, flags) */
} cfb_bound;

typedef struct cfb_workload {
    const char *name;
    const char *description; /* one line */
    cfb_bound bound;         /* CPU- or I/O-bound (above); 0 = CPU-bound */
    const cfb_param_def *params;
    size_t nparams;

    /* Optional, in the parent before a case's tasks are made (e.g. start the
     * embedded flag server and put its URL into a parameter, make the output
     * directory). *run_state is passed to run_teardown. */
    int (*run_setup)(cfb_params *p, void **run_state, char *err, size_t errlen);
    void (*run_teardown)(void *run_state);

    /* Make the task list of one case into tl (empty on entry). 0, or a
     * negative CF_E* code with a one-line reason in err. */
    int (*make_tasks)(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen);

    cf_task_fn task;

    /* Optional, inside each worker (thread, child process, the seq loop, the
     * loop thread). p is valid in the worker (a forked copy in a child). */
    int (*worker_setup)(const cfb_params *p);
    void (*worker_teardown)(void);

    /* Optional: check task i's value against the known answer. 0 = right;
     * -1 = wrong, with a reason in why. */
    int (*check)(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                 size_t whylen);

    /* Optional: the outcome category of a successful task ("ok",
     * "not_found", …; static string). NULL function = always "ok". A failed
     * future counts as "error". */
    const char *(*classify)(const void *res, size_t len);

    /* Optional: payload bytes a successful task moved (downloads). */
    uint64_t (*result_bytes)(const void *res, size_t len);

    /* Optional: the event-loop driver; NULL = in async mode the runner calls
     * `task` inline on the loop thread, one after another (it blocks the loop). */
    const cfb_async_driver *async;

    /* Optional: check the resolved values beyond what a definition says
     * (type, bounds, choices) — the syntax of a list or range inside a
     * string, lengths — everything make_tasks and run_setup would reject
     * for the value alone. The runner calls it for every selected workload
     * before the sweep starts, so a bad value is a usage error (exit 2)
     * instead of a failed case mid-sweep. 0; or CF_EINVAL with *param set
     * to the offending parameter's name (a static string or the
     * definition's name) and a one-line reason in err ("numbers: 'abc' is
     * not …"). Pure: no server, no files. */
    int (*check_params)(const cfb_params *p, const char **param, char *err, size_t errlen);

    /* Optional: the workload's own measurement, read from a task's value
     * (NaN when that task carries none), e.g. the spinner's largest gap
     * between ticks. The engine records, per repetition, the largest value
     * over its tasks as `metric` (null when none had one), and the
     * statistics over the repetitions as summary.metric, named by
     * metric_name (a static string such as "largest_gap_s"; the case's
     * `metric_name`). */
    double (*metric)(const void *res, size_t len);
    const char *metric_name;

    /* true: left out of the default sweep (`cfbench run` without
     * --workload); run it with -w NAME. For experiments whose tasks do not
     * scale with workers (the spinner's two tasks). */
    bool opt_in;
} cfb_workload;

/* The registry (workloads/registry.c): every workload, in listing order. */
const cfb_workload *const *cfb_workloads_all(size_t *n);
const cfb_workload *cfb_workload_find(const char *name); /* NULL if unknown */

#endif
