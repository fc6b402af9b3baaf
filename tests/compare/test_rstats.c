/*
 * test_rstats.c — the statistics of `cfbench compare` against values
 * computed independently.
 *
 * Reference values come from tests/compare/rstats_ref.py (plain Python, no
 * numpy/scipy on this machine), which computes them a different way:
 *  - exact Mann–Whitney p-values by brute force: enumerate every split of
 *    the pooled sample into groups of sizes nx and ny (C(20,10) = 184756
 *    splits for 10 vs 10), count those with U <= U_obs and U >= U_obs;
 *    p = 2 min(le, ge) / total, capped at 1 — scipy's method='exact';
 *  - the tie-corrected normal approximation by hand (worked below), which is
 *    scipy.stats.mannwhitneyu(x, y, method='asymptotic') with its default
 *    use_continuity=True;
 *  - the bootstrap CI with a Python re-implementation of xoshiro256** /
 *    splitmix64 and the same resampling order (x first, then y).
 */
#include <math.h>

#include "check.h"
#include "rstats.h"

#define CLOSE(a, b, tol) CHECK(fabs((a) - (b)) <= (tol))

static void test_exact_small(void) {
    cfb_mwu u;
    /* Complete separation, 3 vs 3: only 1 of C(6,3) = 20 arrangements is as
     * extreme on each side: p = 2/20. */
    double a[] = {1, 2, 3}, b[] = {4, 5, 6};
    CHECK(cfb_mwu_test(a, 3, b, 3, &u) == 0);
    CHECK(u.method == CFB_MWU_EXACT);
    CLOSE(u.u1, 0.0, 1e-12);
    CLOSE(u.u2, 9.0, 1e-12);
    CLOSE(u.p, 0.1, 1e-12);
    /* Same, reversed: U1 = 9, same p. */
    CHECK(cfb_mwu_test(b, 3, a, 3, &u) == 0);
    CLOSE(u.u1, 9.0, 1e-12);
    CLOSE(u.p, 0.1, 1e-12);

    /* 5 vs 5 separated: 2 / C(10,5) = 2/252. */
    double c[] = {1, 2, 3, 4, 5}, d[] = {6, 7, 8, 9, 10};
    CHECK(cfb_mwu_test(c, 5, d, 5, &u) == 0);
    CLOSE(u.p, 2.0 / 252.0, 1e-12);

    /* Interleaved 1,3,5 vs 2,4,6: U1 = 3; the U distribution for 3 vs 3 has
     * counts 1,1,2,3,3,3,3,2,1,1 (u = 0..9), P(U <= 3) = 7/20, so p = 0.7. */
    double e[] = {1, 3, 5}, f[] = {2, 4, 6};
    CHECK(cfb_mwu_test(e, 3, f, 3, &u) == 0);
    CLOSE(u.u1, 3.0, 1e-12);
    CLOSE(u.p, 0.7, 1e-12);

    /* Identical-in-distribution but unequal sizes 2 vs 4: min p = 2/C(6,2). */
    CLOSE(cfb_mwu_min_p(2, 4), 2.0 / 15.0, 1e-12);
    CLOSE(cfb_mwu_min_p(3, 3), 0.1, 1e-12);
    CLOSE(cfb_mwu_min_p(4, 4), 2.0 / 70.0, 1e-12);
    CHECK_EQ_INT(cfb_mwu_reps_for_alpha(0.05), 4);
    CHECK_EQ_INT(cfb_mwu_reps_for_alpha(0.01), 5);
    CHECK_EQ_INT(cfb_mwu_reps_for_alpha(0.1), 3);
    CHECK_EQ_INT(cfb_mwu_reps_for_alpha(0.001), 7); /* 2/C(14,7) = 0.00058 */
}

static void test_exact_10v10(void) {
    /* Brute force (rstats_ref.py): U1 = 25, p = 0.06301283855463422. */
    double x[] = {1, 2, 3, 5, 7, 8, 11, 12, 15, 16};
    double y[] = {4, 6, 9, 10, 13, 14, 17, 18, 19, 20};
    cfb_mwu u;
    CHECK(cfb_mwu_test(x, 10, y, 10, &u) == 0);
    CHECK(u.method == CFB_MWU_EXACT);
    CLOSE(u.u1, 25.0, 1e-12);
    CLOSE(u.p, 0.06301283855463422, 1e-12);
}

