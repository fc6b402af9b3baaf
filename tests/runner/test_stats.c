/* test_stats.c — statistics and results I/O. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "results_io.h"
#include "rstats.h"
#include "cfbench_stats.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-9)

static void test_quantile(void) {
    double s[] = {1, 2, 3, 4};
    CHECK(NEAR(cfb_quantile_sorted(s, 4, 0.5), 2.5));
    CHECK(NEAR(cfb_quantile_sorted(s, 4, 0), 1));
    CHECK(NEAR(cfb_quantile_sorted(s, 4, 1), 4));
    CHECK(NEAR(cfb_quantile_sorted(s, 4, 0.9), 3.7));
    CHECK(isnan(cfb_quantile_sorted(s, 0, 0.5)));
    double one[] = {7};
    CHECK(NEAR(cfb_quantile_sorted(one, 1, 0.99), 7));
}

static void test_basic(void) {
    double x[] = {5, 1, 4, 2, 3};
    cfb_stats st;
    CHECK_EQ_INT(cfb_stats_compute(x, 5, &st), 0);
    CHECK_EQ_INT(st.n, 5);
    CHECK(NEAR(st.median, 3));
    CHECK(NEAR(st.mean, 3));
    CHECK(NEAR(st.stddev, sqrt(2.5)));
    CHECK(NEAR(st.mad, 1));
    CHECK(NEAR(st.min, 1) && NEAR(st.max, 5));
    /* n < 6: t interval on the logs, exp(mean ln x +- 2.776 sd(ln x) / sqrt 5) */
    double ml = 0, sl = 0;
    for (int i = 0; i < 5; i++)
        ml += log(x[i]) / 5;
    for (int i = 0; i < 5; i++)
        sl += (log(x[i]) - ml) * (log(x[i]) - ml) / 4;
    double half = 2.7764451051977987 * sqrt(sl) / sqrt(5.0);
    CHECK(NEAR(st.ci_lo, exp(ml - half)) && NEAR(st.ci_hi, exp(ml + half)));
    CHECK(st.ci_lo < st.median && st.median < st.ci_hi);
    CHECK(x[0] == 5); /* input untouched */
    CHECK_EQ_INT(cfb_stats_compute(x, 0, &st), -1);
    CHECK_EQ_INT(cfb_stats_compute(NULL, 3, &st), -1);
    double single = 2.5;
    CHECK_EQ_INT(cfb_stats_compute(&single, 1, &st), 0);
    CHECK(NEAR(st.stddev, 0) && NEAR(st.mad, 0));
    CHECK(isnan(st.ci_lo) && isnan(st.ci_hi)); /* n = 1: no interval */
    /* a value <= 0: the t interval on the raw values */
    double z[] = {0, 1, 2};
    CHECK_EQ_INT(cfb_stats_compute(z, 3, &st), 0);
    CHECK(NEAR(st.ci_lo, 1 - 4.302652729749464 / sqrt(3.0)));
    CHECK(NEAR(st.ci_hi, 1 + 4.302652729749464 / sqrt(3.0)));
    /* all equal: a zero-width interval at the value */
    double eq[] = {3, 3, 3, 3};
    CHECK_EQ_INT(cfb_stats_compute(eq, 4, &st), 0);
    CHECK(NEAR(st.ci_lo, 3) && NEAR(st.ci_hi, 3));
}

