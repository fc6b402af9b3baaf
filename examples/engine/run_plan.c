/*
 * run_plan.c — the engine from C through cfbench.h (docs/engine-api.md):
 * a plan of loiter tasks (a scan of the task count) in seq and thread mode,
 * run with the progress reporter, then each case's median wall from the
 * in-memory results. Exit 0 complete, 1 another outcome, 2 a bad plan,
 * 3 the run did not happen.
 *
 *   build/examples/run_plan
 */
#include <stdio.h>

#include "cfbench.h"

int main(void) {
    cfb_plan *plan = cfb_plan_new();
    if (!plan) return 3;
    if (cfb_plan_add_workload(plan, "loiter") || cfb_plan_add_mode(plan, "seq") ||
        cfb_plan_add_mode(plan, "thread") || cfb_plan_add_workers(plan, 4) ||
        cfb_plan_set_repeat(plan, 3) || cfb_plan_set_param(plan, "loiter.tasks", "8,16") ||
        cfb_plan_set_param(plan, "loiter.unit", "0.002")) {
        fprintf(stderr, "run_plan: %s\n", cfb_plan_error(plan));
        cfb_plan_free(plan);
        return 2;
    }
    char err[512];
    if (cfb_plan_check(plan, err, sizeof err)) { /* bad values, scans, … */
        fprintf(stderr, "run_plan: %s\n", err);
        cfb_plan_free(plan);
        return 2;
    }
    cfb_reporter *progress = cfb_reporter_progress_new(CFB_PROGRESS_LINES);
    const cfb_reporter *reps[] = {progress};
    cfb_run_result *res = NULL;
    int rc = progress ? cfb_run(plan, reps, 1, NULL, &res, err, sizeof err) : CF_ENOMEM;
    if (rc) {
        fprintf(stderr, "run_plan: %s (%s)\n", progress ? err : "out of memory", cfb_strerror(rc));
        cfb_reporter_free(progress);
        cfb_plan_free(plan);
        return 3;
    }
    for (size_t i = 0; i < cfb_run_result_ncases(res); i++) {
        const char *id;
        double wall = cfb_run_result_case_wall(res, i, &id);
        printf("%-32s %.4f s\n", id, wall);
    }
    printf("outcome: %s\n", cfb_outcome_name(cfb_run_result_outcome(res)));
    int code = cfb_run_result_outcome(res) == CFB_RUN_COMPLETE ? 0 : 1;
    cfb_run_result_free(res);
    cfb_reporter_free(progress);
    cfb_plan_free(plan);
    return code;
}
