/*
 * history.h — one series per case over many cfbench results files, and
 * change points in each (the engine of `cfbench history`;
 * docs/cli-history.md).
 *
 * Model. cfb_history_load() reads N results documents (files, or every
 * cfbench results *.json of a directory), orders them by the run's start
 * time (`created`, ties by file name) or by file name, and turns every case
 * (matched across files by cfb_case_key(): workload, mode, workers, impl,
 * params; the files are read into the results model,
 * results/include/cfbench_results.h) into a series: one point per file that has the case, the
 * median of that case's per-repetition values of the chosen metric (cfb_metric_values(), as
 * `cfbench compare` derives them), with n, min, max and the MAD kept as the spread. A document is
 * loaded, reduced to its points and freed before the next one: memory is O(files x cases).
 *
 * Change points (cfb_history_detect(), on the series of point medians):
 *   1. E-divisive means (Matteson & James 2014, as in MongoDB's signal
 *      processing and Apache Otava / Hunter), with the energy distance
 *      |x - y| (exponent 1): for a segment, the split tau maximising
 *        Q(tau) = m k / (m + k) * (2/(m k) sum|X_i - Y_j|
 *                  - sum_{i<l}|X_i - X_l| / C(m,2) - sum_{j<l}|Y_j - Y_l| / C(k,2))
 *      over X = the m points before tau, Y = the k points from tau on (both
 *      >= min_size), the right end of Y fixed at the segment's end (as
 *      MongoDB and Otava do). Among all current segments the one with the
 *      largest Q is tested: a permutation test shuffles that segment's
 *      points `permutations` times (seeded: the same input and seed give the
 *      same answer) and p = (1 + #{Q_perm >= Q}) / (1 + permutations). If
 *      p <= alpha the split is kept and both halves become candidates, else
 *      the search stops (the Matteson–James stopping rule).
 *   2. Magnitude filter: the change point whose neighbouring segments'
 *      medians differ by the smallest factor max(a/b, b/a) is dropped while
 *      that factor is below 1 + threshold; its neighbours merge and are
 *      re-measured (weakest first, like Otava).
 *   3. Newest points: no split leaves fewer than min_size points on a side,
 *      so a step in the newest min_size - 1 points is invisible to step 1.
 *      For t = min_size - 1 down to 1, the newest t points are compared with
 *      the r points of the last segment before them (r >= min_size): when
 *      all t are beyond (on the same side of) every one of the r, and their
 *      median differs from the r points' median by >= threshold, a change at
 *      n - t is reported (detector "newest"). Under no change every order of
 *      the r + t points is equally likely, so this happens with probability
 *      p = 1 / C(r + t, t) per direction; it is only reported when p <= alpha
 *      (at alpha 0.01: t = 2 needs r >= 13, a single newest point r >= 99;
 *      at alpha 0.05 one point needs r >= 19). The largest t that qualifies
 *      wins.
 * A change is a regression when the later segment is worse for the metric
 * (higher for lower-is-better metrics), else an improvement. It is recent
 * when it starts within the newest `recent` points of its series.
 * cfb_history_regressed() is true when the LAST change of some series is a
 * recent regression (a regression that a later change undid is not).
 *
 * Complexity and limits: distances are computed on the fly (memory O(n),
 * n = points of a series); one split search is O(n^2) and one
 * significance test O(permutations x n^2) (it stops early once p > alpha is
 * certain). At the defaults, with one step: 60 points 2 ms, 200 points
 * 0.26 s, 500 points 1.3 s (on a shared 2-core VM). Series of more than
 * CFB_HISTORY_MAX_POINTS points are refused (-1).
 *
 * Pure computation: nothing here prints or exits; every function reports
 * with a return code and a one-line reason in err.
 */
#ifndef CFB_HISTORY_H
#define CFB_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "compare.h"

#define CFB_HISTORY_MAX_POINTS 5000

/* ---- the detector, on a plain series --------------------------------------- */

typedef struct cfb_cpd_opts {
    double threshold;    /* minimum magnitude, a fraction (default 0.05) */
    double alpha;        /* significance level (default 0.01) */
    size_t permutations; /* permutation-test shuffles (default 499) */
    size_t min_size;     /* minimum points per segment, >= 2 (default 5) */
    size_t recent;       /* a change within the newest `recent` points is recent (default 5) */
    int higher_is_better;
    uint64_t seed; /* permutation PRNG seed (default 1) */
} cfb_cpd_opts;

void cfb_cpd_opts_default(cfb_cpd_opts *o);

typedef struct cfb_change {
    size_t index;         /* first point of the new level (0-based point index) */
    double before, after; /* medians of the segments before and from index */
    double ratio;         /* after / before; NAN when before <= 0 */
    double p;             /* permutation p (e-divisive) or 1/C(r+t, t) (newest) */
    int regression;       /* 1: the later segment is worse; 0: better */
    int newest;           /* 1: found by the newest-points check */
    int recent;           /* 1: index >= n - recent */
} cfb_change;

