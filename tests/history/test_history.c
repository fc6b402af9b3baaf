/* test_history.c — the change-point detector of `cfbench history`
 * (results/history.h) on synthetic series: one 10% step in 60 points with 2%
 * noise, pure noise, a step for the better, two steps, the newest points,
 * the magnitude filter, tiny series, bad options, determinism. Every
 * 60-point test runs NSEEDS noise seeds and prints its hit / false-alarm
 * counts. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "history.h"
#include "rstats.h"

#define NSEEDS 20
#define N 60

/* x[i] = base * level(i) * (1 + cv * z), z standard normal (Box–Muller). */
static void series(double *x, size_t n, uint64_t seed, double cv, const size_t *at,
                   const double *factor, size_t nsteps) {
    cfb_rng r;
    cfb_rng_seed(&r, seed * 7919 + 17);
    for (size_t i = 0; i < n; i++) {
        double u1 = ((double)(cfb_rng_next(&r) >> 11) + 0.5) * 0x1p-53;
        double u2 = (double)(cfb_rng_next(&r) >> 11) * 0x1p-53;
        double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
        double level = 1.0;
        for (size_t k = 0; k < nsteps; k++)
            if (i >= at[k]) level *= factor[k];
        x[i] = 0.25 * level * (1.0 + cv * z);
    }
}

static int detect(const double *x, size_t n, const cfb_cpd_opts *o, cfb_change **c, size_t *nc) {
    int rc = cfb_history_detect(x, n, o, c, nc);
    CHECK_EQ_INT(rc, 0);
    return rc;
}

static size_t dist(size_t a, size_t b) {
    return a > b ? a - b : b - a;
}

static void test_one_step(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    size_t hits = 0, at = 30;
    double f = 1.10, x[N];
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        series(x, N, s, 0.02, &at, &f, 1);
        cfb_change *c;
        size_t nc;
        detect(x, N, &o, &c, &nc);
        int ok = nc == 1 && dist(c[0].index, at) <= 2 && c[0].regression && !c[0].newest &&
                 !c[0].recent && c[0].ratio > 1.06 && c[0].ratio < 1.14 && c[0].p <= o.alpha;
        if (!ok)
            fprintf(stderr, "one step, seed %llu: %zu changes, first at %zu\n",
                    (unsigned long long)s, nc, nc ? c[0].index : 0);
        hits += (size_t)ok;
        free(c);
    }
    printf("one 10%% step at 30, 2%% CV: found within +-2 in %zu of %d seeds\n", hits, NSEEDS);
    CHECK_EQ_INT(hits, NSEEDS);
}

static void test_pure_noise(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    size_t alarms = 0;
    double x[N];
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        series(x, N, 1000 + s, 0.02, NULL, NULL, 0);
        cfb_change *c;
        size_t nc;
        detect(x, N, &o, &c, &nc);
        if (nc) fprintf(stderr, "noise, seed %llu: %zu changes\n", (unsigned long long)s, nc);
        alarms += nc ? 1 : 0;
        free(c);
    }
    printf("pure noise, 2%% CV: a change reported in %zu of %d seeds\n", alarms, NSEEDS);
    CHECK_EQ_INT(alarms, 0);
    /* without the magnitude filter the test alone stays near alpha */
    o.threshold = 0;
    alarms = 0;
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        series(x, N, 1000 + s, 0.02, NULL, NULL, 0);
        cfb_change *c;
        size_t nc;
        detect(x, N, &o, &c, &nc);
        alarms += nc ? 1 : 0;
        free(c);
    }
    printf("pure noise, threshold 0: a change reported in %zu of %d seeds\n", alarms, NSEEDS);
    CHECK(alarms <= 2);
}

