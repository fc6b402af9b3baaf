/*
 * test_paired.c — the statistics of `cfbench ab` (results/paired.h) against
 * values computed independently by tests/ab/wsr_ref.py (brute-force
 * enumeration of every sign assignment for the exact signed-rank p; the
 * tie-corrected normal approximation written out by hand; Holm by its
 * definition), and the bootstrap interval's defining properties.
 */
#include <math.h>

#include "check.h"
#include "paired.h"

#define CLOSE(a, b, tol) CHECK(fabs((a) - (b)) <= (tol))

static void test_exact(void) {
    cfb_wsr t;
    double a[] = {0.8, -0.3, 1.2, 0.5, 2.0, -0.1, 0.9, 1.5};
    CHECK_EQ_INT(cfb_wsr_test(a, 8, &t), 0);
    CHECK(t.method == CFB_WSR_EXACT);
    CHECK_EQ_INT(t.n, 8);
    CLOSE(t.w_pos, 33.0, 1e-12);
    CLOSE(t.w_neg, 3.0, 1e-12);
    CLOSE(t.p, 0.0390625, 1e-12);

    double pos[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
    CHECK_EQ_INT(cfb_wsr_test(pos, 6, &t), 0);
    CLOSE(t.p, 0.03125, 1e-12); /* = cfb_wsr_min_p(6) */
    CLOSE(cfb_wsr_min_p(6), 0.03125, 1e-15);
    /* Mirror image: same p. */
    double neg[] = {-0.1, -0.2, -0.3, -0.4, -0.5, -0.6};
    CHECK_EQ_INT(cfb_wsr_test(neg, 6, &t), 0);
    CLOSE(t.p, 0.03125, 1e-12);
    CLOSE(t.w_pos, 0.0, 1e-12);

    /* A zero difference is dropped (zero_method="wilcox"). */
    double z[] = {0.0, 1.0, -2.0, 3.0, 4.0, -5.0, 6.0, 7.0};
    CHECK_EQ_INT(cfb_wsr_test(z, 8, &t), 0);
    CHECK_EQ_INT(t.n, 7);
    CLOSE(t.w_pos, 21.0, 1e-12);
    CLOSE(t.p, 0.296875, 1e-12);
}

static void test_normal_ties(void) {
    cfb_wsr t;
    double d[] = {1.0, -1.0, 2.0, 2.0, 2.0, -3.0, 4.0, 4.0, 5.0, 6.0};
    CHECK_EQ_INT(cfb_wsr_test(d, 10, &t), 0);
    CHECK(t.method == CFB_WSR_NORMAL);
    CLOSE(t.w_pos, 47.5, 1e-12);
    CLOSE(t.z, -1.99541358938, 1e-9);
    CLOSE(t.p, 0.0459977900114, 1e-9);
}

static void test_degenerate(void) {
    cfb_wsr t;
    double zeros[] = {0, 0, 0};
    CHECK_EQ_INT(cfb_wsr_test(zeros, 3, &t), 0);
    CHECK_EQ_INT(t.n, 0);
    CLOSE(t.p, 1.0, 0);
    CHECK_EQ_INT(cfb_wsr_test(NULL, 0, &t), 0);
    CLOSE(t.p, 1.0, 0);
    CHECK_EQ_INT(cfb_wsr_test(NULL, 2, &t), -1);
    /* All |d| tied and balanced: variance left, p = 1 by symmetry. */
    double bal[] = {1, -1, 1, -1};
    CHECK_EQ_INT(cfb_wsr_test(bal, 4, &t), 0);
    CHECK(t.p > 0.99);
    CLOSE(cfb_wsr_min_p(0), 1.0, 0);
    CLOSE(cfb_wsr_min_p(1), 1.0, 0);
}

static void test_holm(void) {
    double p[] = {0.01, 0.04, 0.03, 0.005};
    CHECK_EQ_INT(cfb_holm(p, 4), 0);
    CLOSE(p[0], 0.03, 1e-12);
    CLOSE(p[1], 0.06, 1e-12);
    CLOSE(p[2], 0.06, 1e-12);
    CLOSE(p[3], 0.02, 1e-12);
    double one[] = {0.2};
    CHECK_EQ_INT(cfb_holm(one, 1), 0);
    CLOSE(one[0], 0.2, 0);
}

static void test_bootstrap(void) {
    double r[15];
    for (int i = 0; i < 15; i++)
        r[i] = 1.0 + 0.01 * (i - 7); /* 0.93 .. 1.07, median 1.00 */
    cfb_rng g;
    double pt, lo, hi, lo2, hi2;
    cfb_rng_seed(&g, 7);
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 15, 2000, 0.95, &g, &pt, &lo, &hi), 0);
    CLOSE(pt, 1.0, 1e-12);
    CHECK(lo < pt && pt < hi);
    CHECK(lo >= 0.93 && hi <= 1.07);
    /* Same seed, same interval. */
    cfb_rng_seed(&g, 7);
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 15, 2000, 0.95, &g, &pt, &lo2, &hi2), 0);
    CLOSE(lo, lo2, 0);
    CLOSE(hi, hi2, 0);
    /* A lower level gives a narrower interval. */
    cfb_rng_seed(&g, 7);
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 15, 2000, 0.5, &g, &pt, &lo2, &hi2), 0);
    CHECK(hi2 - lo2 < hi - lo);
    /* Bad input. */
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 0, 2000, 0.95, &g, &pt, &lo, &hi), -1);
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 15, 1, 0.95, &g, &pt, &lo, &hi), -1);
    CHECK_EQ_INT(cfb_bootstrap_median_ci(r, 15, 100, 1.0, &g, &pt, &lo, &hi), -1);
}

static void test_robust_sd(void) {
    double x[] = {1, 2, 3, 4, 100}; /* MAD = 1: the outlier does not count */
    CLOSE(cfb_robust_sd(x, 5), 1.4826, 1e-12);
    CHECK(isnan(cfb_robust_sd(x, 0)));
}

int main(void) {
    RUN(test_exact);
    RUN(test_normal_ties);
    RUN(test_degenerate);
    RUN(test_holm);
    RUN(test_bootstrap);
    RUN(test_robust_sd);
    return check_summary();
}
