/* outliers.c — modified z-score outlier rule (outliers.h). */
#include "outliers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..m) (sorted in place), m ≥ 1. */
static double median_sorted(double *v, size_t m) {
    qsort(v, m, sizeof *v, cmp_d);
    return m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
}

/* Median and scale of the finite values of x: the denominator of the
 * modified z-score (MAD / 0.6745, or 1.253314 × MeanAD when MAD is 0).
 * Returns the number of finite values (0: none), or (size_t)-1 when out of
 * memory. */
static size_t centre_scale(const double *x, size_t n, double *med, double *scale) {
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return (size_t)-1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) v[m++] = x[i];
    if (!m) {
        free(v);
        return 0;
    }
    *med = median_sorted(v, m);
    double sum = 0;
    for (size_t i = 0; i < m; i++) {
        v[i] = fabs(v[i] - *med);
        sum += v[i];
    }
    double mad = median_sorted(v, m);
    *scale = mad > 0 ? mad / 0.6745 : 1.253314 * (sum / (double)m);
    free(v);
    return m;
}

static double zscore(double v, double med, double scale) {
    double d = v - med;
    if (scale > 0) return d / scale;
    return d == 0 ? 0 : (d > 0 ? INFINITY : -INFINITY);
}

double cfb_modified_z(const double *x, size_t n, double v) {
    double med = 0, scale = 0;
    size_t m = centre_scale(x, n, &med, &scale);
    if (m == 0 || m == (size_t)-1) return NAN;
    return zscore(v, med, scale);
}

int cfb_outliers(const double *x, size_t n, bool *flags, size_t *count) {
    *count = 0;
    if (flags && n) memset(flags, 0, n * sizeof *flags);
    double med = 0, scale = 0;
    size_t m = centre_scale(x, n, &med, &scale);
    if (m == (size_t)-1) return -1;
    if (m < CFB_OUTLIER_MIN_N || !(scale > 0)) return 0; /* scale 0: every value is the median */
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !(fabs(zscore(x[i], med, scale)) > CFB_OUTLIER_Z)) continue;
        if (flags) flags[i] = true;
        (*count)++;
    }
    return 0;
}
