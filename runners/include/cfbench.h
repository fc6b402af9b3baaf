/*
 * cfbench.h — the cfbench engine as a library (issue 12 item 1): a plan
 * (workloads × modes × workers × params × impls × repetitions) → a run →
 * the results, with reporters as the observers of a run. The `cfbench run`
 * command (cli/cmd_run.c) is one client: parse → plan → cfb_run with the
 * progress and JSON reporters → map the status to an exit code. Exit codes
 * exist only in the CLI; the engine speaks CF_E* (cfutures.h) and CFB_E*
 * statuses (below), and a run's outcome (cfb_outcome) is a value of its
 * results. Using it from C: docs/engine-api.md.
 *
 * Threads: every function here is for one thread at a time per object; a
 * run calls its reporters on the thread that called cfb_run, never
 * concurrently. cfb_stop_request is the exception: any thread or a signal
 * handler. Two runs may follow each other in one process (no state is
 * left behind); two runs at once in one process are not supported (the
 * emulated GIL and the workloads' per-worker state are per process).
 *
 * Ownership: every cfb_*_new has its cfb_*_free (NULL is accepted); strings
 * passed in are copied unless said otherwise; strings and documents handed
 * out are borrowed from the object that gave them, valid until it is freed
 * (or, inside a reporter callback, until the callback returns).
 */
#ifndef CFBENCH_H
#define CFBENCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cfutures.h"
/* the typed results model and its one JSON codec (results/include/cfbench_results.h) */
#include "cfbench_results.h"
/* the public workload interface (ABI-versioned) */
#include "cfbench_workload.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- statuses --------------------------------------------------------------
 * Functions return 0 or a negative status: a CF_E* code of cfutures.h
 * (CF_EINVAL: a bad plan or argument; CF_ENOMEM) or one of the engine's
 * own below. cfb_strerror() names both. */
enum {
    CFB_EREPORTER = -64, /* a reporter refused to go on (e.g. the results file
                            cannot be written); its reason in err */
};

/* The outcome of a run that happened (cfb_run_result_outcome), worst first
 * when several apply: interrupted, a case failed, wrong answers. Tasks that
 * fail are measurements (tasks_failed), not a failed run. */
typedef enum cfb_outcome {
    CFB_RUN_COMPLETE = 0,    /* every case ran and every check passed */
    CFB_RUN_WRONG = 1,       /* a check failed (a wrong answer) in some case */
    CFB_RUN_CASE_FAILED = 2, /* a case could not run (its error is in the results) */
    CFB_RUN_INTERRUPTED = 3, /* the stop token was set: the finished cases are kept */
} cfb_outcome;

/* A static string for a status (CF_E* or CFB_E*) or, for 0 < st <= 3, an
 * outcome. Never NULL. */
const char *cfb_strerror(int st);
const char *cfb_outcome_name(cfb_outcome o);

/* ---- the plan ---------------------------------------------------------------
 * What to run. Names are checked when added (CF_EINVAL, the one-line reason
 * in cfb_plan_error); parameter values when the plan is checked (or run). */
typedef struct cfb_plan cfb_plan;

cfb_plan *cfb_plan_new(void); /* NULL when out of memory */
void cfb_plan_free(cfb_plan *plan);

/* The reason of the last failed call on plan ("" when none): borrowed. */
const char *cfb_plan_error(const cfb_plan *plan);

/* Add a workload (cfb_workload_find), a mode (seq, thread, process, async,
 * hybrid, mpi), an impl (c, c+gil). A name already in the plan is ignored
 * (0). 0, or CF_EINVAL (unknown name) / CF_ENOMEM. */
int cfb_plan_add_workload(cfb_plan *plan, const char *name);
int cfb_plan_add_mode(cfb_plan *plan, const char *name);
int cfb_plan_add_impl(cfb_plan *plan, const char *name);
/* Worker counts (1..1024) for every parallel mode; kept sorted, distinct.
 * With none the plan uses the ladders (each workload its ladder by kind
 * and mode, docs/cli.md). CF_EINVAL when out of range. */
int cfb_plan_add_workers(cfb_plan *plan, int workers);
/* The CPUs the ladders are sized for (0, the default: the CPUs this process
 * may use). */
int cfb_plan_set_ladder_cpus(cfb_plan *plan, int ncpu);

/* Measured repetitions per case (>= 1, default 1) and unmeasured warm-ups
 * before them (>= 0, default 0). CF_EINVAL when out of range. */