static void test_step_better(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    size_t at = 30, ok_n = 0;
    double down = 1 / 1.10, up = 1.10, x[N];
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        cfb_change *c;
        size_t nc;
        /* lower is better: a step down is an improvement */
        series(x, N, 2000 + s, 0.02, &at, &down, 1);
        detect(x, N, &o, &c, &nc);
        int ok = nc == 1 && !c[0].regression && dist(c[0].index, at) <= 2;
        free(c);
        /* higher is better: a step up is an improvement too */
        o.higher_is_better = 1;
        series(x, N, 2000 + s, 0.02, &at, &up, 1);
        detect(x, N, &o, &c, &nc);
        ok = ok && nc == 1 && !c[0].regression;
        free(c);
        o.higher_is_better = 0;
        ok_n += (size_t)ok;
    }
    printf("10%% step for the better: an improvement (not a regression) in %zu of %d seeds\n", ok_n,
           NSEEDS);
    CHECK_EQ_INT(ok_n, NSEEDS);
}

static void test_two_steps(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    size_t at[2] = {20, 40}, hits = 0, hits2 = 0;
    double up[2] = {1.10, 1.10}, updown[2] = {1.10, 1 / 1.10}, x[N];
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        cfb_change *c;
        size_t nc;
        series(x, N, 3000 + s, 0.02, at, up, 2);
        detect(x, N, &o, &c, &nc);
        int ok = nc == 2 && dist(c[0].index, 20) <= 2 && dist(c[1].index, 40) <= 2 &&
                 c[0].regression && c[1].regression;
        if (!ok)
            fprintf(stderr, "two steps up, seed %llu: %zu changes\n", (unsigned long long)s, nc);
        hits += (size_t)ok;
        free(c);
        series(x, N, 4000 + s, 0.02, at, updown, 2);
        detect(x, N, &o, &c, &nc);
        ok = nc == 2 && dist(c[0].index, 20) <= 2 && dist(c[1].index, 40) <= 2 && c[0].regression &&
             !c[1].regression;
        if (!ok)
            fprintf(stderr, "up then down, seed %llu: %zu changes\n", (unsigned long long)s, nc);
        hits2 += (size_t)ok;
        free(c);
    }
    printf("two 10%% steps (20, 40): both found within +-2 in %zu of %d seeds; up then down: "
           "%zu of %d\n",
           hits, NSEEDS, hits2, NSEEDS);
    CHECK_EQ_INT(hits, NSEEDS);
    CHECK_EQ_INT(hits2, NSEEDS);
}

/* A step in the newest points: e-divisive cannot isolate fewer than
 * min_size points, the newest-points check can (t >= 2 at alpha 0.01). When
 * e-divisive takes the newest min_size points as a segment first (which
 * holds the step when t >= 3), the change is placed at n - min_size: still
 * within +-2 of the step, a recent regression. */
static void test_newest(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    double f = 1.10, x[N];
    size_t found[6] = {0};
    for (size_t t = 1; t <= 5; t++) {
        size_t at = N - t;
        for (uint64_t s = 1; s <= NSEEDS; s++) {
            series(x, N, 5000 + s, 0.02, &at, &f, 1);
            cfb_change *c;
            size_t nc;
            detect(x, N, &o, &c, &nc);
            const cfb_change *l = nc ? &c[nc - 1] : NULL;
            if (l && l->index == at && l->regression && l->recent) found[t]++;
            free(c);
        }
        printf("10%% step in the newest %zu point(s): a recent regression exactly at the step in "
               "%zu of "
               "%d seeds\n",
               t, found[t], NSEEDS);
    }
    CHECK_EQ_INT(found[1], 0); /* one point: 1/60 > alpha 0.01, never enough */
    for (size_t t = 2; t <= 5; t++)
        CHECK(found[t] >= NSEEDS - 1);
    /* at alpha 0.05 a single newest point is enough (1/60 <= 0.05) */
    o.alpha = 0.05;
    size_t at = N - 1, one = 0;
    for (uint64_t s = 1; s <= NSEEDS; s++) {
        series(x, N, 5000 + s, 0.02, &at, &f, 1);
        cfb_change *c;
        size_t nc;
        detect(x, N, &o, &c, &nc);
        if (nc && c[nc - 1].index == at && c[nc - 1].newest && c[nc - 1].regression) one++;
        free(c);
    }
    printf("alpha 0.05, newest point 10%% worse: flagged in %zu of %d seeds\n", one, NSEEDS);
    CHECK(one >= NSEEDS - 1);
    /* the newest point better: an improvement, never a regression */
    double g = 1 / 1.10;
    series(x, N, 5001, 0.02, &at, &g, 1);
    cfb_change *c;
    size_t nc;
    detect(x, N, &o, &c, &nc);
    CHECK(nc == 1 && !c[0].regression);
    free(c);
}

