/*
 * reference.h — `cfbench run --reference python`: the same sweep through
 * Python's own concurrent.futures (runners/reference_python.py), merged into
 * the results JSON as impl "python" cases.
 *
 * The script is embedded into the cfbench binary at build time
 * (runners/embed.cmake makes a C string of it), so an installed cfbench needs
 * nothing but a python3. At run time it is written with the plan into a
 * private temporary directory and run as `python3 DIR/reference_python.py
 * DIR/plan.json`; env CFB_REFERENCE_SCRIPT names another script file to run
 * instead (development). The interpreter: env CFB_PYTHON, else `python3`
 * found in PATH.
 *
 * The plan carries the exact task inputs of the C run, described by each
 * workload's reference codec (cfb_workload.reference: primes numbers, loiter
 * sleeps, the flags server URL and codes), so both runs do the same work
 * against the same server; the codec also turns the Python answers back
 * into C values for the workload's check(). This file names no workload.
 */
#ifndef CFB_REFERENCE_H
#define CFB_REFERENCE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "workload.h"

/* The python interpreter to use: $CFB_PYTHON when set and non-empty, else
 * the first executable `python3` in $PATH. Returns a malloc'd path (owned by
 * the caller) or NULL when there is none. */
char *cfb_reference_find_python(void);

/* One workload entry of the plan, from the C case's resolved params and task
 * list (both borrowed): "name", "params", and what the workload's reference
 * codec writes (cfbench_workload.h; e.g. flags' "flag_dir", where the Python
 * run saves its files). Returns a new reference owned by the caller, or
 * NULL with the reason in err (no codec: "no Python reference for workload
 * 'x'"; a task list the codec cannot express). */
json_t *cfb_reference_plan_workload(const cfb_workload *w, const cfb_params *p,
                                    const cfb_tasklist *tl, char *err, size_t errlen);

/* Run the script with plan (borrowed): {"repeat", "warmup", "modes",
 * "workers", "workloads": [entries]}. On 0, *cases is a new reference (a JSON
 * array of schema cases, impl "python") owned by the caller. -1 with the
 * reason in err otherwise (python failed, bad output). */
int cfb_reference_run(const char *python, const json_t *plan, json_t **cases, char *err,
                      size_t errlen);

/* Check every repetition's "values" of the python cases of workload w with
 * its own checker through its codec's read_value (params p borrowed; no
 * checker or no read_value: 0 failures), set "check_failures", and remove
 * "values" (so the cases follow the results schema). Returns the total
 * number of check failures. */
long cfb_reference_check(const cfb_workload *w, const cfb_params *p, json_t *cases);

/* The sweep hook (cfb_sweep_cfg.extra_cases): what the reference run of one
 * workload needs from the sweep, and what it reports back. */
typedef struct cfb_reference {
    const char *python; /* borrowed */
    int repeat, warmup;
    const char *const *modes; /* mode names, borrowed */
    size_t nmodes;
    const int *workers; /* borrowed */
    size_t nworkers;
    /* true: ignore workers; each workload's thread ladder for ncpu CPUs and
     * its task count (cfb_worker_ladder, runners/sweep.h), as the C cases */
    bool ladders;
    int ncpu;
    long check_failures; /* out: python answers the C checkers rejected */
    int failures;        /* out: workloads whose reference run failed */
} cfb_reference;

/* Run the Python reference for workload w with the C case's resolved params
 * and task list (borrowed; called while the case is prepared, so the flag
 * server it started is up). ref is a cfb_reference*. Returns a new JSON
 * array of checked impl "python" cases, or NULL after a one-line notice on
 * stderr (the C results stand alone). */
json_t *cfb_reference_cases(void *ref, const cfb_workload *w, const cfb_params *p,
                            const cfb_tasklist *tl);

#endif
