/* test_sweep.c — the sweep engine in-process: the written document passes
 * cfb_results_validate, numbers are sane, the mode/impl tables answer. */
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "modes.h"
#include "results_io.h"
#include "sweep.h"
#include "sweep_support.h"

static char dir[] = "/tmp/cfb-sweep-XXXXXX";

static json_t *run(const char *name, const char *workloads, bool measure, int *rc) {
    static const int workers[] = {1, 2};
    static const cfb_override ov[] = {{NULL, "set", "small", true},
                                      {"loiter", "unit", "0.001", false},
                                      {"loiter", "tasks", "4", false},
                                      {"noop", "tasks", "50", false}};
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    cfbt_sweep s;
    cfbt_sweep_init(&s, workloads, "seq,thread,process", workers, 2, 2, ov, 4);
    s.cfg.warmup = 1;
    s.cfg.measure = measure;
    const cfb_sweep_cfg cfg = s.cfg;
    *rc = cfbt_sweep_run(&cfg, path, err, sizeof err);
    if (*rc) fprintf(stderr, "sweep: %d %s\n", *rc, err);
    json_t *doc = NULL;
    if (cfb_results_load(path, &doc, err, sizeof err)) fprintf(stderr, "load: %s\n", err);
    unlink(path);
    return doc;
}

static void test_tables(void) {
    size_t n;
    CHECK(cfb_modes_all(&n) && n >= 3);
    CHECK(cfb_mode_find("seq") && !cfb_mode_find("seq")->parallel);
    CHECK(cfb_mode_find("thread") && cfb_mode_find("thread")->parallel);
    CHECK(cfb_mode_find("nope") == NULL);
    CHECK(cfb_impl_find("c") && cfb_impl_find("c")->call == NULL);
}

static void test_sweep_valid(void) {
    int rc;
    json_t *doc = run("a", "primes,loiter,noop", true, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(doc != NULL);
    if (!doc) return;
    char err[256];
    CHECK_EQ_INT(cfb_results_validate(doc, err, sizeof err), 0);
    CHECK(json_is_true(json_object_get(doc, "complete")));
    json_t *cases = json_object_get(doc, "cases");
    CHECK_EQ_INT(json_array_size(cases), 15);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        long long tasks = json_integer_value(json_object_get(c, "tasks"));
        int workers = (int)json_integer_value(json_object_get(c, "workers"));
        json_t *reps = json_object_get(c, "repetitions"), *r;
        CHECK_EQ_INT(json_array_size(reps), 2);
        size_t j;
        json_array_foreach(reps, j, r) {
            double wall = json_real_value(json_object_get(r, "wall_s"));
            CHECK(wall > 0 && wall < 30);
            CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_ok")), tasks);
            CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_failed")), 0);
            CHECK_EQ_INT(json_integer_value(json_object_get(r, "check_failures")), 0);
            CHECK(json_real_value(json_object_get(r, "cpu_s")) >= 0);
            json_t *ins = json_object_get(r, "instructions");
            CHECK(json_is_null(ins) || json_integer_value(ins) > 0); /* never 0 */
            json_t *lat = json_object_get(r, "latency_s");
            CHECK(json_real_value(json_object_get(lat, "p50")) <=
                  json_real_value(json_object_get(lat, "max")));
        }
        json_t *tl = json_object_get(json_object_get(c, "timeline"), "tasks"), *e;
        CHECK_EQ_INT(json_array_size(tl), tasks);
        json_array_foreach(tl, j, e) {
            long long wk = json_integer_value(json_object_get(e, "worker"));
            CHECK(wk >= 0 && wk < workers);
        }
        json_t *sum = json_object_get(c, "summary");
        double sp = json_real_value(json_object_get(sum, "speedup"));
        double eff = json_real_value(json_object_get(sum, "efficiency"));
        CHECK(sp > 0 && fabs(eff - sp / workers) < 1e-9);
    }
    json_decref(doc);
}

static void test_no_measure(void) {
    int rc;
    json_t *doc = run("b", "noop", false, &rc);
    CHECK_EQ_INT(rc, 0);
    if (!doc) return;
    json_t *c = json_array_get(json_object_get(doc, "cases"), 1);
    json_t *r = json_array_get(json_object_get(c, "repetitions"), 0);
    CHECK(json_is_null(json_object_get(r, "latency_s")));
    CHECK(json_is_null(json_object_get(r, "user_s")));
    CHECK(json_object_get(c, "timeline") == NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_ok")), 50);
    json_decref(doc);
}

/* Cases above 10 000 tasks time a systematic sample (every 2^k-th task). */
static void test_sampling(void) {
    int workers[] = {2};
    cfb_override ov[] = {{"noop", "tasks", "30000", false}};
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/s.json", dir);
    cfbt_sweep s;
    cfbt_sweep_init(&s, "noop", "thread", workers, 1, 1, ov, 1);
    CHECK_EQ_INT(cfbt_sweep_run(&s.cfg, path, err, sizeof err), 0);
    json_t *doc = NULL;
    CHECK_EQ_INT(cfb_results_load(path, &doc, err, sizeof err), 0);
    json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
    json_t *r = json_array_get(json_object_get(c, "repetitions"), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "latency_sample_every")), 4);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_ok")), 30000);
    CHECK(json_object_get(r, "latency_s") && !json_is_null(json_object_get(r, "latency_s")));
    CHECK(json_object_get(c, "timeline") == NULL); /* > 5000 tasks */
    json_decref(doc);
    unlink(path);
}

static void test_unwritable(void) {
    int workers[] = {1};
    cfb_override ov[] = {{"loiter", "unit", "1", false}};
    cfbt_sweep s;
    cfbt_sweep_init(&s, "loiter", "seq", workers, 1, 3, ov, 1);
    cfb_sweep_cfg cfg = s.cfg;
    char err[512] = "";
    double t0 = cfb_now();
    /* a parent that is not a directory */
    CHECK_EQ_INT(cfbt_sweep_run(&cfg, "/dev/null/x.json", err, sizeof err), CFB_EREPORTER);
    CHECK(cfb_now() - t0 < 2.0); /* 3 x 10 s of loiter did not run */
    CHECK(strstr(err, "cannot write results") != NULL);
    ov[0].key = "bogus";
    CHECK_EQ_INT(cfbt_sweep_run(&cfg, "/tmp/never-written.json", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "bogus") != NULL);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    RUN(test_tables);
    RUN(test_sweep_valid);
    RUN(test_no_measure);
    RUN(test_sampling);
    RUN(test_unwritable);
    rmdir(dir);
    return check_summary();
}