static void test_threshold_and_recent(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    double x[N], f = 1.03;
    size_t at = 30;
    cfb_change *c;
    size_t nc;
    series(x, N, 7, 0.005, &at, &f, 1); /* 3% step, 0.5% noise: real but small */
    detect(x, N, &o, &c, &nc);
    CHECK_EQ_INT(nc, 0);
    free(c);
    o.threshold = 0.01;
    detect(x, N, &o, &c, &nc);
    CHECK(nc == 1 && dist(c[0].index, at) <= 1);
    free(c);
    /* a step exactly min_size from the end is e-divisive's and recent */
    cfb_cpd_opts_default(&o);
    f = 1.10;
    at = N - 5;
    series(x, N, 8, 0.02, &at, &f, 1);
    detect(x, N, &o, &c, &nc);
    CHECK(nc == 1 && c[0].index == at && c[0].recent && c[0].regression && !c[0].newest);
    free(c);
    o.recent = 4;
    detect(x, N, &o, &c, &nc);
    CHECK(nc == 1 && !c[0].recent);
    free(c);
}

static void test_tiny_and_bad(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    double x[12] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2};
    cfb_change *c = (cfb_change *)1;
    size_t nc = 99;
    for (size_t n = 0; n <= 5; n++) {
        CHECK_EQ_INT(cfb_history_detect(x, n, &o, &c, &nc), 0);
        CHECK(c == NULL && nc == 0);
    }
    /* 10 points, clean step at 5: the smallest series e-divisive can split */
    CHECK_EQ_INT(cfb_history_detect(x, 10, &o, &c, &nc), 0);
    CHECK(nc == 1 && c && c[0].index == 5 && c[0].regression && fabs(c[0].ratio - 2.0) < 1e-12);
    free(c);
    /* constant series: nothing */
    double k[40];
    for (size_t i = 0; i < 40; i++)
        k[i] = 3.0;
    CHECK_EQ_INT(cfb_history_detect(k, 40, &o, &c, &nc), 0);
    CHECK_EQ_INT(nc, 0);
    /* bad options */
    o.min_size = 1;
    CHECK_EQ_INT(cfb_history_detect(x, 12, &o, &c, &nc), -1);
    cfb_cpd_opts_default(&o);
    o.alpha = 0;
    CHECK_EQ_INT(cfb_history_detect(x, 12, &o, &c, &nc), -1);
    cfb_cpd_opts_default(&o);
    o.permutations = 0;
    CHECK_EQ_INT(cfb_history_detect(x, 12, &o, &c, &nc), -1);
    cfb_cpd_opts_default(&o);
    CHECK_EQ_INT(cfb_history_detect(x, CFB_HISTORY_MAX_POINTS + 1, &o, &c, &nc), -1);
}

static void test_deterministic(void) {
    cfb_cpd_opts o;
    cfb_cpd_opts_default(&o);
    o.threshold = 0; /* keep the marginal splits, where the permutations decide */
    double x[N];
    series(x, N, 99, 0.05, NULL, NULL, 0);
    cfb_change *a, *b;
    size_t na, nb;
    detect(x, N, &o, &a, &na);
    detect(x, N, &o, &b, &nb);
    CHECK_EQ_INT(na, nb);
    for (size_t i = 0; i < na && i < nb; i++)
        CHECK(a[i].index == b[i].index && a[i].p == b[i].p);
    free(a);
    free(b);
}

int main(void) {
    RUN(test_one_step);
    RUN(test_pure_noise);
    RUN(test_step_better);
    RUN(test_two_steps);
    RUN(test_newest);
    RUN(test_threshold_and_recent);
    RUN(test_tiny_and_bad);
    RUN(test_deterministic);
    return check_summary();
}
