/*
 * sweep.h — the sweep engine inside libcfbench: the internal form of a
 * plan (cfb_sweep_cfg: workloads × impls × modes × workers × repetitions)
 * and the run loop behind cfbench.h's cfb_run, which builds one from a
 * cfb_plan. Output goes only through reporters (cfbench.h): the progress
 * display and the atomic JSON writer are two of them (runners/reporters.c).
 */
#ifndef CFB_SWEEP_H
#define CFB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "cfbench.h"
#include "modes.h"
#include "workload.h"

/* A --param override: workload NULL applies to every workload that has
 * the key. Strings borrowed. */
typedef struct cfb_override {
    const char *workload;
    const char *key;
    const char *value;
    bool quiet; /* a built-in sweep default: no error when no workload has the key */
} cfb_override;

typedef struct cfb_sweep_cfg {
    const cfb_workload *const *workloads; /* borrowed arrays */
    size_t nworkloads;
    const cfb_mode *const *modes;
    size_t nmodes;
    const int *workers; /* sorted, distinct, ≥ 1; every workload and mode (ignored with ladders) */
    size_t nworkers;
    /* true (no --workers, or --workers auto): each workload gets its own
     * worker counts by kind and mode, cfb_worker_ladder() below; recorded
     * in config.ladders. ladder_cpus: the CPUs the ladders are sized for
     * (0 = cfb_cpus_allowed()). */
    bool ladders;
    int ladder_cpus;
    const cfb_impl *const *impls;
    size_t nimpls;
    int repeat; /* ≥ 1 */
    int warmup; /* ≥ 0 */
    bool interleave;
    unsigned long long seed;
    const cfb_override *overrides; /* applied in order (a later one wins) */
    size_t noverrides;
    bool measure; /* false: no per-task records, rusage or perf (overhead baseline) */
    /* every task through the engine's wrapper (cfb_plan_set_wrap_every_task) */
    bool wrap_every_task;
    double gil_interval; /* impl c+gil's switch interval; 0: the default 0.005 s */
    int argc;            /* the command line, recorded in config.argv */
    char *const *argv;
    json_t *config_extra; /* borrowed, may be NULL: merged into `config` (e.g. gil) */
    json_t *doc_extra;    /* borrowed, may be NULL: its keys join the document's top level
                             at every save (e.g. `mpi`, which may change during the sweep) */
    /* Optional (issue 8: `--reference python`, runners/reference.c): called
     * once per workload, in the parent, after the repetitions of its first
     * case to finish while that case is still prepared (run_setup done — the
     * flag server up — and tasks made). Returns a new JSON array of extra
     * cases appended to the document (their check_failures count as wrong
     * answers), or NULL. */
    json_t *(*extra_cases)(void *ctx, const cfb_workload *w, const cfb_params *p,
                           const cfb_tasklist *tl);
    void *extra_ctx;
    /* Optional (issue 15: the host floors, runners/floors.h): called once,
     * after the first (empty) document was written and before any work, so
     * an unwritable path fails first. Returns a new object whose keys join
     * `host` (the sweep drops the reference), or NULL. */
    json_t *(*before_work)(void *ctx);
    void *before_work_ctx;
} cfb_sweep_cfg;

/* The default worker ladder of a workload in one mode (issue 16), into
 * out[0..cap) sorted and distinct; returns the count (≥ 1 when cap ≥ 1).
 *   CPU-bound: powers of two up to 2 × ncpu, with ncpu and 2 × ncpu
 *     themselves (ncpu 2: 1,2,4; ncpu 3: 1,2,3,4,6) — enough to show the
 *     plateau past the CPUs;
 *   I/O-bound, thread/process (and any mode but async): 1,2,4,…,64;
 *   I/O-bound, async (in_flight: workers = operations in flight): powers
 *     of two below the task count, then the task count itself (20 tasks:
 *     1,2,4,8,16,20); ntasks ≤ 0 (unknown) gives 1..64; at most 1024.
 * ncpu < 1 counts as 1. Pure: no allocation, no I/O. The sweep runs async
 * of a workload without an event-loop driver (its tasks run inline on the
 * loop thread, one after another, whatever the workers) at the ladder's
 * ends only: 1 and the last. */
size_t cfb_worker_ladder(cfb_bound bound, bool in_flight, int ncpu, long ntasks, int *out,
                         size_t cap);

/* Check the overrides against the selected workloads (unknown workload or
 * key, bad value) and resolve nothing else. 0, or -1 with a one-line reason. */
int cfb_sweep_check(const cfb_sweep_cfg *cfg, char *err, size_t errlen);

/* The run loop of cfb_run (cfbench.h has the contract): cfg borrowed,
 * reporters called in order, stop may be NULL. 0 with *out a new results
 * object (out may be NULL), or CF_EINVAL / CF_ENOMEM / CFB_EREPORTER with
 * the reason in err. */
int cfb_sweep_exec(const cfb_sweep_cfg *cfg, const cfb_reporter *const *reporters,
                   size_t nreporters, cfb_stop *stop, cfb_run_result **out, char *err,
                   size_t errlen);

/* Whether the stop token of the run in progress is set (false outside a
 * run): for code below the engine that has no cfb_rep at hand (the mpi
 * mode's job watch, runners/mode_mpi.c). */
bool cfb_sweep_interrupted(void);

#endif