int cfb_plan_set_repeat(cfb_plan *plan, int repeat);
int cfb_plan_set_warmup(cfb_plan *plan, int warmup);
/* Shuffle the repetitions of all cases (seeded; default off, seed 1). */
void cfb_plan_set_interleave(cfb_plan *plan, bool on);
void cfb_plan_set_seed(cfb_plan *plan, unsigned long long seed);
/* false: no per-task records, rusage or perf counters (default true). */
void cfb_plan_set_measure(cfb_plan *plan, bool on);
/* true: every task goes through the engine's task wrapper, also on cases
 * above 10 000 tasks where only a sample is timed (default false; for
 * knobs that act in the wrapper, e.g. an injected slowdown). */
void cfb_plan_set_wrap_every_task(cfb_plan *plan, bool on);
/* The switch interval of impl c+gil in seconds (1e-6..10; default 0.005,
 * CPython's). CF_EINVAL when out of range. */
int cfb_plan_set_gil_interval(cfb_plan *plan, double seconds);
double cfb_plan_gil_interval(const cfb_plan *plan);

/* A parameter: "W.K" (workload W only) or "K" (every selected workload
 * that has it), value V — one value, or a scan (docs/scans.md: "1,2,4",
 * "1..64:x2", …). Applied in order, a later one wins. Checked by
 * cfb_plan_check. 0, or CF_EINVAL (empty key) / CF_ENOMEM. */
int cfb_plan_set_param(cfb_plan *plan, const char *key, const char *value);
/* The same with the workload apart (NULL: every workload that has key).
 * quiet: a default — no error when no selected workload has key. */
int cfb_plan_set_param_for(cfb_plan *plan, const char *workload, const char *key, const char *value,
                           bool quiet);
/* The command line recorded in config.argv (copied). */
int cfb_plan_set_argv(cfb_plan *plan, int argc, char *const *argv);

/* Hooks for the CLI's extras (all optional, NULL to clear):
 *   config_extra: keys merged into the document's `config` (a reference is
 *     taken: json_incref);
 *   doc_extra: keys that join the document's top level at every snapshot
 *     (borrowed: may change during the run, e.g. `mpi`; must outlive it);
 *   extra_cases: called once per workload after the repetitions of its
 *     first case, while it is prepared; returns a new array of extra cases
 *     (e.g. the Python reference) or NULL;
 *   before_work: called once after the reporters' run_start and before any
 *     work; returns a new object whose keys join `host` (e.g. the floors). */
int cfb_plan_set_config_extra(cfb_plan *plan, json_t *config_extra);
void cfb_plan_set_doc_extra(cfb_plan *plan, json_t *doc_extra);
void cfb_plan_set_extra_cases(cfb_plan *plan,
                              json_t *(*fn)(void *ctx, const cfb_workload *w, const cfb_params *p,
                                            const cfb_tasklist *tl),
                              void *ctx);
void cfb_plan_set_before_work(cfb_plan *plan, json_t *(*fn)(void *ctx), void *ctx);

/* Check the plan as cfb_run would before any work: something selected of
 * each kind, known workloads and keys in the params, valid values and
 * scans, the case count. 0, or CF_EINVAL with a one-line reason in err
 * (errlen bytes, may be 0). */
int cfb_plan_check(const cfb_plan *plan, char *err, size_t errlen);

/* ---- results ------------------------------------------------------------------
 * What a run hands back: the typed results document of
 * docs/results-schema.md (cfb_results, results/include/cfbench_results.h: cases,
 * repetitions, the seq reference, speedup and efficiency defined once) and
 * the run's outcome. Inside a reporter callback a `partial` run result
 * describes the run so far (complete false); it is borrowed and valid only
 * during the callback. */
typedef struct cfb_run_result cfb_run_result;

/* The typed document (borrowed from r; built on first use for a partial
 * view). NULL only when out of memory. As JSON: cfb_results_encode (the
 * model's one codec; the JSON reporter writes it with cfb_results_write). */
const cfb_results *cfb_run_result_results(const cfb_run_result *r);
void cfb_run_result_free(cfb_run_result *r); /* NULL is fine */
cfb_outcome cfb_run_result_outcome(const cfb_run_result *r);
bool cfb_run_result_complete(const cfb_run_result *r);    /* every case ran, not interrupted */
bool cfb_run_result_interrupted(const cfb_run_result *r); /* the stop token ended the run */
size_t cfb_run_result_ncases(const cfb_run_result *r);    /* cases of the plan */
size_t cfb_run_result_cases_done(const cfb_run_result *r);
size_t cfb_run_result_cases_failed(const cfb_run_result *r);
/* Wrong answers over every case's repetitions; a workload's extra cases
 * (the Python reference) that had any count 1. */