static double gauss(cfb_rng *r) {
    double u1 = ((double)(cfb_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
    double u2 = (double)(cfb_rng_next(r) >> 11) * 0x1.0p-53;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Coverage by simulation (fixed seed, so deterministic): 2,000 samples at
 * each n from a log-normal (sigma 0.3 in log space, median 1) and a normal
 * (mean = median 1, sd 0.15) distribution; the share of intervals that
 * contain the true median 1 must lie in [93.5%, 98.5%]: at most 3 binomial
 * standard errors (0.49%) below 95%, and above it only by what the
 * order-statistic interval's discreteness gives (96.9% at n = 6, 97.9% at
 * n = 10, 95.9% at n = 20). The old [min, max] for n <= 5 covered 50% at
 * n = 2, 75% at n = 3 and 94% at n = 5, so it fails this test. */
static void test_ci_coverage(void) {
    static const size_t ns[] = {2, 3, 4, 5, 6, 10, 20};
    cfb_rng rng;
    cfb_rng_seed(&rng, 20261122);
    for (int dist = 0; dist < 2; dist++)
        for (size_t k = 0; k < sizeof ns / sizeof *ns; k++) {
            size_t n = ns[k], hit = 0, trials = 2000;
            double x[20];
            for (size_t t = 0; t < trials; t++) {
                for (size_t i = 0; i < n; i++)
                    x[i] = dist == 0 ? exp(0.3 * gauss(&rng)) : 1.0 + 0.15 * gauss(&rng);
                cfb_stats st;
                CHECK_EQ_INT(cfb_stats_compute(x, n, &st), 0);
                hit += st.ci_lo <= 1.0 && 1.0 <= st.ci_hi;
            }
            double cov = (double)hit / (double)trials;
            printf("  %s n=%zu: coverage %.1f%%\n", dist ? "normal" : "log-normal", n, 100.0 * cov);
            CHECK(cov >= 0.935 && cov <= 0.985);
        }
}

static void test_ci_ranks(void) {
    size_t lo, hi;
    /* Known table values (e.g. Conover): n=6 -> 1..6, n=8 -> 1..8,
     * n=9 -> 2..8, n=10 -> 2..9, n=20 -> 6..15, n=100 -> 40..61. */
    cfb_median_ci_ranks(5, &lo, &hi);
    CHECK(lo == 1 && hi == 5);
    cfb_median_ci_ranks(6, &lo, &hi);
    CHECK(lo == 1 && hi == 6);
    cfb_median_ci_ranks(8, &lo, &hi);
    CHECK(lo == 1 && hi == 8);
    cfb_median_ci_ranks(9, &lo, &hi);
    CHECK(lo == 2 && hi == 8);
    cfb_median_ci_ranks(10, &lo, &hi);
    CHECK(lo == 2 && hi == 9);
    cfb_median_ci_ranks(20, &lo, &hi);
    CHECK(lo == 6 && hi == 15);
    cfb_median_ci_ranks(100, &lo, &hi);
    CHECK(lo == 40 && hi == 61);
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = 10 - i;
    cfb_stats st;
    cfb_stats_compute(x, 10, &st);
    CHECK(NEAR(st.ci_lo, 2) && NEAR(st.ci_hi, 9));
    CHECK(NEAR(st.median, 5.5));
}

static void test_json(void) {
    double x[] = {1, 2, 3};
    cfb_stats st;
    cfb_stats_compute(x, 3, &st);
    json_t *j = cfb_stats_to_json(&st);
    CHECK(j != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(j, "n")), 3);
    CHECK(NEAR(json_real_value(json_object_get(j, "median")), 2));
    CHECK_EQ_INT(json_array_size(json_object_get(j, "ci95")), 2);
    json_decref(j);
    cfb_stats_compute(x, 1, &st);
    j = cfb_stats_to_json(&st);
    CHECK(j && json_is_null(json_object_get(j, "ci95")));
    CHECK(NEAR(json_real_value(json_object_get(j, "median")), 1));
    json_decref(j);
}

static void test_io(void) {
    char dir[] = "/tmp/cfb-stats-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/r.json", dir);
    json_t *doc = json_pack("{s:s, s:i, s:b, s:[{s:s, s:s, s:s, s:i, s:i, s:[{s:i, s:f}], s:{}}]}",
                            "schema", "cfbench-results", "schema_version", 1, "complete", 1,
                            "cases", "id", "x/seq/w1", "workload", "x", "mode", "seq", "workers", 1,
                            "tasks", 3, "repetitions", "index", 0, "wall_s", 0.5, "summary");
    CHECK(doc != NULL);
    CHECK_EQ_INT(cfb_results_validate(doc, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_results_save(path, doc, err, sizeof err), 0);
    json_t *back = NULL;
    CHECK_EQ_INT(cfb_results_load(path, &back, err, sizeof err), 0);
    CHECK(back && json_equal(doc, back));
    json_decref(back);

    /* newer schema */
    json_object_set_new(doc, "schema_version", json_integer(2));
    CHECK_EQ_INT(cfb_results_validate(doc, err, sizeof err), -1);
    CHECK(strstr(err, "newer cfbench") != NULL);
    json_object_set_new(doc, "schema_version", json_integer(1));
    /* missing field names field and case */
    json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
    json_object_del(c, "mode");
    CHECK_EQ_INT(cfb_results_validate(doc, err, sizeof err), -1);
    CHECK(strstr(err, "'mode'") && strstr(err, "x/seq/w1"));
    json_object_set_new(doc, "schema", json_string("other"));
    CHECK_EQ_INT(cfb_results_validate(doc, err, sizeof err), -1);
    CHECK(strstr(err, "schema") != NULL);
    json_decref(doc);

    /* not JSON, unreadable */
    CHECK_EQ_INT(cfb_write_atomic(path, "{nope", 5, err, sizeof err), 0);
    json_t *d2 = (json_t *)1;
    CHECK_EQ_INT(cfb_results_load(path, &d2, err, sizeof err), -1);
    CHECK(d2 == NULL && strstr(err, "not valid JSON"));
    unlink(path);
    CHECK_EQ_INT(cfb_results_load(path, &d2, err, sizeof err), -1);
    CHECK(strstr(err, "cannot read") != NULL);
    /* a missing directory is made; a parent that is a file is an error */
    char bad[300], made[300];
    snprintf(made, sizeof made, "%s/no/such/dir/r.json", dir);
    CHECK_EQ_INT(cfb_write_atomic(made, "x", 1, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_write_atomic(path, "x", 1, err, sizeof err), 0);
    snprintf(bad, sizeof bad, "%s/r.json", path);
    CHECK_EQ_INT(cfb_write_atomic(bad, "x", 1, err, sizeof err), -1);
    CHECK(strstr(err, "is not a directory") != NULL);
    unlink(path);
    unlink(made);
    for (int k = 0; k < 3; k++) { /* no/such/dir, no/such, no */
        char *sl = strrchr(made, '/');
        *sl = '\0';
        rmdir(made);
    }
    rmdir(dir);
}

int main(void) {
    RUN(test_quantile);
    RUN(test_basic);
    RUN(test_ci_ranks);
    RUN(test_ci_coverage);
    RUN(test_json);
    RUN(test_io);
    return check_summary();
}
