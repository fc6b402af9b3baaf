/* rstats.c — PRNG, Mann–Whitney U, bootstrap ratio CI (see rstats.h). */
#include "rstats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- PRNG ---------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cfb_rng_seed(cfb_rng *r, uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t cfb_rng_next(cfb_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

size_t cfb_rng_below(cfb_rng *r, size_t n) {
    double u = (double)(cfb_rng_next(r) >> 11) * 0x1.0p-53;
    size_t i = (size_t)(u * (double)n);
    return i < n ? i : n - 1;
}

/* ---- helpers ------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_sorted(const double *s, size_t n) {
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

double cfb_median(const double *x, size_t n) {
    if (!n) return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s) return NAN;
    memcpy(s, x, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = median_sorted(s, n);
    free(s);
    return m;
}

/* R type 7 quantile of sorted s[0..n-1]. */
static double quantile7(const double *s, size_t n, double q) {
    if (n == 1) return s[0];
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1) return s[n - 1];
    return s[lo] + (h - (double)lo) * (s[lo + 1] - s[lo]);
}

/* ---- Mann–Whitney U ------------------------------------------------------ */

/* Counts c[u], u = 0..m*n, of the arrangements of m x's and n y's with
 * U = u: the coefficients of the Gaussian binomial [m+n choose m]_q, built
 * as prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i). Every intermediate is an
 * integer below 2 C(m+n, m) <= 2 C(60, 30) < 2^63, so int64 is exact. */
static int64_t *mwu_counts(size_t m, size_t n) {
    /* Multiplying step i reaches degree (i-1) n + n + i <= m n + m. */
    int64_t *c = calloc(m * n + m + 1, sizeof *c);
    if (!c) return NULL;
    c[0] = 1;
    size_t cur = 0; /* current degree */
    for (size_t i = 1; i <= m; i++) {
        size_t a = n + i;
        /* multiply by (1 - q^a): degree cur + a */
        for (size_t k = cur + a; k >= a; k--)
            c[k] -= c[k - a];
        cur += a;
        /* divide by (1 - q^i): running sum with stride i */
        for (size_t k = i; k <= cur; k++)
            c[k] += c[k - i];
        cur -= i; /* the quotient's degree */
    }
    return c;
}

double cfb_mwu_min_p(size_t nx, size_t ny) {
    /* 2 / C(nx + ny, nx), in floating point (products of ratios). */
    double c = 1.0;
    size_t k = nx < ny ? nx : ny, n = nx + ny;
    for (size_t i = 1; i <= k; i++)
        c = c * (double)(n - k + i) / (double)i;
    double p = 2.0 / c;
    return p > 1.0 ? 1.0 : p;
}

size_t cfb_mwu_reps_for_alpha(double alpha) {
    size_t n = 1;
    while (n < 1000 && cfb_mwu_min_p(n, n) > alpha)
        n++;
    return n;
}

typedef struct ranked {
    double v;
    int from_x;
} ranked;

static int cmp_ranked(const void *a, const void *b) {
    return cmp_double(&((const ranked *)a)->v, &((const ranked *)b)->v);
}

int cfb_mwu_test(const double *x, size_t nx, const double *y, size_t ny, cfb_mwu *out) {
    if (!x || !y || !nx || !ny || !out) return -1;
    size_t n = nx + ny;
    ranked *all = malloc(n * sizeof *all);
    if (!all) return -1;
    for (size_t i = 0; i < nx; i++)
        all[i] = (ranked){x[i], 1};
    for (size_t j = 0; j < ny; j++)
        all[nx + j] = (ranked){y[j], 0};
    qsort(all, n, sizeof *all, cmp_ranked);

    /* Mid-ranks; rank sum of x; tie term sum(t^3 - t). */
    double rsum_x = 0.0, tie_term = 0.0;
    int ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && all[j + 1].v == all[i].v)
            j++;
        double t = (double)(j - i + 1);
        double rank = 0.5 * ((double)(i + 1) + (double)(j + 1));
        for (size_t k = i; k <= j; k++)
            if (all[k].from_x) rsum_x += rank;
        if (t > 1) {
            ties = 1;
            tie_term += t * t * t - t;
        }
        i = j + 1;
    }
    free(all);

    double dnx = (double)nx, dny = (double)ny, dn = (double)n;
    out->u1 = rsum_x - dnx * (dnx + 1.0) / 2.0;
    out->u2 = dnx * dny - out->u1;
    out->z = 0.0;

    if (!ties && n <= 60) {
        int64_t *c = mwu_counts(nx, ny);
        if (!c) return -1;
        size_t deg = nx * ny;
        size_t u = (size_t)llround(out->u1);
        double total = 0.0, le = 0.0, ge = 0.0;
        for (size_t k = 0; k <= deg; k++) {
            total += (double)c[k];
            if (k <= u) le += (double)c[k];
            if (k >= u) ge += (double)c[k];
        }
        free(c);
        double p = 2.0 * (le < ge ? le : ge) / total;
        out->p = p > 1.0 ? 1.0 : p;
        out->method = CFB_MWU_EXACT;
        return 0;
    }

    out->method = CFB_MWU_NORMAL;
    double mu = dnx * dny / 2.0;
    double var = dnx * dny / 12.0 * ((dn + 1.0) - tie_term / (dn * (dn - 1.0)));
    if (var <= 0.0) { /* every value tied */
        out->p = 1.0;
        return 0;
    }
    double big = out->u1 > out->u2 ? out->u1 : out->u2;
    double z = (big - mu - 0.5) / sqrt(var);
    out->z = z;
    double p = erfc(z / sqrt(2.0)); /* 2 * (1 - Phi(z)) */
    out->p = p > 1.0 ? 1.0 : p;
    return 0;
}

/* ---- bootstrap ----------------------------------------------------------- */

int cfb_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, size_t resamples,
                           double level, cfb_rng *r, double *point, double *lo, double *hi) {
    if (!x || !y || !nx || !ny || resamples < 2 || !r || !(level > 0.0 && level < 1.0)) return -1;
    for (size_t i = 0; i < nx; i++)
        if (!(x[i] > 0.0)) return -1;
    double *bx = malloc(nx * sizeof *bx), *by = malloc(ny * sizeof *by);
    double *ratios = malloc(resamples * sizeof *ratios);
    if (!bx || !by || !ratios) {
        free(bx);
        free(by);
        free(ratios);
        return -1;
    }
    for (size_t b = 0; b < resamples; b++) {
        for (size_t i = 0; i < nx; i++)
            bx[i] = x[cfb_rng_below(r, nx)];
        for (size_t j = 0; j < ny; j++)
            by[j] = y[cfb_rng_below(r, ny)];
        qsort(bx, nx, sizeof *bx, cmp_double);
        qsort(by, ny, sizeof *by, cmp_double);
        ratios[b] = median_sorted(by, ny) / median_sorted(bx, nx);
    }
    qsort(ratios, resamples, sizeof *ratios, cmp_double);
    *lo = quantile7(ratios, resamples, (1.0 - level) / 2.0);
    *hi = quantile7(ratios, resamples, (1.0 + level) / 2.0);
    *point = cfb_median(y, ny) / cfb_median(x, nx);
    free(bx);
    free(by);
    free(ratios);
    return 0;
}
