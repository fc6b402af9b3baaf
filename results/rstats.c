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

void cfb_boot_ws_free(cfb_boot_ws *ws) {
    if (!ws) return;
    free(ws->rank);
    free(ws->cnt);
    free(ws->sorted);
    free(ws->ratios);
    memset(ws, 0, sizeof *ws);
}

/* Grow *p to hold n elements of size sz (capacity in *cap). 0 or -1. */
static int ws_grow(void **p, size_t *cap, size_t n, size_t sz) {
    if (n <= *cap) return 0;
    void *q = realloc(*p, n * sz);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

typedef struct idx_val {
    double v;
    size_t i;
} idx_val;

static int cmp_idx_val(const void *a, const void *b) {
    const idx_val *x = a, *y = b;
    if (x->v != y->v) return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/* sorted[0..n-1] = x ascending and rank[i] = the position of x[i] in it. */
static int rank_sample(const double *x, size_t n, double *sorted, size_t *rank) {
    idx_val *t = malloc(n * sizeof *t);
    if (!t) return -1;
    for (size_t i = 0; i < n; i++)
        t[i] = (idx_val){x[i], i};
    qsort(t, n, sizeof *t, cmp_idx_val);
    for (size_t k = 0; k < n; k++) {
        sorted[k] = t[k].v;
        rank[t[k].i] = k;
    }
    free(t);
    return 0;
}

/* The median of one resample of n values drawn (with replacement, n draws
 * from r, in index order exactly as x[cfb_rng_below(r, n)] would) from the
 * sample whose ascending values are sorted[] and ranks rank[]: counts of
 * the drawn ranks, then a walk to the middle one(s) — the same value as
 * sorting the resample, without the sort. cnt[0..n-1] is scratch. */
static double resample_median(const double *sorted, const size_t *rank, size_t n, uint32_t *cnt,
                              cfb_rng *r) {
    memset(cnt, 0, n * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[rank[cfb_rng_below(r, n)]]++;
    size_t lo = (n - 1) / 2, hi = n / 2, seen = 0, k = 0;
    while (seen + cnt[k] <= lo)
        seen += cnt[k++];
    double a = sorted[k];
    while (seen + cnt[k] <= hi)
        seen += cnt[k++];
    return lo == hi ? a : 0.5 * (a + sorted[k]);
}

/* The k-th smallest (0-based) of s[0..n-1], partially reordering s
 * (quickselect, median-of-three pivots); afterwards s[k] is in place,
 * everything before it <= s[k] and everything after >= s[k]. */
static double select_kth(double *s, size_t n, size_t k) {
    size_t l = 0, h = n - 1;
    while (l < h) {
        size_t mid = l + (h - l) / 2;
        double a = s[l], b = s[mid], c = s[h];
        double piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = l, j = h;
        while (i <= j) {
            while (s[i] < piv)
                i++;
            while (s[j] > piv)
                j--;
            if (i <= j) {
                double t = s[i];
                s[i] = s[j];
                s[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            h = j;
        else if (k >= i)
            l = i;
        else
            break; /* s[j+1..i-1] all equal the pivot */
    }
    return s[k];
}

/* R type 7 quantile q of s[0..n-1] (unsorted; reordered) by selection. */
static double quantile7_select(double *s, size_t n, double q) {
    if (n == 1) return s[0];
    double h = (double)(n - 1) * q;
    size_t lo = (size_t)floor(h);
    if (lo >= n - 1) return select_kth(s, n, n - 1);
    double a = select_kth(s, n, lo), b = s[lo + 1];
    for (size_t i = lo + 2; i < n; i++)
        if (s[i] < b) b = s[i];
    return a + (h - (double)lo) * (b - a);
}

int cfb_bootstrap_ratio_ci_ws(const double *x, size_t nx, const double *y, size_t ny,
                              size_t resamples, double level, cfb_rng *r, cfb_boot_ws *ws,
                              double *point, double *lo, double *hi) {
    if (!x || !y || !nx || !ny || resamples < 2 || !r || !ws || !(level > 0.0 && level < 1.0))
        return -1;
    for (size_t i = 0; i < nx; i++)
        if (!(x[i] > 0.0)) return -1;
    size_t n = nx + ny, big = nx > ny ? nx : ny;
    if (ws_grow((void **)&ws->rank, &ws->cap_rank, n, sizeof *ws->rank) ||
        ws_grow((void **)&ws->sorted, &ws->cap_sorted, n, sizeof *ws->sorted) ||
        ws_grow((void **)&ws->cnt, &ws->cap_cnt, big, sizeof *ws->cnt) ||
        ws_grow((void **)&ws->ratios, &ws->cap_ratios, resamples, sizeof *ws->ratios))
        return -1;
    double *xs = ws->sorted, *ys = ws->sorted + nx;
    size_t *rx = ws->rank, *ry = ws->rank + nx;
    if (rank_sample(x, nx, xs, rx) || rank_sample(y, ny, ys, ry)) return -1;
    double *ratios = ws->ratios;
    for (size_t b = 0; b < resamples; b++) {
        double mx = resample_median(xs, rx, nx, ws->cnt, r);
        double my = resample_median(ys, ry, ny, ws->cnt, r);
        ratios[b] = my / mx;
    }
    *lo = quantile7_select(ratios, resamples, (1.0 - level) / 2.0);
    *hi = quantile7_select(ratios, resamples, (1.0 + level) / 2.0);
    *point = median_sorted(ys, ny) / median_sorted(xs, nx);
    return 0;
}

int cfb_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, size_t resamples,
                           double level, cfb_rng *r, double *point, double *lo, double *hi) {
    cfb_boot_ws ws = {0};
    int rc = cfb_bootstrap_ratio_ci_ws(x, nx, y, ny, resamples, level, r, &ws, point, lo, hi);
    cfb_boot_ws_free(&ws);
    return rc;
}
