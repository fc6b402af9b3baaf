/*
 * cfbench_workload.h — the public, versioned workload interface of cfbench.
 *
 * Everything a workload author needs, and nothing internal: typed
 * parameters and their getters, the task list, the event-loop driver of
 * async mode, the Python reference codec, and `cfb_workload` itself. The
 * built-in workloads (workloads/NAME.c) and plugins (shared objects loaded by
 * `cfbench run --plugin PATH`) are written against this header alone; the
 * engine, the Python reference runner and the CLI learn everything they need
 * about a workload through it, so no file outside a workload names one.
 * Guide: docs/writing-workloads.md.
 *
 * A workload is a name, typed parameters with defaults, a way to make the
 * task list of one case, and a task function (bytes in, bytes out:
 * cf_task_fn, cfutures.h) that runs unchanged in every mode: `seq` (a plain
 * loop), `thread` and `process` (cfutures executors; in a child process the
 * plugin's code is already mapped, it was forked), `async` and `hybrid` (the
 * event loop, through the optional driver, or inline on the loop thread when
 * there is none — which blocks the loop, and the results show that), `mpi`
 * (every rank runs cfbench with the same --plugin options).
 *
 * Per-worker state (a curl handle, a buffer, …): worker_setup runs inside
 * the worker — in the worker thread, or in the child process after fork —
 * and keeps its state in a _Thread_local variable of the workload's own
 * file; the task function reads it there. worker_teardown runs in the same
 * worker at exit. Params travel to the task inside each task's argument
 * bytes (make_tasks encodes what the task needs), so nothing depends on
 * shared memory.
 *
 * Threads: make_tasks, run_setup/run_teardown, check_params, check, the
 * reference codec and plugin registration run on cfbench's main thread;
 * task, classify, result_bytes and metric may run on any worker thread at
 * once (they must be reentrant); the async driver runs on the loop thread.
 *
 * Ownership: every `const` pointer a workload hands cfbench (the struct,
 * its strings, params, driver, codec, defaults) is borrowed and must stay
 * valid while cfbench runs — static storage in practice; a plugin is never
 * unloaded before exit. Every pointer cfbench hands a workload is borrowed
 * for the duration of the call unless said otherwise.
 *
 * ABI: CFB_WORKLOAD_ABI_VERSION is raised on every incompatible change of
 * this header (a struct's layout, a function's signature or meaning). A
 * plugin records the version it was built against (CFB_PLUGIN below) and
 * cfbench refuses a plugin of another version before calling any of its
 * code. Status codes are cfutures' negative CF_E* values.
 */
#ifndef CFBENCH_WORKLOAD_H
#define CFBENCH_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cfutures.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CFB_WORKLOAD_ABI_VERSION 1

#if defined(__GNUC__)
#define CFB_PUBLIC __attribute__((visibility("default")))
#else
#define CFB_PUBLIC
#endif

struct cf_loop; /* cf_loop.h: the event loop (async mode) */

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
 * in, then the user's -p NAME.KEY=VALUE). Opaque; made and freed by cfbench. */
typedef struct cfb_params cfb_params;

/* Getters: 0 / 0.0 / "" / false for a name the workload does not declare
 * (a programming error; never for a declared name). cfb_params_str's
 * string is borrowed from p. */
CFB_PUBLIC long long cfb_params_int(const cfb_params *p, const char *name);
CFB_PUBLIC double cfb_params_double(const cfb_params *p, const char *name);
CFB_PUBLIC const char *cfb_params_str(const cfb_params *p, const char *name);
CFB_PUBLIC bool cfb_params_bool(const cfb_params *p, const char *name);

/* Set name to text (copied) after parsing and validating it by the
 * definition: INT (decimal, whole string), DOUBLE (finite), BOOL
 * (true/false/1/0/yes/no/on/off), bounds, choices. 0; CF_EINVAL with a
 * one-line reason in err ("unknown parameter 'x'", "n: 'abc' is not an
 * integer", …); CF_ENOMEM. Workloads may call it from run_setup. */
CFB_PUBLIC int cfb_params_set(cfb_params *p, const char *name, const char *text, char *err,
                              size_t errlen);

/* Iterate in definition order: name and current value as text (borrowed). */
CFB_PUBLIC bool cfb_params_has(const cfb_params *p, const char *name);
CFB_PUBLIC size_t cfb_params_count(const cfb_params *p);
CFB_PUBLIC const char *cfb_params_name_at(const cfb_params *p, size_t i);
CFB_PUBLIC const char *cfb_params_text_at(const cfb_params *p, size_t i);

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

/* Append a copy of arg (len bytes; arg may be NULL when len is 0) with a
 * copy of label (may be NULL). The list owns both copies. 0, CF_EINVAL or
 * CF_ENOMEM. */
