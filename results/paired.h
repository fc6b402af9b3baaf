/*
 * paired.h — statistics of paired measurements (the engine of `cfbench ab`,
 * docs/cli-ab.md): the Wilcoxon signed-rank test, a bootstrap confidence
 * interval of the median of paired ratios, and Holm's step-down correction.
 *
 * Paired means: observation i of BASE and observation i of NEW were taken
 * side by side (the same round of an A/B job, seconds apart), so whatever
 * moved the machine between rounds moves both and cancels in the ratio
 * NEW_i / BASE_i. The tests here look only at those ratios.
 *
 * Pure computation: inputs are borrowed and never modified, nothing is kept
 * between calls, no global state (the PRNG state is the caller's). Scratch
 * memory is allocated and freed inside; -1 means out of memory or bad input
 * as documented per function.
 */
#ifndef CFB_PAIRED_H
#define CFB_PAIRED_H

#include <stddef.h>

#include "rstats.h"

typedef enum cfb_wsr_method {
    CFB_WSR_EXACT,  /* exact null distribution: no ties among |d|, n <= 50 */
    CFB_WSR_NORMAL, /* normal approximation, tie- and continuity-corrected */
} cfb_wsr_method;

typedef struct cfb_wsr {
    size_t n;     /* differences that are not zero (zeros are dropped) */
    double w_pos; /* sum of the ranks of |d| over the positive d */
    double w_neg; /* n (n + 1) / 2 - w_pos */
    double z;     /* the normal approximation's z (0 for the exact method) */
    double p;     /* two-sided p-value, in (0, 1] */
    cfb_wsr_method method;
} cfb_wsr;

/* Two-sided Wilcoxon signed-rank test of d[0..n-1] (borrowed; NaN not
 * allowed) against a median of 0. Zero differences are dropped (scipy's
 * zero_method="wilcox"); ranks of tied |d| are averaged. Same answers as
 * scipy.stats.wilcoxon(d) with method="exact" (no ties, n <= 50) or
 * method="approx" with correction=True (otherwise). All differences zero
 * gives n = 0 and p = 1. 0, or -1 when d is NULL with n > 0 or out of
 * memory. */
int cfb_wsr_test(const double *d, size_t n, cfb_wsr *out);

/* The smallest two-sided p-value the exact test can give with n nonzero
 * differences: 2 / 2^n (every difference of one sign). */
double cfb_wsr_min_p(size_t n);

/* Percentile bootstrap CI of the median of r[0..n-1] (borrowed): `resamples`
 * times draw n values with replacement and take their median; [lo, hi] are
 * the (1 - level) / 2 and (1 + level) / 2 quantiles (R type 7) of those
 * medians. The draws come from rng (seeded by the caller), so the interval
 * is reproducible. *point = median(r). 0, or -1 on bad input (n == 0,
 * resamples < 2, level not in (0, 1)) or out of memory. */
int cfb_bootstrap_median_ci(const double *r, size_t n, size_t resamples, double level, cfb_rng *rng,
                            double *point, double *lo, double *hi);

/* Holm's step-down adjustment of p[0..m-1] in place: the i-th smallest
 * p-value becomes max over j <= i of min(1, (m - j + 1) p_(j)). 0, or -1 out
 * of memory. */
int cfb_holm(double *p, size_t m);

/* A robust spread of x[0..n-1] (borrowed): 1.4826 * MAD, the standard
 * deviation for normal data. NaN when n == 0 or out of memory. */
double cfb_robust_sd(const double *x, size_t n);

#endif
