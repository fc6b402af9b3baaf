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
    double ci_lo, ci_hi; /* 95% CI of the median: distribution-free order-statistic
                            interval; [min, max] when n < 6 */
} cfb_stats;

/* Statistics of x[0..n-1] (borrowed; NaN values are not allowed). Returns
 * 0, or -1 when x or out is NULL or n == 0 (out is then zeroed). */
int cfb_stats_compute(const double *x, size_t n, cfb_stats *out);

/* Quantile q in [0, 1] of sorted[0..n-1] (ascending), by linear
 * interpolation between order statistics (R type 7, numpy's default).
 * NaN when n == 0. */
double cfb_quantile_sorted(const double *sorted, size_t n, double q);

/* The 1-based order-statistic ranks [lo, hi] of the distribution-free 95%
 * CI of the median for n samples (lo = 1, hi = n when n < 6). */
void cfb_median_ci_ranks(size_t n, size_t *lo, size_t *hi);

/* The schema's stats object {"n", "median", "mean", "stddev", "mad", "min",
 * "max", "ci95": [lo, hi]} as a new reference owned by the caller; NULL on
 * out of memory. */
json_t *cfb_stats_to_json(const cfb_stats *s);

#endif
