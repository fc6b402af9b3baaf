/*
 * sweep_support.h — for the in-tree tests that drive the sweep loop with a
 * cfb_sweep_cfg directly (runners/sweep.h) instead of building a cfb_plan:
 * cfb_sweep_exec with the JSON reporter writing to out_path (NULL: none) and
 * no progress display. Returns 0 (complete), a positive cfb_outcome (the run
 * happened but was not complete), or a negative status as cfb_sweep_exec,
 * with the reason in err. Header-only: each test is one executable.
 */
#ifndef CFB_TESTS_SWEEP_SUPPORT_H
#define CFB_TESTS_SWEEP_SUPPORT_H

#include <stdio.h>

#include "cfbench.h"
#include "sweep.h"

static inline int cfbt_sweep_run(const cfb_sweep_cfg *cfg, const char *out_path, char *err,
                                 size_t errlen) {
    cfb_reporter *json = out_path ? cfb_reporter_json_new(out_path) : NULL;
    if (out_path && !json) {
        snprintf(err, errlen, "out of memory");
        return CF_ENOMEM;
    }
    const cfb_reporter *const rep[1] = {json};
    cfb_run_result *r = NULL;
    int rc = cfb_sweep_exec(cfg, rep, json ? 1 : 0, NULL, &r, err, errlen);
    if (rc == 0) rc = (int)cfb_run_result_outcome(r);
    cfb_run_result_free(r);
    cfb_reporter_free(json);
    return rc;
}

#endif