long long cfb_run_result_wrong_answers(const cfb_run_result *r);
/* Median wall time in seconds of the measured repetitions of case i (plan
 * order, 0..ncases-1), with its id (borrowed) when id is not NULL; NAN
 * when none ran. No document is built. */
double cfb_run_result_case_wall(const cfb_run_result *r, size_t i, const char **id);

/* ---- cancellation ---------------------------------------------------------------
 * A stop token the caller owns: cfb_stop_request asks the run to stop after
 * the current repetition (async-signal-safe, any thread); the run then ends
 * with outcome CFB_RUN_INTERRUPTED and the finished cases kept. A token
 * stays set until cfb_stop_reset. */
typedef struct cfb_stop cfb_stop;

cfb_stop *cfb_stop_new(void);
void cfb_stop_free(cfb_stop *s);
void cfb_stop_request(cfb_stop *s);
bool cfb_stop_requested(const cfb_stop *s);
void cfb_stop_reset(cfb_stop *s);

/* ---- reporters ------------------------------------------------------------------
 * The observers of a run, called in the order they are given, on the
 * thread of cfb_run. Every callback may be NULL. One that returns int may
 * refuse (nonzero, with a one-line reason in err): the run stops and
 * cfb_run returns CFB_EREPORTER (for run_start: before any work). */
typedef struct cfb_run_info {
    size_t ncases;
    size_t nunits; /* repetitions to run, warm-ups included */
    int repeat, warmup;
} cfb_run_info;

typedef struct cfb_case_event {
    const char *id; /* e.g. "noop/thread/w2" */
    size_t index;   /* the case's index in plan order */
    int rep;        /* rep_done: measured repetition index, -1 for a warm-up */
    double wall_s;  /* rep_done: its wall time (NAN when it failed) */
    /* case_done: */
    const char *error;         /* why the case failed, or NULL */
    int reps_done;             /* measured repetitions that ran */
    double median_wall_s;      /* NAN when none */
    long long wrong;           /* wrong answers over its repetitions */
    const char *first_problem; /* the first wrong answer, or NULL */
} cfb_case_event;

typedef struct cfb_reporter {
    void *user;
    int (*run_start)(void *user, const cfb_run_info *info, const cfb_run_result *partial, char *err,
                     size_t errlen);
    void (*case_start)(void *user, const cfb_case_event *ev);
    void (*rep_done)(void *user, const cfb_case_event *ev);
    int (*case_done)(void *user, const cfb_case_event *ev, const cfb_run_result *partial, char *err,
                     size_t errlen);
    /* a noise-guard warning (load, steal, governor, build, outliers): text
     * without the "cfbench: warning: " prefix; it is also recorded in the
     * results' noise.warnings */
    void (*warning)(void *user, const char *text);
    int (*run_done)(void *user, const cfb_run_result *results, char *err, size_t errlen);
    void (*free)(void *user); /* called by cfb_reporter_free */
} cfb_reporter;

/* The built-in reporters (heap-allocated; cfb_reporter_free calls ->free
 * and frees the struct):
 *   progress: on stderr, a bar (CFB_PROGRESS_BAR), a line per finished case
 *     (LINES) or nothing (QUIET) — except failed cases, wrong answers and
 *     an interruption, printed in every style;
 *   json: the results document written atomically to path (copied) at
 *     run_start (empty: an unwritable path fails before any work), after
 *     every finished case and at run_done; path "-": stdout, the final
 *     document only. */
enum { CFB_PROGRESS_QUIET = 0, CFB_PROGRESS_LINES = 1, CFB_PROGRESS_BAR = 2 };
cfb_reporter *cfb_reporter_progress_new(int style);
cfb_reporter *cfb_reporter_json_new(const char *path);
void cfb_reporter_free(cfb_reporter *r);

/* ---- the run ------------------------------------------------------------------------
 * Run plan (borrowed; not changed) with reporters[0..nreporters) (borrowed;
 * none: the results in memory only), stop (NULL: none). On return 0, *out
 * (when out is not NULL) is a new results object the caller frees: the run
 * happened (its outcome says how it went). Otherwise *out is NULL and the
 * status is CF_EINVAL (the plan is bad), CF_ENOMEM or CFB_EREPORTER, with a
 * one-line reason in err. */
int cfb_run(const cfb_plan *plan, const cfb_reporter *const *reporters, size_t nreporters,
            cfb_stop *stop, cfb_run_result **out, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif
