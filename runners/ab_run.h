/*
 * ab_run.h — measure two versions in one job, rounds interleaved (the engine
 * of `cfbench ab`, docs/cli-ab.md).
 *
 * A side is either a cfbench binary (BASE and NEW builds; each case is
 * measured by running `BIN run -w W -m M -j N --impl I … -r K --warmup U -q
 * -o FILE` and reading FILE, so the two binaries only have to share the
 * `run` command line and the results schema) or a shell command (`sh -c
 * CMD`, timed by the engine: wall clock and the children's CPU time).
 *
 * The job: first a probe (each side runs the plan once, one repetition) to
 * learn its cases; cases on one side only are recorded, not measured. Then
 * `rounds` rounds; in each, the cases in a fresh random order and, per
 * case, BASE and NEW back to back in a random order (seeded). One round
 * gives one pair per case: the median of each side's K repetitions.
 */
#ifndef CFB_AB_RUN_H
#define CFB_AB_RUN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ab.h"

typedef struct cfb_ab_side_spec {
    const char *label;   /* "base", "new", a revision … (borrowed) */
    const char *detail;  /* shown in reports (borrowed) */
    const char *bin;     /* a cfbench binary, or NULL in command mode */
    const char *command; /* a shell command (command mode), or NULL */
    char *const *args;   /* borrowed: extra arguments for each `run` (e.g. --plugin X) */
    size_t nargs;
    char *const *env; /* borrowed: "KEY=VALUE" set in this side's children */
    size_t nenv;
} cfb_ab_side_spec;

typedef struct cfb_ab_job {
    cfb_ab_side_spec side[2]; /* CFB_AB_BASE, CFB_AB_NEW */
    /* run mode: the plan, as `cfbench run` options (borrowed strings, NULL =
     * run's default) */
    const char *workloads, *modes, *workers, *impls;
    char *const *params; /* "K=V" or "W.K=V", each passed as -p */
    size_t nparams;
    const char *switch_interval;   /* --switch-interval, or NULL */
    const char *const *case_globs; /* borrowed: measure only the cases whose id matches one
                                      (fnmatch); NULL or none = every case */
    size_t ncase_globs;
    int rounds;    /* >= 1 */
    int runs;      /* K: repetitions per side per round (>= 1) */
    int warmup;    /* run mode: --warmup per invocation; command mode: runs
                      of each side before the first round */
    uint64_t seed; /* the order of cases and sides */
    /* Called after every round (may be NULL): round is 1-based. */
    void (*progress)(void *ctx, int round, int rounds);
    void *progress_ctx;
    volatile sig_atomic_t *stop; /* may be NULL; when it becomes nonzero the job stops
                                    after the current invocation */
} cfb_ab_job;

/* Statuses of cfb_ab_measure(). */
enum {
    CFB_AB_RUN_OK = 0,
    CFB_AB_RUN_EINVAL = -1, /* a bad job (no side, no case in common, …) */
    CFB_AB_RUN_ESIDE = -2,  /* a side could not run (its exit status and last error line
                               in err; *failed_side says which) */
    CFB_AB_RUN_EINTR = -3,  /* *stop was set: *out holds the rounds that finished */
    CFB_AB_RUN_ENOMEM = -4,
};

/* Run the job. On CFB_AB_RUN_OK or CFB_AB_RUN_EINTR, *out is a new model
 * (caller frees with cfb_ab_free) holding every finished round, not yet
 * analysed; otherwise *out is NULL and err has one line. failed_side (may
 * be NULL) is set to the side that failed for CFB_AB_RUN_ESIDE, else -1. */
int cfb_ab_measure(const cfb_ab_job *job, cfb_ab **out, int *failed_side, char *err, size_t errlen);

/* Run argv[0] (searched in PATH) with env[0..nenv-1] ("K=V", borrowed)
 * added, stdin from /dev/null, stdout to out_path (NULL: /dev/null) and
 * stderr to err_path (NULL: with stdout), and wait for it. *status is
 * wait4's status (-1 when it could not be started or waited for); *wall
 * (wall clock around fork..wait) and *cpu (the child's user + sys, its
 * waited-for children included) are filled when not NULL. 0, or -1 with
 * errno when fork or wait failed. One child at a time; not thread-safe
 * against other code reaping children. */
int cfb_ab_spawn(char *const *argv, char *const *env, size_t nenv, const char *out_path,
                 const char *err_path, int *status, double *wall, double *cpu);

#endif