static void test_normal_ties(void) {
    /* x = 1 2 2 3 4, y = 2 3 3 5 6. Pooled and sorted:
     *   1x 2x 2x 2y 3x 3y 3y 4x 5y 6y
     * mid-ranks: 1 -> 1; the three 2s share ranks 2..4 -> 3; the three 3s
     * share 5..7 -> 6; 4 -> 8, 5 -> 9, 6 -> 10.
     * R_x = 1 + 3 + 3 + 6 + 8 = 21, U1 = 21 - 5*6/2 = 6, U2 = 25 - 6 = 19.
     * Ties: two groups of 3, sum(t^3 - t) = 48; n = 10.
     * var = 5*5/12 * (11 - 48/(10*9)) = 21.805555...
     * z = (max(U1,U2) - 12.5 - 0.5) / sqrt(var) = 6 / 4.669642 = 1.284895
     * p = 2 (1 - Phi(z)) = erfc(z / sqrt 2) = 0.19882894401644238. */
    double x[] = {1, 2, 2, 3, 4}, y[] = {2, 3, 3, 5, 6};
    cfb_mwu u;
    CHECK(cfb_mwu_test(x, 5, y, 5, &u) == 0);
    CHECK(u.method == CFB_MWU_NORMAL);
    CLOSE(u.u1, 6.0, 1e-12);
    CLOSE(u.u2, 19.0, 1e-12);
    CLOSE(u.z, 1.2848950984468495, 1e-9);
    CLOSE(u.p, 0.19882894401644238, 1e-9);

    /* Everything tied: no evidence at all. */
    double t1[] = {2, 2, 2, 2}, t2[] = {2, 2, 2, 2};
    CHECK(cfb_mwu_test(t1, 4, t2, 4, &u) == 0);
    CLOSE(u.p, 1.0, 1e-12);

    /* Bad input. */
    CHECK(cfb_mwu_test(x, 0, y, 5, &u) == -1);
    CHECK(cfb_mwu_test(NULL, 5, y, 5, &u) == -1);
}

static void test_large_n_exact_vs_normal(void) {
    /* 40 vs 40 without ties goes to the normal branch (n > 60); with a
     * complete separation the p-value is tiny either way. */
    double x[40], y[40];
    for (int i = 0; i < 40; i++) {
        x[i] = i;
        y[i] = 100 + i;
    }
    cfb_mwu u;
    CHECK(cfb_mwu_test(x, 40, y, 40, &u) == 0);
    CHECK(u.method == CFB_MWU_NORMAL);
    CHECK(u.p < 1e-12);
    /* 30 vs 30 is still exact: p = 2 / C(60,30) ~ 1.7e-17. */
    CHECK(cfb_mwu_test(x, 30, y, 30, &u) == 0);
    CHECK(u.method == CFB_MWU_EXACT);
    CHECK(u.p > 0 && u.p < 1e-16);
}

static void test_rng(void) {
    /* xoshiro256** seeded by splitmix64(42): first three outputs, from the
     * Python re-implementation. */
    cfb_rng r;
    cfb_rng_seed(&r, 42);
    CHECK(cfb_rng_next(&r) == 0x15780b2e0c2ec716ULL);
    CHECK(cfb_rng_next(&r) == 0x6104d9866d113a7eULL);
    CHECK(cfb_rng_next(&r) == 0xae17533239e499a1ULL);
    int hist[5] = {0};
    for (int i = 0; i < 5000; i++) {
        size_t k = cfb_rng_below(&r, 5);
        CHECK(k < 5);
        hist[k < 5 ? k : 0]++;
    }
    for (int k = 0; k < 5; k++)
        CHECK(hist[k] > 850 && hist[k] < 1150);
}

static void test_bootstrap(void) {
    double x[] = {1.00, 1.02, 0.98, 1.05, 0.97, 1.01, 1.03};
    double y[] = {1.10, 1.12, 1.08, 1.15, 1.09, 1.11, 1.20};
    cfb_rng r;
    double pt, lo, hi;
    cfb_rng_seed(&r, 42);
    CHECK(cfb_bootstrap_ratio_ci(x, 7, y, 7, 1000, 0.95, &r, &pt, &lo, &hi) == 0);
    /* rstats_ref.py, seed 42, 1000 resamples. */
    CLOSE(pt, 1.0990099009900991, 1e-12);
    CLOSE(lo, 1.0679611650485437, 1e-12);
    CLOSE(hi, 1.1546391752577321, 1e-12);

    /* Same seed, same interval. */
    double lo2, hi2;
    cfb_rng_seed(&r, 42);
    CHECK(cfb_bootstrap_ratio_ci(x, 7, y, 7, 1000, 0.95, &r, &pt, &lo2, &hi2) == 0);
    CHECK(lo2 == lo && hi2 == hi);

    /* Constant samples: the interval collapses onto the ratio. */
    double c2[] = {2, 2, 2}, c3[] = {3, 3, 3};
    CHECK(cfb_bootstrap_ratio_ci(c2, 3, c3, 3, 500, 0.95, &r, &pt, &lo, &hi) == 0);
    CLOSE(pt, 1.5, 1e-15);
    CLOSE(lo, 1.5, 1e-15);
    CLOSE(hi, 1.5, 1e-15);

    /* Bad input: a non-positive BASE value, too few resamples. */
    double z[] = {1, 0, 2};
    CHECK(cfb_bootstrap_ratio_ci(z, 3, c3, 3, 500, 0.95, &r, &pt, &lo, &hi) == -1);
    CHECK(cfb_bootstrap_ratio_ci(c2, 3, c3, 3, 1, 0.95, &r, &pt, &lo, &hi) == -1);

    /* Median helper. */
    double m[] = {5, 1, 3, 2};
    CLOSE(cfb_median(m, 4), 2.5, 1e-15);
    CLOSE(cfb_median(m, 3), 3.0, 1e-15);
    CHECK(isnan(cfb_median(m, 0)));
}

int main(void) {
    RUN(test_exact_small);
    RUN(test_exact_10v10);
    RUN(test_normal_ties);
    RUN(test_large_n_exact_vs_normal);
    RUN(test_rng);
    RUN(test_bootstrap);
    return check_summary();
}
