/* paired.c — Wilcoxon signed-rank, bootstrap CI of a median, Holm (see
 * paired.h). */
#include "paired.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct absd {
    double a; /* |d| */
    int pos;  /* d > 0 */
} absd;

static int cmp_absd(const void *x, const void *y) {
    double a = ((const absd *)x)->a, b = ((const absd *)y)->a;
    return (a > b) - (a < b);
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* P(W+ <= w) under H0 for n untied ranks 1..n: count[k] = the number of
 * subsets of {1..n} that sum to k (a knapsack count), over 2^n. */
static int exact_cdf(size_t n, double w, double *cdf) {
    size_t max = n * (n + 1) / 2;
    double *count = calloc(max + 1, sizeof *count);
    if (!count) return -1;
    count[0] = 1.0;
    for (size_t r = 1; r <= n; r++)
        for (size_t k = max; k >= r; k--)
            count[k] += count[k - r];
    double sum = 0.0, total = ldexp(1.0, (int)n);
    for (size_t k = 0; k <= max && (double)k <= w + 1e-9; k++)
        sum += count[k];
    free(count);
    *cdf = sum / total;
    return 0;
}

int cfb_wsr_test(const double *d, size_t n, cfb_wsr *out) {
    memset(out, 0, sizeof *out);
    out->p = 1.0;
    if (n && !d) return -1;
    absd *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (d[i] != 0.0) v[m++] = (absd){fabs(d[i]), d[i] > 0};
    out->n = m;
    if (!m) {
        free(v);
        return 0;
    }
    qsort(v, m, sizeof *v, cmp_absd);
    /* Average ranks over ties; the tie correction sum (t^3 - t). */
    double w_pos = 0.0, ties = 0.0;
    for (size_t i = 0; i < m;) {
        size_t j = i;
        while (j + 1 < m && v[j + 1].a == v[i].a)
            j++;
        double rank = (double)(i + j + 2) / 2.0, t = (double)(j - i + 1);
        for (size_t k = i; k <= j; k++)
            if (v[k].pos) w_pos += rank;
        ties += t * t * t - t;
        i = j + 1;
    }
    free(v);
    double total = (double)m * (double)(m + 1) / 2.0;
    out->w_pos = w_pos;
    out->w_neg = total - w_pos;
    double t = fmin(out->w_pos, out->w_neg);
    if (ties == 0.0 && m <= 50) {
        double cdf;
        if (exact_cdf(m, t, &cdf)) return -1;
        out->method = CFB_WSR_EXACT;
        out->p = fmin(1.0, 2.0 * cdf);
        return 0;
    }
    double mn = total / 2.0;
    double var = (double)m * (double)(m + 1) * (double)(2 * m + 1) / 24.0 - ties / 48.0;
    out->method = CFB_WSR_NORMAL;
    if (!(var > 0.0)) return 0; /* every |d| tied and balanced: p = 1 */
    double corr = t < mn ? -0.5 : 0.0;
    out->z = (t - mn - corr) / sqrt(var);
    out->p = fmin(1.0, erfc(fabs(out->z) / sqrt(2.0)));
    return 0;
}

double cfb_wsr_min_p(size_t n) {
    return n >= 1 ? fmin(1.0, 2.0 * ldexp(1.0, -(int)(n > 1000 ? 1000 : n))) : 1.0;
}

/* Quantile q of sorted[0..n-1], R type 7. */
static double quantile7(const double *s, size_t n, double q) {
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo + 1 >= n) return s[n - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

static double median_sorted(const double *s, size_t n) {
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

int cfb_bootstrap_median_ci(const double *r, size_t n, size_t resamples, double level, cfb_rng *rng,
                            double *point, double *lo, double *hi) {
    if (!r || !n || resamples < 2 || !(level > 0.0 && level < 1.0)) return -1;
    double *draw = malloc(n * sizeof *draw), *meds = malloc(resamples * sizeof *meds);
    if (!draw || !meds) {
        free(draw);
        free(meds);
        return -1;
    }
    memcpy(draw, r, n * sizeof *draw);
    qsort(draw, n, sizeof *draw, cmp_double);
    *point = median_sorted(draw, n);
    for (size_t b = 0; b < resamples; b++) {
        for (size_t i = 0; i < n; i++)
            draw[i] = r[cfb_rng_below(rng, n)];
        qsort(draw, n, sizeof *draw, cmp_double);
        meds[b] = median_sorted(draw, n);
    }
    qsort(meds, resamples, sizeof *meds, cmp_double);
    *lo = quantile7(meds, resamples, (1.0 - level) / 2.0);
    *hi = quantile7(meds, resamples, (1.0 + level) / 2.0);
    free(draw);
    free(meds);
    return 0;
}

typedef struct pidx {
    double p;
    size_t i;
} pidx;

static int cmp_pidx(const void *x, const void *y) {
    const pidx *a = x, *b = y;
    if (a->p != b->p) return (a->p > b->p) - (a->p < b->p);
    return (a->i > b->i) - (a->i < b->i);
}

int cfb_holm(double *p, size_t m) {
    if (m < 2) return 0;
    pidx *v = malloc(m * sizeof *v);
    if (!v) return -1;
    for (size_t i = 0; i < m; i++)
        v[i] = (pidx){p[i], i};
    qsort(v, m, sizeof *v, cmp_pidx);
    double run = 0.0;
    for (size_t k = 0; k < m; k++) {
        double adj = fmin(1.0, (double)(m - k) * v[k].p);
        run = fmax(run, adj);
        p[v[k].i] = run;
    }
    free(v);
    return 0;
}

double cfb_robust_sd(const double *x, size_t n) {
    if (!n) return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s) return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double med = median_sorted(s, n);
    for (size_t i = 0; i < n; i++)
        s[i] = fabs(x[i] - med);
    qsort(s, n, sizeof *s, cmp_double);
    double mad = median_sorted(s, n);
    free(s);
    return 1.4826 * mad;
}
