/*
 * sweep.h — the sweep engine: plan (workloads × impls × modes × workers ×
 * repetitions), run with measurements, write the results JSON
 * (docs/results-schema.md) atomically after every finished case.
 */
#ifndef CFB_SWEEP_H
#define CFB_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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

enum { CFB_PROGRESS_QUIET = 0, CFB_PROGRESS_LINES = 1, CFB_PROGRESS_BAR = 2 };

typedef struct cfb_sweep_cfg {
    const cfb_workload *const *workloads; /* borrowed arrays */
    size_t nworkloads;
    const cfb_mode *const *modes;
    size_t nmodes;
    const int *workers; /* sorted, distinct, ≥ 1 */
    size_t nworkers;
    const cfb_impl *const *impls;
    size_t nimpls;
    int repeat; /* ≥ 1 */
    int warmup; /* ≥ 0 */
    bool interleave;
    unsigned long long seed;
    const cfb_override *overrides; /* applied in order (a later one wins) */
    size_t noverrides;
    const char *out_path;
    int progress; /* CFB_PROGRESS_* (on stderr) */
    bool measure; /* false: no per-task records, rusage or perf (overhead baseline) */
    int argc;     /* the command line, recorded in config.argv */
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
} cfb_sweep_cfg;

/* Check the overrides against the selected workloads (unknown workload or
 * key, bad value) and resolve nothing else. 0, or -1 with a one-line reason. */
int cfb_sweep_check(const cfb_sweep_cfg *cfg, char *err, size_t errlen);

/* Run the sweep. Writes cfg->out_path first (an empty, incomplete
 * document) so an unwritable path fails before any work, then after every
 * finished case, and at the end. Returns:
 *   0  every case ran and every check passed (tasks that fail are
 *      measurements — counted in tasks_failed — not a failure of the run)
 *   1  ran, but a case could not run or a check failed (a wrong answer), or
 *      it was interrupted (the file then says complete=false,
 *      interrupted=true)
 *   2  bad configuration (reason in err)
 *   3  the results file cannot be written (reason in err) */
int cfb_sweep_run(const cfb_sweep_cfg *cfg, char *err, size_t errlen);

/* false (default): on cases above 10 000 tasks only a sample of tasks goes
 * through the engine's task wrapper (the timed ones); the rest run bare.
 * true: every task goes through the wrapper — for test knobs that act in
 * the wrapper (e.g. an injected slowdown). Set before cfb_sweep_run(). */
extern bool cfb_sweep_wrap_every_task;

/* SIGINT/SIGTERM: ask the sweep to stop after the current repetition.
 * Installs handlers (SA_RESTART; a second signal kills as usual). */
void cfb_sweep_install_signals(void);
bool cfb_sweep_interrupted(void);

#endif