CFB_PUBLIC int cfb_tasklist_add(cfb_tasklist *tl, const void *arg, size_t len, const char *label);
/* Free every task; tl itself is the caller's (it is left empty). */
CFB_PUBLIC void cfb_tasklist_free(cfb_tasklist *tl);

/* ---- the event-loop driver (modes async, hybrid) --------------------------- */

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

/* ---- the Python reference codec (--reference python) ---------------------- */

/* `cfbench run --reference python` runs the same tasks through Python's
 * concurrent.futures (runners/reference_python.py, which has a Python twin
 * of each workload it knows). The codec describes a C task list to it in a
 * neutral form, and turns the Python answers back into the C task's value
 * bytes for the workload's own check(). A workload without a codec has no
 * Python reference (`--reference python -w it` is a usage error). */

/* A writer of the workload's plan entry, a JSON-like object: keyed values
 * and arrays of values. Inside an array pass key NULL; at the top level a
 * key is required ("name" and "params" are written by cfbench). Errors are
 * sticky: after one, every call returns it and cfbench reports the entry
 * as unreadable. 0, CF_EINVAL (a key where none belongs, an end without a
 * begin) or CF_ENOMEM. Borrowed for the call of write_tasks. */
typedef struct cfb_refw cfb_refw;
CFB_PUBLIC int cfb_refw_int(cfb_refw *w, const char *key, long long v);
CFB_PUBLIC int cfb_refw_double(cfb_refw *w, const char *key, double v);
CFB_PUBLIC int cfb_refw_string(cfb_refw *w, const char *key, const char *s); /* copied */
CFB_PUBLIC int cfb_refw_bool(cfb_refw *w, const char *key, bool v);
CFB_PUBLIC int cfb_refw_array_begin(cfb_refw *w, const char *key);
CFB_PUBLIC int cfb_refw_array_end(cfb_refw *w);

/* A read-only view of one value the Python run returned (borrowed for the
 * call of read_value). Getters of the wrong kind return 0 / 0.0 / NULL /
 * false; cfb_refv_at is NULL past the end or on a non-array. */
typedef struct cfb_refv cfb_refv;
typedef enum cfb_refv_kind {
    CFB_REFV_NULL,
    CFB_REFV_BOOL,
    CFB_REFV_INT,
    CFB_REFV_DOUBLE,
    CFB_REFV_STRING,
    CFB_REFV_ARRAY,
    CFB_REFV_OTHER, /* an object */
} cfb_refv_kind;
CFB_PUBLIC cfb_refv_kind cfb_refv_kind_of(const cfb_refv *v);
CFB_PUBLIC long long cfb_refv_int(const cfb_refv *v);
CFB_PUBLIC double cfb_refv_double(const cfb_refv *v); /* an INT converts */
CFB_PUBLIC bool cfb_refv_bool(const cfb_refv *v);
CFB_PUBLIC const char *cfb_refv_string(const cfb_refv *v);
CFB_PUBLIC size_t cfb_refv_len(const cfb_refv *v); /* array length; 0 otherwise */
CFB_PUBLIC const cfb_refv *cfb_refv_at(const cfb_refv *v, size_t i);

typedef struct cfb_reference_codec {
    /* Describe the case's tasks (tl, made by make_tasks from p) for the
     * Python twin, e.g. primes writes "numbers": [n, …]. 0, or a negative
     * CF_E* code with a one-line reason in err. */
    int (*write_tasks)(const cfb_params *p, const cfb_tasklist *tl, cfb_refw *w, char *err,
                       size_t errlen);
    /* Optional: turn one Python answer v into the C task's value bytes in
     * buf (cap bytes; *len set) for check(). 0, or -1 when v has no C form
     * (counted as a wrong answer). NULL: the Python answers are not checked. */
    int (*read_value)(const cfb_params *p, const cfb_refv *v, void *buf, size_t cap, size_t *len);
} cfb_reference_codec;

/* ---- the workload ---------------------------------------------------------- */

/* What bounds a workload's speed: what its tasks mostly do. It picks the
 * worker counts a sweep tries when the user gives none, and how the
 * findings read the results. The zero value is CPU-bound. */
typedef enum cfb_bound {
    CFB_BOUND_CPU = 0, /* computes: more workers than CPUs cannot help (primes, noop) */
    CFB_BOUND_IO = 1, /* waits (sleeps, network): far more workers than CPUs help (loiter, flags) */
} cfb_bound;

