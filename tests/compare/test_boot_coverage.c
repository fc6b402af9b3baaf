/*
 * test_boot_coverage.c — coverage of compare's bootstrap interval of the
 * median ratio, by simulation with fixed seeds (deterministic).
 *
 * 2,000 simulated comparisons per n (the same n per side) from two
 * identical distributions — log-normal (sigma 0.1 in log space) and normal
 * (mean 1, sd 0.1) — so the true ratio of the medians is 1; each interval
 * is cfb_bootstrap_ratio_ci at 95% with compare's default 2,000 resamples.
 * From n = 5 per side (compare's minimum for a verdict, CFB_BOOT_MIN_N in
 * results/compare.c) the share of intervals containing 1 must be >= 93.5%
 * (3 binomial standard errors below 95%) and <= 98.5%. Below 5 per side
 * the percentile bootstrap under-covers (about 90% at n = 3, 93% at
 * n = 4); the test checks n = 3 stays below 93%, which is why compare
 * refuses a verdict there — and shows the simulation can see it.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "rstats.h"

static double gauss(cfb_rng *r) {
    double u1 = ((double)(cfb_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(cfb_rng_next(r) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static double coverage(int dist, size_t n, size_t trials) {
    cfb_rng gen, boot;
    cfb_rng_seed(&gen, 1000 + 10 * (uint64_t)n + (uint64_t)dist);
    cfb_rng_seed(&boot, 1);
    cfb_boot_ws ws = {0};
    double x[16], y[16];
    size_t hit = 0;
    for (size_t t = 0; t < trials; t++) {
        for (size_t i = 0; i < n; i++) {
            double a = gauss(&gen), b = gauss(&gen);
            x[i] = dist == 0 ? exp(0.1 * a) : 1.0 + 0.1 * a;
            y[i] = dist == 0 ? exp(0.1 * b) : 1.0 + 0.1 * b;
        }
        double p, lo, hi;
        if (cfb_bootstrap_ratio_ci_ws(x, n, y, n, 2000, 0.95, &boot, &ws, &p, &lo, &hi)) {
            CHECK(0);
            break;
        }
        hit += lo <= 1.0 && 1.0 <= hi;
    }
    cfb_boot_ws_free(&ws);
    return (double)hit / (double)trials;
}

static void test_coverage(void) {
    static const size_t ns[] = {3, 4, 5, 6, 8};
    for (int dist = 0; dist < 2; dist++)
        for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
            size_t n = ns[k];
            double cov = coverage(dist, n, 2000);
            printf("  %s, %zu per side: coverage %.1f%%\n", dist ? "normal" : "log-normal", n,
                   100.0 * cov);
            if (n >= 5)
                CHECK(cov >= 0.935 && cov <= 0.985);
            else if (n == 3)
                CHECK(cov < 0.93);
        }
}

int main(void) {
    RUN(test_coverage);
    return check_summary();
}
