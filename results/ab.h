/*
 * ab.h — the typed model of a same-job A/B comparison (`cfbench ab`,
 * docs/cli-ab.md): two sides (BASE and NEW: two builds, two binaries, two
 * commands), a list of cases, and per case the paired observations of the
 * rounds (round i measured BASE and NEW back to back, in a random order),
 * plus the verdicts computed from the paired ratios NEW_i / BASE_i.
 *
 * Verdicts, per case, on its metric (wall or cpu; lower is better), with
 * f = median of the paired ratios, [lo, hi] its bootstrap CI at `level`,
 * p the Wilcoxon signed-rank p-value of log ratios (Holm-adjusted over the
 * cases that have one, unless correction is off), t the threshold:
 *   n/a          fewer than 2 usable pairs (a side measured 0 or failed);
 *   can't tell   the test cannot reach alpha with this many pairs
 *                (need_pairs says how many can);
 *   regression   p < alpha and lo > 1 + t;
 *   improvement  p < alpha and hi < 1 / (1 + t);
 *   no change    lo >= 1 / (1 + t) and hi <= 1 + t;
 *   can't tell   anything else; need_pairs estimates the pairs that would
 *                narrow the CI (half-width ~ 1.96 * 1.2533 * noise / sqrt(n))
 *                to the distance between f and the nearest band edge, capped
 *                at CFB_AB_MAX_PAIRS (beyond it: 0, and the report says the
 *                measured noise is too high for this threshold).
 * Only "regression" counts in cfb_ab_regressions().
 *
 * One JSON codec: cfb_ab_to_json() / cfb_ab_from_json() (schema
 * "cfbench-ab", docs/cli-ab.md). Not thread-safe: one thread uses an
 * object at a time.
 */
#ifndef CFB_AB_H
#define CFB_AB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define CFB_AB_SCHEMA "cfbench-ab"
#define CFB_AB_SCHEMA_VERSION 1
#define CFB_AB_MAX_PAIRS 200

typedef struct cfb_ab cfb_ab;

enum { CFB_AB_BASE = 0, CFB_AB_NEW = 1 };

typedef struct cfb_ab_obs {
    double wall_s; /* median wall time of the side's measured runs in this round */
    double cpu_s;  /* median CPU time (user + sys, children included) */
} cfb_ab_obs;

typedef enum cfb_ab_metric { CFB_AB_WALL = 0, CFB_AB_CPU = 1 } cfb_ab_metric;

/* "wall" / "cpu" -> 0, else -1. */
int cfb_ab_metric_parse(const char *s, cfb_ab_metric *m);
const char *cfb_ab_metric_name(cfb_ab_metric m); /* static string */

typedef enum cfb_ab_kind {
    CFB_AB_NA = 0,
    CFB_AB_NO_CHANGE,
    CFB_AB_IMPROVEMENT,
    CFB_AB_REGRESSION,
    CFB_AB_CANT_TELL,
} cfb_ab_kind;

const char *cfb_ab_kind_name(cfb_ab_kind k); /* "regression", "can't tell", … (static) */

typedef struct cfb_ab_opts {
    cfb_ab_metric metric;           /* default CFB_AB_WALL */
    const char *const *metric_case; /* borrowed: per-case overrides "GLOB=wall|cpu", */
    size_t nmetric_case;            /* the last matching one wins */
    double threshold;               /* noise band as a fraction (default 0.02) */
    double alpha;                   /* significance level (default 0.05) */
    double level;                   /* CI level (default 0.95) */
    size_t resamples;               /* bootstrap resamples (default 4000) */
    uint64_t seed;                  /* bootstrap seed (default 1) */
    int correction;                 /* 1 (default): Holm over the cases; 0: raw p */
} cfb_ab_opts;

void cfb_ab_opts_default(cfb_ab_opts *o);

typedef struct cfb_ab_verdict {
    const char *id; /* borrowed from the model */
    cfb_ab_metric metric;
    size_t n;                 /* usable pairs */
    double base_med, new_med; /* medians of each side's observations */
    double ratio, lo, hi;     /* median of NEW_i / BASE_i and its CI */
    double p, p_adj;          /* signed-rank p, and after the correction */
    double noise;             /* robust sd of the log ratios (0.03 = 3%) */
    size_t need_pairs;        /* can't tell: pairs estimated to decide (0 = beyond the cap) */
    cfb_ab_kind kind;
    const char *why; /* n/a or can't tell: a static reason, else NULL */
} cfb_ab_verdict;

/* A new, empty model; NULL when out of memory. Free with cfb_ab_free(). */
cfb_ab *cfb_ab_new(void);
void cfb_ab_free(cfb_ab *ab);

/* Describe side CFB_AB_BASE or CFB_AB_NEW: label (e.g. "base") and detail
 * (e.g. "HEAD~1 = 1a2b3c, build/ab/…/cfbench" or the command); both copied.
 * 0, or -1 out of memory / bad side. */
int cfb_ab_set_side(cfb_ab *ab, int side, const char *label, const char *detail);

/* Attach a named JSON value to the document (config, host, tool, …): the
 * reference is stolen (also on failure). 0 or -1. */
int cfb_ab_set_meta(cfb_ab *ab, const char *key, json_t *value);

/* Add a case (id copied) and return its index in *index. 0 or -1. */
int cfb_ab_add_case(cfb_ab *ab, const char *id, size_t *index);

/* Record that a case exists on one side only (id copied). 0 or -1. */
int cfb_ab_add_only(cfb_ab *ab, int side, const char *id);

/* Append one round's pair to case `index`; base_first says which side ran
 * first. 0, or -1 (bad index, out of memory). */
int cfb_ab_add_pair(cfb_ab *ab, size_t index, cfb_ab_obs base, cfb_ab_obs new_obs, int base_first);

size_t cfb_ab_ncases(const cfb_ab *ab);
const char *cfb_ab_case_id(const cfb_ab *ab, size_t index); /* borrowed; NULL when out of range */
size_t cfb_ab_case_npairs(const cfb_ab *ab, size_t index);

/* Judge every case with o (borrowed; NULL = defaults) and keep the verdicts
 * in the model (replacing earlier ones). 0, or -1 out of memory or a bad
 * metric rule (reason in err). */
int cfb_ab_analyze(cfb_ab *ab, const cfb_ab_opts *o, char *err, size_t errlen);

/* The verdicts of the last cfb_ab_analyze() (borrowed, valid until the
 * next analyze or free), *n of them in case order; NULL before analyze. */
const cfb_ab_verdict *cfb_ab_verdicts(const cfb_ab *ab, size_t *n);
int cfb_ab_regressions(const cfb_ab *ab);

/* The document as JSON: a new reference owned by the caller, NULL when out
 * of memory. */
json_t *cfb_ab_to_json(const cfb_ab *ab);

/* Read a document written by cfb_ab_to_json() (borrowed). The pairs, sides
 * and meta are read; verdicts are not (analyze again). 0 and a new model in
 * *out (caller frees), or -1 with a one-line reason. */
int cfb_ab_from_json(const json_t *doc, cfb_ab **out, char *err, size_t errlen);

/* The verdicts as an aligned text table / a GitHub markdown table, with the
 * one-side-only cases and a summary line. 0, or -1 when writing fails. */
int cfb_ab_render_text(const cfb_ab *ab, FILE *out);
int cfb_ab_render_markdown(const cfb_ab *ab, FILE *out);

#endif
