/*
 * runner_bench.c — what the measuring costs: a noop sweep case of N tasks
 * (default 10^6) with measuring on and off, alternated R times (default 5)
 * so machine drift hits both alike; prints the median and minimum walls
 * and the overhead in percent (on a shared machine the minimum is the
 * steadier estimate of a fixed per-task cost).
 *
 *   build/bench/runner_bench [MODE] [WORKERS] [TASKS] [ROUNDS] [aa]
 *   (aa: measure in both arms — an A/A run showing the noise alone)
 *   e.g. build/bench/runner_bench thread 2 1000000 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modes.h"
#include "results_io.h"
#include "stats.h"
#include "sweep.h"

static double one(const char *mode, int workers, const char *tasks, bool measure,
                  const char *path) {
    const cfb_workload *w[] = {cfb_workload_find("noop")};
    const cfb_mode *m[] = {cfb_mode_find(mode)};
    const cfb_impl *im[] = {cfb_impl_find("c")};
    int wk[] = {workers};
    cfb_override ov[] = {{"noop", "tasks", tasks, false}};
    char *argv[] = {"runner_bench"};
    cfb_sweep_cfg cfg = {.workloads = w,
                         .nworkloads = 1,
                         .modes = m,
                         .nmodes = 1,
                         .workers = wk,
                         .nworkers = 1,
                         .impls = im,
                         .nimpls = 1,
                         .repeat = 1,
                         .warmup = 0,
                         .overrides = ov,
                         .noverrides = 1,
                         .out_path = path,
                         .progress = CFB_PROGRESS_QUIET,
                         .measure = measure,
                         .argc = 1,
                         .argv = argv};
    char err[512];
    if (cfb_sweep_run(&cfg, err, sizeof err) != 0) {
        fprintf(stderr, "runner_bench: %s\n", err);
        exit(1);
    }
    json_t *doc;
    if (cfb_results_load(path, &doc, err, sizeof err)) {
        fprintf(stderr, "runner_bench: %s\n", err);
        exit(1);
    }
    json_t *r = json_array_get(
        json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "repetitions"), 0);
    double wall = json_real_value(json_object_get(r, "wall_s"));
    json_decref(doc);
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
    char path[64];
    snprintf(path, sizeof path, "/tmp/runner_bench.%ld.json", (long)getpid());
    double *on = calloc((size_t)rounds, sizeof *on), *off = calloc((size_t)rounds, sizeof *off);
    one(mode, workers, tasks, true, path); /* warm-up */
    for (int i = 0; i < rounds; i++) {
        /* alternate which goes first */
        if (i % 2) {
            off[i] = one(mode, workers, tasks, !off_arm, path);
            on[i] = one(mode, workers, tasks, true, path);
        } else {
            on[i] = one(mode, workers, tasks, true, path);
            off[i] = one(mode, workers, tasks, !off_arm, path);
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
    unlink(path);
    free(on);
    free(off);
    return 0;
}
