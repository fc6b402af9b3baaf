/*
 * stats.h — summary statistics over repetitions (no allocation visible to
 * the caller; inputs are borrowed and never modified).
 */
#ifndef CFB_STATS_H
#define CFB_STATS_H

#include <stddef.h>

#include <jansson.h>

typedef struct cfb_stats {
    size_t n;
    double median, mean;
    double stddev; /* sample standard deviation (n - 1); 0 when n < 2 */
    double mad;    /* median absolute deviation from the median, unscaled */
    double min, max;
    double ci_lo, ci_hi; /* 95% CI of the median (below); NaN when n == 1 */
} cfb_stats;

/* The 95% confidence interval of the median, by n (docs/results-schema.md):
 *   n >= 6     the distribution-free order-statistic interval
 *              [x_(k), x_(n-k+1)] (cfb_median_ci_ranks): coverage >= 95% for
 *              any continuous distribution (96.9% at n = 6, 95.9% at n = 20);
 *   n = 2..5   no order-statistic interval reaches 95% ([min, max] covers
 *              1 - 2^(1-n): 75% at n = 3, 94% at n = 5), so a Student t
 *              interval on the log values, exp(mean(ln x) +- t(0.975, n-1)
 *              sd(ln x) / sqrt(n)): exactly 95% for a log-normal sample (its
 *              median is exp(E ln x)), close to it for any near-symmetric
 *              spread of a few percent; on the raw values when a value is
 *              <= 0. Widened when needed so it contains the sample median;
 *              it may reach beyond [min, max] (n = 2: t = 12.7);
 *   n = 1      none: ci_lo = ci_hi = NaN, "ci95": null in JSON.
 * tests/runner/test_stats.c checks the coverage by simulation. */
#define CFB_CI_ORDER_MIN_N 6

/* Statistics of x[0..n-1] (borrowed; NaN values are not allowed). Returns
 * 0, or -1 when x or out is NULL or n == 0 (out is then zeroed). */
int cfb_stats_compute(const double *x, size_t n, cfb_stats *out);

/* Quantile q in [0, 1] of sorted[0..n-1] (ascending), by linear
 * interpolation between order statistics (R type 7, numpy's default).
 * NaN when n == 0. */
double cfb_quantile_sorted(const double *sorted, size_t n, double q);

/* The 1-based order-statistic ranks [lo, hi] of the distribution-free 95%
 * CI of the median for n samples (lo = 1, hi = n when n < 6, where [min,
 * max] covers less than 95%: cfb_stats_compute() then uses the t interval). */
void cfb_median_ci_ranks(size_t n, size_t *lo, size_t *hi);

/* The schema's stats object {"n", "median", "mean", "stddev", "mad", "min",
 * "max", "ci95": [lo, hi] or null (n == 1)} as a new reference owned by the
 * caller; NULL on out of memory. */
json_t *cfb_stats_to_json(const cfb_stats *s);

#endif