typedef struct cfb_workload {
    const char *name;        /* required: [a-z0-9_-]+, unique among loaded workloads */
    const char *description; /* one line */
    cfb_bound bound;         /* CPU- or I/O-bound (above); 0 = CPU-bound */
    const cfb_param_def *params;
    size_t nparams;

    /* Optional, in the parent before a case's tasks are made (e.g. start an
     * embedded server and put its URL into a parameter, make the output
     * directory). *run_state is passed to run_teardown. */
    int (*run_setup)(cfb_params *p, void **run_state, char *err, size_t errlen);
    void (*run_teardown)(void *run_state);

    /* Required: make the task list of one case into tl (empty on entry).
     * 0, or a negative CF_E* code with a one-line reason in err. */
    int (*make_tasks)(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen);

    /* Required: one task (bytes in, bytes out: cf_out_alloc / cf_out_error). */
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
     * (type, bounds, choices) — everything make_tasks and run_setup would
     * reject for the value alone. Called for every selected workload
     * before the sweep starts, so a bad value is a usage error (exit 2).
     * 0; or CF_EINVAL with *param set to the offending parameter's name (a
     * static string or the definition's name) and a one-line reason in
     * err. Pure: no server, no files. */
    int (*check_params)(const cfb_params *p, const char **param, char *err, size_t errlen);

    /* Optional: the workload's own measurement, read from a task's value
     * (NaN when that task carries none). The engine records, per
     * repetition, the largest value over its tasks as `metric`, and the
     * statistics over the repetitions, named by metric_name (static). */
    double (*metric)(const void *res, size_t len);
    const char *metric_name;

    /* true: left out of the default sweep (`cfbench run` without
     * --workload); run it with -w NAME. */
    bool opt_in;

    /* Optional: the default sweep's values of this workload's parameters,
     * NULL-terminated "KEY=VALUE" texts (no workload prefix), applied by
     * `cfbench run` before the user's --param (which wins) and recorded like
     * them: sized so the default sweep stays short and each workload tells
     * its story (e.g. loiter: "tasks=20", "unit=0.005"). NULL = its
     * parameters' own defaults. */
    const char *const *sweep_defaults;

    /* Optional: the Python reference codec (above); NULL = no Python reference. */
    const cfb_reference_codec *reference;
} cfb_workload;

/* ---- the registry ------------------------------------------------------------ */

/* Every loaded workload in listing order (built-ins, then plugins in load
 * order), NULL-terminated; *n (may be NULL) gets the count. Borrowed. */
CFB_PUBLIC const cfb_workload *const *cfb_workloads_all(size_t *n);
/* The workload called name, or NULL. */
CFB_PUBLIC const cfb_workload *cfb_workload_find(const char *name);

/* ---- plugins ------------------------------------------------------------------- */

/* A plugin is a shared object that defines, with CFB_PLUGIN(init):
 *   const int cfb_plugin_abi = CFB_WORKLOAD_ABI_VERSION;   (read first)
 *   int cfb_plugin_init(const cfb_plugin_host *host);      (called next)
 * cfbench dlopens it (RTLD_NOW | RTLD_LOCAL), reads cfb_plugin_abi, refuses
 * another version without calling anything, then calls cfb_plugin_init
 * once on the main thread; init registers its workloads through the host
 * (one or several) and returns 0, or a negative CF_E* code with a one-line
 * reason written with host->fail(). A workload that fails validation (no
 * name, no task or make_tasks, a bad param default) or whose name is taken
 * is refused: register_workload returns CF_EINVAL / CF_ESTATE, and cfbench
 * exits 2 naming the plugin, before any work. The host is borrowed for the
 * call of init; the registered structs must stay valid (static). */
typedef struct cfb_plugin_host {
    int abi; /* CFB_WORKLOAD_ABI_VERSION of cfbench */
    void *ctx;
    int (*register_workload)(const struct cfb_plugin_host *host, const cfb_workload *w);
    /* Record init's one-line reason for failing (printf-style). */
    void (*fail)(const struct cfb_plugin_host *host, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 2, 3)))
#endif
        ;
} cfb_plugin_host;

#define CFB_PLUGIN_ABI_SYMBOL "cfb_plugin_abi"
#define CFB_PLUGIN_INIT_SYMBOL "cfb_plugin_init"
typedef int (*cfb_plugin_init_fn)(const cfb_plugin_host *host);

/* In one source file of a plugin: CFB_PLUGIN(my_init) with
 * static int my_init(const cfb_plugin_host *h) { return h->register_workload(h, &w); } */
#define CFB_PLUGIN(init)                                                                           \
    CFB_PUBLIC extern const int cfb_plugin_abi;                                                    \
    CFB_PUBLIC const int cfb_plugin_abi = CFB_WORKLOAD_ABI_VERSION;                                \
    CFB_PUBLIC int cfb_plugin_init(const cfb_plugin_host *host);                                   \
    CFB_PUBLIC int cfb_plugin_init(const cfb_plugin_host *host) {                                  \
        return init(host);                                                                         \
    }

#ifdef __cplusplus
}
#endif

#endif
