/*
 * compare.h — regression verdicts between two cfbench results documents
 * (the engine of `cfbench compare`; docs/cli-compare.md).
 *
 * cfb_compare_docs() matches the cases of BASE and NEW by (workload, mode,
 * workers, impl, params), derives one value per repetition for the chosen
 * metric, and for each matched case computes both medians, the ratio
 * NEW/BASE with a bootstrap CI, a Mann–Whitney U p-value and a verdict. The
 * result is a JSON report (schema "cfbench-compare", documented in
 * docs/cli-compare.md) that the renderers turn into text or markdown; the
 * JSON output format is the report itself.
 *
 * Verdict rules, with f = the "worse factor" (NEW/BASE for lower-is-better
 * metrics, BASE/NEW for higher-is-better ones), its bootstrap 95% CI
 * [flo, fhi], t = the threshold and the band [1/(1+t), 1+t]:
 *   n/a          the metric is missing on a side (null instructions, no seq
 *                case, a failed case) or a value is <= 0 (no ratio);
 *   can't tell   2 / C(nx + ny, nx) > alpha: the U test cannot reach
 *                significance with so few repetitions, or fewer than 5 per
 *                side, where the bootstrap CI under-covers (need_repetitions
 *                = the n per side that can, at least 5);
 *   regression   p < alpha and flo > 1 + t;
 *   improvement  p < alpha and fhi < 1 / (1 + t);
 *   no change    flo >= 1 / (1 + t) and fhi <= 1 + t (the CI is inside the band);
 *   can't tell   anything else: the CI straddles an edge of the band;
 *                need_repetitions estimates the n per side that would shrink
 *                the CI (width ~ 1/sqrt(n)) to the distance between the
 *                point estimate and the nearest edge.
 * Only "regression" makes the exit code 1.
 */
#ifndef CFB_COMPARE_H
#define CFB_COMPARE_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "cfbench_results.h"

typedef enum cfb_metric {
    CFB_METRIC_WALL,         /* repetitions[].wall_s; lower is better */
    CFB_METRIC_CPU,          /* repetitions[].cpu_s; lower is better */
    CFB_METRIC_THROUGHPUT,   /* repetitions[].throughput_tps; higher is better */
    CFB_METRIC_SPEEDUP,      /* seq median wall / wall_s; higher is better */
    CFB_METRIC_EFFICIENCY,   /* speedup / workers; higher is better */
    CFB_METRIC_OVERHEAD,     /* (wall_s * workers - seq median wall) / tasks; lower */
    CFB_METRIC_INSTRUCTIONS, /* instructions / tasks; lower is better */
    CFB_METRIC_CPUCOST,      /* cpu_s / seq median cpu_s; lower is better. Like speedup a
                                ratio inside one run, but of CPU time, which a busy
                                machine inflates far less than wall time */
} cfb_metric;

/* Parse a metric name ("wall", "cpu", "throughput", "speedup", "efficiency",
 * "overhead", "instructions", "cpucost"). 0, or -1 when unknown. */
int cfb_metric_parse(const char *s, cfb_metric *m);
const char *cfb_metric_name(cfb_metric m); /* static string */

/* 1 when a higher value of the metric is better, else 0. */
int cfb_metric_higher_is_better(cfb_metric m);
/* The metric's unit ("s", "tasks/s", "x", …; "" for none): a static string. */
const char *cfb_metric_unit(cfb_metric m);

/* The matching key of a case c (borrowed): workload, mode, workers, impl
 * ("c" when absent) and the params as a compact JSON object (sorted keys;
 * {} when absent), joined by \x1f. A new string owned by the caller (free
 * it), or NULL when out of memory (or c is NULL). */
char *cfb_case_key(const cfb_rcase *c);

/* One value per repetition of case c of document doc (both borrowed) for
 * metric m, in repetition order; metrics derived from the seq case use the
 * model's seq reference (cfb_results_seq_of) and formulas
 * (cfb_rcase_median_wall, cfb_derived_compute, per repetition). Returns 0
 * with *out a new array (caller frees) of *n >= 1 values; 1 with *out NULL
 * and a reason (static string) in *why when the metric is not available
 * for this case (failed case, no seq case, null instructions, …; also c
 * NULL or m unknown); -1 when out of memory. */
int cfb_metric_values(const cfb_results *doc, const cfb_rcase *c, cfb_metric m, double **out,
                      size_t *n, const char **why);

typedef struct cfb_compare_opts {
    cfb_metric metric;             /* default wall */
    double threshold;              /* noise band as a fraction: 0.05 = 5% (default) */
    double alpha;                  /* significance level of the U test (default 0.05) */
    uint64_t seed;                 /* bootstrap PRNG seed (default 1) */
    size_t resamples;              /* bootstrap resamples (default 2000; raised to keep
                                      >= 10 beyond each end of a corrected interval) */
    int correction;                /* 1 (default): Holm-adjust the p-values over the m
                                      cases that have a ratio and make each interval at
                                      1 - 0.05/m (simultaneous 95%); 0: per case 95%, raw p */
    const char *const *case_globs; /* borrowed; only cases whose id matches one
                                      (fnmatch) are compared; NULL = all */
    size_t ncase_globs;
} cfb_compare_opts;

void cfb_compare_opts_default(cfb_compare_opts *o);

/* Compare two results documents (the model, borrowed; e.g. from
 * cfb_results_read_filtered). base_label / new_label (borrowed, e.g. the
 * file paths) are copied into the report. On success returns 0 and *report
 * is a new reference owned by the caller. Returns -1 with a one-line reason
 * in err when the documents have no case in common, or none of the common
 * cases has the metric on both sides (or a document or o is NULL: "no
 * results document to compare"); -2 when out of memory. Matching and the
 * seq references take O(n log n) in the cases, plus the bootstrap (the
 * no-match explanation pairs cases: O(nb x nn), on that error only). */
int cfb_compare_docs(const cfb_results *base, const cfb_results *new_doc, const char *base_label,
                     const char *new_label, const cfb_compare_opts *o, json_t **report, char *err,
                     size_t errlen);

/* Render a report (borrowed) as an aligned text table or a GitHub-flavoured
 * markdown table, with the one-side-only cases, the geometric-mean row and
 * the summary line. 0, or -1 when writing to out fails. */
int cfb_compare_render_text(const json_t *report, FILE *out);
int cfb_compare_render_markdown(const json_t *report, FILE *out);

/* The number of regressions in a report (borrowed). */
int cfb_compare_regressions(const json_t *report);

#endif
