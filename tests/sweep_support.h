/*
 * sweep_support.h — for the in-tree tests that drive the sweep loop with a
 * cfb_sweep_cfg directly (runners/sweep.h) instead of building a cfb_plan.
 * Header-only: each test is one executable.
 *
 * cfbt_sweep_init: the configuration tests share — the comma-separated
 * workloads and modes (at most 8 each; an unknown name fails the test's
 * CHECK through a NULL in the table, which cfb_sweep_check refuses), impl
 * c, seed 1, measuring on, argv "cfbench run", no warm-up — with the given
 * workers, repetitions and overrides (all borrowed: they must outlive the
 * run). A test sets any other cfg field itself.
 *
 * cfbt_sweep_run: cfb_sweep_exec with the JSON reporter writing to out_path
 * (NULL: none) and no progress display. Returns 0 (complete), a positive
 * cfb_outcome (the run happened but was not complete), or a negative status
 * as cfb_sweep_exec, with the reason in err.
 */
#ifndef CFB_TESTS_SWEEP_SUPPORT_H
#define CFB_TESTS_SWEEP_SUPPORT_H

#include <stdio.h>
#include <string.h>

#include "cfbench.h"
#include "sweep.h"

typedef struct cfbt_sweep {
    const cfb_workload *w[8];
    const cfb_mode *m[8];
    const cfb_impl *im[1];
    char *argv[3];
    cfb_sweep_cfg cfg;
} cfbt_sweep;

/* The comma-separated names of csv into names[0..8) (each cut at 31
 * bytes); returns how many. */
static inline size_t cfbt_split(const char *csv, char names[8][32]) {
    size_t n = 0;
    for (const char *p = csv; *p && n < 8; n++) {
        size_t len = strcspn(p, ",");
        snprintf(names[n], 32, "%.*s", (int)len, p);
        p += len + (p[len] == ',');
    }
    return n;
}

static inline void cfbt_sweep_init(cfbt_sweep *s, const char *workloads, const char *modes,
                                   const int *workers, size_t nworkers, int repeat,
                                   const cfb_override *ov, size_t nov) {
    memset(s, 0, sizeof *s);
    char names[8][32];
    size_t nw = cfbt_split(workloads, names);
    for (size_t i = 0; i < nw; i++)
        s->w[i] = cfb_workload_find(names[i]);
    size_t nm = cfbt_split(modes, names);
    for (size_t i = 0; i < nm; i++)
        s->m[i] = cfb_mode_find(names[i]);
    s->im[0] = cfb_impl_find("c");
    s->argv[0] = "cfbench";
    s->argv[1] = "run";
    s->cfg = (cfb_sweep_cfg){.workloads = s->w,
                             .nworkloads = nw,
                             .modes = s->m,
                             .nmodes = nm,
                             .workers = workers,
                             .nworkers = nworkers,
                             .impls = s->im,
                             .nimpls = 1,
                             .repeat = repeat,
                             .seed = 1,
                             .overrides = ov,
                             .noverrides = nov,
                             .measure = true,
                             .argc = 2,
                             .argv = s->argv};
}

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
