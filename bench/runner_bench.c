/*
 * runner_bench.c — what the measuring costs: a noop sweep case of N tasks
 * (default 10^6) with measuring on and off, alternated R times (default 5)
 * so machine drift hits both alike; prints the median and minimum walls
 * and the overhead in percent (on a shared machine the minimum is the
 * steadier estimate of a fixed per-task cost). Runs through the engine's
 * library API (cfbench.h) with no reporter: the wall comes from the
 * in-memory results, no file is written. bench/engine_ab.sh compares it
 * with the pre-library runner_bench (A/B) and with itself (A/A).
 *
 *   build/bench/runner_bench [MODE] [WORKERS] [TASKS] [ROUNDS] [aa]
 *   (aa: measure in both arms — an A/A run showing the noise alone)
 *   e.g. build/bench/runner_bench thread 2 1000000 5
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfbench.h"
#include "modes.h"
#include "cfbench_stats.h"

/* One noop case of `tasks` tasks through the library API (cfbench.h): no
 * reporter, so nothing is written or re-read; the wall is the case's one
 * measured repetition, from the in-memory results. */
static double one(const char *mode, int workers, const char *tasks, bool measure) {
    cfb_plan *plan = cfb_plan_new();
    char *argv[] = {"runner_bench"};
    char err[512] = "";
    cfb_run_result *r = NULL;
    int rc = plan ? 0 : CF_ENOMEM;
    if (!rc) rc = cfb_plan_add_workload(plan, "noop");
    if (!rc) rc = cfb_plan_add_mode(plan, mode);
    if (!rc) rc = cfb_plan_add_workers(plan, workers);
    if (!rc) rc = cfb_plan_set_param(plan, "noop.tasks", tasks);
    if (!rc) rc = cfb_plan_set_argv(plan, 1, argv);
    if (rc) snprintf(err, sizeof err, "%s", plan ? cfb_plan_error(plan) : "out of memory");
    if (!rc) {
        cfb_plan_set_measure(plan, measure);
        rc = cfb_run(plan, NULL, 0, NULL, &r, err, sizeof err);
    }
    double wall = rc ? NAN : cfb_run_result_case_wall(r, 0, NULL);
    if (!rc && cfb_run_result_outcome(r) != CFB_RUN_COMPLETE) {
        snprintf(err, sizeof err, "the run %s", cfb_outcome_name(cfb_run_result_outcome(r)));
        rc = -1;
    }
    cfb_run_result_free(r);
    cfb_plan_free(plan);
    if (rc) {
        fprintf(stderr, "runner_bench: %s\n", err);
        exit(1);
    }
    return wall;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "thread";
    int workers = argc > 2 ? atoi(argv[2]) : 2;
    const char *tasks = argc > 3 ? argv[3] : "1000000";
    int rounds = argc > 4 ? atoi(argv[4]) : 5;
    /* "aa": both arms measure (an A/A run: how big the noise alone is) */
    bool off_arm = !(argc > 5 && !strcmp(argv[5], "aa"));
    if (!cfb_mode_find(mode) || workers < 1 || rounds < 1) {
        fprintf(stderr, "usage: runner_bench [seq|thread|process] [WORKERS] [TASKS] [ROUNDS]\n");
        return 2;
    }
    double *on = calloc((size_t)rounds, sizeof *on), *off = calloc((size_t)rounds, sizeof *off);
    one(mode, workers, tasks, true); /* warm-up */
    for (int i = 0; i < rounds; i++) {
        /* alternate which goes first */
        if (i % 2) {
            off[i] = one(mode, workers, tasks, !off_arm);
            on[i] = one(mode, workers, tasks, true);
        } else {
            on[i] = one(mode, workers, tasks, true);
            off[i] = one(mode, workers, tasks, !off_arm);
        }
        printf("round %d: measure on %.4f s, off %.4f s\n", i, on[i], off[i]);
    }
    cfb_stats son, soff;
    cfb_stats_compute(on, (size_t)rounds, &son);
    cfb_stats_compute(off, (size_t)rounds, &soff);
    printf("noop %s tasks, %s mode, %d workers, %d rounds: measure on / off: median %.4f / "
           "%.4f s (%+.2f%%), min %.4f / %.4f s (%+.2f%%)\n",
           tasks, mode, workers, rounds, son.median, soff.median,
           100.0 * (son.median / soff.median - 1.0), son.min, soff.min,
           100.0 * (son.min / soff.min - 1.0));
    free(on);
    free(off);
    return 0;
}