/* Change points of x[0..n-1] (borrowed). On success returns 0 and *out is a
 * new array (caller frees; NULL when none) of *nout changes in index order.
 * -1 on bad options (min_size < 2, alpha outside (0,1), permutations 0)
 * or n > CFB_HISTORY_MAX_POINTS; -2 out of memory. A series shorter than
 * 2 x min_size has no e-divisive split; shorter than min_size + 1 nothing. */
int cfb_history_detect(const double *x, size_t n, const cfb_cpd_opts *o, cfb_change **out,
                       size_t *nout);

/* ---- the model of many results files ----------------------------------------- */

typedef struct cfb_history_source {
    char *path;      /* owned */
    char *created;   /* owned; "" when the document has no `created` */
    double time;     /* `created` as seconds since the epoch; NAN when absent */
    char *commit;    /* owned; tool.commit or "" */
    char *hostname;  /* owned; host.hostname or "" */
    char *cpu_model; /* owned; host.cpu_model or "" */
} cfb_history_source;

typedef struct cfb_history_point {
    size_t source;     /* index into cfb_history.sources (run order) */
    double median;     /* median of the case's per-repetition metric values */
    double min, max;   /* their range */
    double mad;        /* median absolute deviation (unscaled) */
    size_t n;          /* repetitions with the metric */
    double seg_median; /* median of the point medians of its segment (after detection) */
} cfb_history_point;

/* One parameter of a series' case, as the results hold it. */
typedef struct cfb_history_param {
    char *key;   /* owned */
    char *value; /* owned; NULL: not a string (outside the schema) */
} cfb_history_param;

typedef struct cfb_history_series {
    char *key;                         /* owned; cfb_case_key() */
    char *id, *workload, *mode, *impl; /* owned */
    long long workers;
    cfb_history_param *params; /* owned: the case's params, in document order */
    size_t nparams;
    cfb_history_point *points; /* owned, in run order */
    size_t npoints;
    cfb_change *changes; /* owned, in index order */
    size_t nchanges;
    int regressed; /* the last change is a recent regression */
} cfb_history_series;

typedef enum cfb_history_order {
    CFB_HISTORY_BY_TIME, /* `created`, ties by path (default) */
    CFB_HISTORY_BY_NAME, /* path (strcmp) */
} cfb_history_order;

typedef struct cfb_history_opts {
    cfb_metric metric; /* default wall */
    cfb_cpd_opts cpd;
    cfb_history_order order;
    const char *const *case_globs; /* borrowed; cases whose id matches one (fnmatch); NULL = all */
    size_t ncase_globs;
} cfb_history_opts;

void cfb_history_opts_default(cfb_history_opts *o);

typedef struct cfb_history {
    cfb_metric metric;
    cfb_history_opts opts;       /* a copy (case_globs not kept: NULL) */
    cfb_history_source *sources; /* owned, in run order */
    size_t nsources;
    cfb_history_series *series; /* owned, by case id */
    size_t nseries;
    json_t *notes; /* owned array of strings: skipped files, unavailable cases */
} cfb_history;

/* Load the results files named by paths[0..npaths-1] (borrowed; a directory
 * stands for every *.json directly in it, in name order: files that are not
 * JSON objects with "schema": "cfbench-results" are skipped with a note; a
 * named file must be a results document), build the series of the metric
 * and run the detector on each. On success returns 0 and *h is filled
 * (free with cfb_history_free). Returns -1 with a one-line reason in err on
 * bad input (unreadable or invalid results file, fewer than 2 results
 * files, a file without `created` when ordering by time, no case selected,
 * the metric available in no case, bad options); -2 out of memory. On
 * failure *h holds nothing to free. */
int cfb_history_load(const char *const *paths, size_t npaths, const cfb_history_opts *o,
                     cfb_history *h, char *err, size_t errlen);
void cfb_history_free(cfb_history *h);

/* Number of series whose last change is a recent regression. */
size_t cfb_history_regressed(const cfb_history *h);

/* ---- reports (results/history_report.c) --------------------------------------- */

/* The JSON report (schema "cfbench-history", documented in
 * docs/cli-history.md) of h (borrowed): a new reference owned by the
 * caller, or NULL out of memory. */
json_t *cfb_history_report(const cfb_history *h);

/* Render h (borrowed) as an aligned text table or GitHub markdown: one row
 * per series, then the list of regressions (and improvements) with their
 * commits and dates, then a summary line. 0, or -1 when writing fails. */
int cfb_history_render_text(const cfb_history *h, FILE *out);
int cfb_history_render_markdown(const cfb_history *h, FILE *out);

#endif
