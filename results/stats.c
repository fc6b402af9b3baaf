/* stats.c — medians, MAD, the 95% confidence interval of the median
 * (order statistics from n = 6, a t-interval on log values for n = 2..5). */
#include "cfbench_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cfb_quantile_sorted(const double *sorted, size_t n, double q) {
    if (!sorted || n == 0) return NAN;
    if (q <= 0) return sorted[0];
    if (q >= 1) return sorted[n - 1];
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    double frac = h - (double)lo;
    if (lo + 1 >= n) return sorted[n - 1];
    return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

void cfb_median_ci_ranks(size_t n, size_t *lo, size_t *hi) {
    /* With B ~ Binomial(n, 1/2), [x_(k), x_(n-k+1)] covers the population
     * median with probability 1 - 2 P(B <= k - 1). Take the largest k with
     * P(B <= k - 1) <= 0.025 (coverage >= 95%). */
    size_t l = 1;
    if (n >= CFB_CI_ORDER_MIN_N) {
        double cdf = 0, logp = -(double)n * log(2.0);
        for (size_t k = 1; k <= n / 2; k++) {
            size_t j = k - 1;
            cdf += exp(lgamma((double)n + 1) - lgamma((double)j + 1) - lgamma((double)(n - j) + 1) +
                       logp);
            if (cdf > 0.025) break;
            l = k;
        }
    }
    if (lo) *lo = l;
    if (hi) *hi = n - l + 1;
}

/* Two-sided 97.5% quantiles of Student's t with 1..4 degrees of freedom. */
static const double t975[] = {12.706204736174703, 4.302652729749464, 3.182446305284263,
                              2.7764451051977987};

/* The 95% CI of the median of sorted[0..n-1] (ascending) into out->ci_lo /
 * ci_hi (out->median must be set). See stats.h for the method. */
static void median_ci95(const double *sorted, size_t n, cfb_stats *out) {
    if (n >= CFB_CI_ORDER_MIN_N) {
        size_t lo, hi;
        cfb_median_ci_ranks(n, &lo, &hi);
        out->ci_lo = sorted[lo - 1];
        out->ci_hi = sorted[hi - 1];
        return;
    }
    if (n < 2) {
        out->ci_lo = out->ci_hi = NAN;
        return;
    }
    int logs = sorted[0] > 0;
    double m = 0, ss = 0;
    for (size_t i = 0; i < n; i++)
        m += logs ? log(sorted[i]) : sorted[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (logs ? log(sorted[i]) : sorted[i]) - m;
        ss += d * d;
    }
    double half = t975[n - 2] * sqrt(ss / (double)(n - 1)) / sqrt((double)n);
    double lo = m - half, hi = m + half;
    if (logs) lo = exp(lo), hi = exp(hi);
    /* Never exclude the sample median (it can only widen the interval). */
    out->ci_lo = fmin(lo, out->median);
    out->ci_hi = fmax(hi, out->median);
}

int cfb_stats_compute(const double *x, size_t n, cfb_stats *out) {
    if (!out) return -1;
    memset(out, 0, sizeof *out);
    if (!x || n == 0) return -1;
    double *s = malloc(n * sizeof *s);
    if (!s) return -1;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    out->n = n;
    out->min = s[0];
    out->max = s[n - 1];
    out->median = cfb_quantile_sorted(s, n, 0.5);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s[i];
    out->mean = sum / (double)n;
    if (n > 1) {
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += (s[i] - out->mean) * (s[i] - out->mean);
        out->stddev = sqrt(ss / (double)(n - 1));
    }
    median_ci95(s, n, out);
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(s[i] - out->median);
    qsort(s, n, sizeof *s, cmp_double);
    out->mad = cfb_quantile_sorted(s, n, 0.5);
    free(s);
    return 0;
}

json_t *cfb_stats_to_json(const cfb_stats *s) {
    if (!s) return NULL;
    json_t *ci = isfinite(s->ci_lo) && isfinite(s->ci_hi) ? json_pack("[f, f]", s->ci_lo, s->ci_hi)
                                                          : json_null();
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:o}", "n", (json_int_t)s->n, "median",
                     s->median, "mean", s->mean, "stddev", s->stddev, "mad", s->mad, "min", s->min,
                     "max", s->max, "ci95", ci);
}
