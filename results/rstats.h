/*
 * rstats.h — the statistics behind `cfbench compare`: a seeded PRNG, the
 * Mann–Whitney U test, a bootstrap confidence interval of a ratio of
 * medians, and "how many repetitions would be needed".
 *
 * Everything here is pure computation: inputs are borrowed and never
 * modified, nothing is kept between calls, no global state (the PRNG state
 * is the caller's). Functions that need scratch memory allocate and free it
 * themselves and return -1 when out of memory.
 */
#ifndef CFB_RSTATS_H
#define CFB_RSTATS_H

#include <stddef.h>
#include <stdint.h>

/* ---- PRNG: xoshiro256** seeded through splitmix64 ------------------------ */

typedef struct cfb_rng {
    uint64_t s[4];
} cfb_rng;

void cfb_rng_seed(cfb_rng *r, uint64_t seed);
uint64_t cfb_rng_next(cfb_rng *r);
/* A uniform index in [0, n): floor(u53 * n) with u53 = (next >> 11) * 2^-53.
 * (The bias for the n used here, a few hundred at most, is below 1e-13.) */
size_t cfb_rng_below(cfb_rng *r, size_t n);

/* ---- small helpers ------------------------------------------------------- */

/* Median of x[0..n-1] (borrowed): the middle value, or the mean of the two
 * middle values when n is even. NaN when n == 0 or out of memory. */
double cfb_median(const double *x, size_t n);

/* ---- Mann–Whitney U ------------------------------------------------------ */

typedef enum cfb_mwu_method {
    CFB_MWU_EXACT,  /* exact null distribution: no ties and nx + ny <= 60 */
    CFB_MWU_NORMAL, /* normal approximation, tie- and continuity-corrected */
} cfb_mwu_method;

typedef struct cfb_mwu {
    double u1; /* U of x: #pairs (x_i > y_j) + 0.5 #pairs (x_i == y_j) */
    double u2; /* nx * ny - u1 */
    double z;  /* the normal approximation's z (0 for the exact method) */
    double p;  /* two-sided p-value, in (0, 1] */
    cfb_mwu_method method;
} cfb_mwu;

/* Two-sided Mann–Whitney U test of x[0..nx-1] against y[0..ny-1] (both
 * borrowed, NaN not allowed). Same answers as scipy.stats.mannwhitneyu with
 * method='exact' (no ties, nx + ny <= 60) or method='asymptotic',
 * use_continuity=True (otherwise). All values tied gives p = 1.
 * 0, or -1 when nx or ny is 0 or out of memory. */
int cfb_mwu_test(const double *x, size_t nx, const double *y, size_t ny, cfb_mwu *out);

/* The smallest two-sided p-value the test can give with nx and ny samples:
 * 2 / C(nx + ny, nx) (both samples entirely on one side, no ties). */
double cfb_mwu_min_p(size_t nx, size_t ny);

/* The smallest n such that n repetitions per side can reach p <= alpha
 * (2 / C(2n, n) <= alpha); 4 for alpha = 0.05, 5 for 0.01. */
size_t cfb_mwu_reps_for_alpha(double alpha);

/* ---- bootstrap ----------------------------------------------------------- */

/* Percentile bootstrap CI of median(y) / median(x): `resamples` times, draw
 * nx values of x with replacement, then ny values of y, and take the ratio
 * of the medians; [lo, hi] are the (1 - level) / 2 and (1 + level) / 2
 * quantiles (linear interpolation, R type 7) of those ratios. The draws come
 * from r (seeded by the caller), so the interval is reproducible. Every value
 * of x must be > 0 (y may hold any values). *point = median(y) / median(x).
 * 0, or -1 on bad input (nx or ny 0, resamples < 2, a value of x <= 0) or
 * out of memory. */
int cfb_bootstrap_ratio_ci(const double *x, size_t nx, const double *y, size_t ny, size_t resamples,
                           double level, cfb_rng *r, double *point, double *lo, double *hi);

/* Scratch memory for cfb_bootstrap_ratio_ci_ws(), reused across calls (one
 * per thread). Zero-initialise it ({0}); it grows as needed; the caller
 * owns it and releases it with cfb_boot_ws_free() (which leaves it zeroed
 * and reusable). */
typedef struct cfb_boot_ws {
    size_t *rank;
    uint32_t *cnt;
    double *sorted, *ratios;
    size_t cap_rank, cap_cnt, cap_sorted, cap_ratios;
} cfb_boot_ws;

void cfb_boot_ws_free(cfb_boot_ws *ws);

/* cfb_bootstrap_ratio_ci() with caller-owned scratch ws (borrowed; grown as
 * needed): the same draws from r and the same interval, bit for bit. Each
 * resample costs nx + ny draws and O(nx + ny) work (the resample's median
 * comes from counts of the drawn ranks, no sort); the two quantiles are
 * found by selection, O(resamples). 0, or -1 as cfb_bootstrap_ratio_ci(). */
int cfb_bootstrap_ratio_ci_ws(const double *x, size_t nx, const double *y, size_t ny,
                              size_t resamples, double level, cfb_rng *r, cfb_boot_ws *ws,
                              double *point, double *lo, double *hi);

#endif
