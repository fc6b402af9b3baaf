/* test_model.c — the results model's builders, accessors and derived
 * metrics (results/include/cfbench_results.h): the key order of a built document is
 * cfbench's, each rule of the seq reference (cfb_results_seq_of), the
 * speedup / efficiency / overhead formulas, medians, copies, and the
 * refusals (bad arguments, known keys as extensions). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cfbench_results.h"

static char *compact(const cfb_results *d) {
    json_t *j = cfb_results_encode(d);
    char *s =
        j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) : NULL;
    json_decref(j);
    return s;
}

/* A case with n repetitions of wall time w, w+1, … (strings copied). */
static cfb_rcase *mk(const char *id, const char *wl, const char *mode, int workers,
                     const char *impl, const char *set, int n, double w) {
    cfb_rcase *c = cfb_rcase_new(id, wl, mode, workers, 10);
    CHECK(c != NULL);
    if (!c) return NULL;
    if (impl) CHECK_EQ_INT(cfb_rcase_set_impl(c, impl), 0);
    if (set) { /* a scanned value, as the sweep records it: in params and scan */
        CHECK_EQ_INT(cfb_rcase_add_param(c, "set", set), 0);
        CHECK_EQ_INT(cfb_rcase_add_scan(c, "set", set), 0);
    }
    for (int i = 0; i < n; i++)
        CHECK_EQ_INT(cfb_rcase_add_rep(c, cfb_repetition_new(i, w + i)), 0);
    return c;
}

static void test_build_order(void) {
    cfb_results *d = cfb_results_new();
    CHECK(d != NULL);
    if (!d) return;
    /* set out of order: the encoding is still cfbench's order */
    CHECK_EQ_INT(cfb_results_set_config(d, json_pack("{s:i}", "repeat", 3)), 0);
    CHECK_EQ_INT(cfb_results_set_extension(d, "mpi", json_pack("{s:i}", "world_size", 2)), 0);
    CHECK_EQ_INT(cfb_results_set_host(d, json_pack("{s:s, s:i}", "hostname", "h", "cpus", 2)), 0);
    CHECK_EQ_INT(cfb_results_set_times(d, "T0", "T1"), 0);
    CHECK_EQ_INT(cfb_results_set_tool(d, "cfbench", "0.1.0", "abc"), 0);
    CHECK_EQ_INT(cfb_results_set_status(d, true, false), 0);
    cfb_rcase *c = cfb_rcase_new("w/thread/w2", "w", "thread", 2, 4);
    CHECK(c != NULL);
    cfb_repetition *r = cfb_repetition_new(0, 0.5);
    CHECK(r != NULL);
    CHECK_EQ_INT(cfb_repetition_set_first_problem(r, "task 1: x"), 0);
    CHECK_EQ_INT(cfb_repetition_set_int(r, CFB_REP_BYTES, 0), 0);
    CHECK_EQ_INT(cfb_repetition_add_count(r, "ok", 4), 0);
    CHECK_EQ_INT(cfb_repetition_set_null(r, CFB_REP_USER_S), 0);
    CHECK_EQ_INT(cfb_repetition_set_num(r, CFB_REP_THROUGHPUT_TPS, 8.0), 0);
    CHECK_EQ_INT(cfb_repetition_set_latency(r, &(cfb_latency){0.1, 0.2, 0.3, 0.4, 0.25}), 0);
    CHECK_EQ_INT(cfb_repetition_set_num(r, CFB_REP_BYTES, 1.5), -1); /* an integer field */
    CHECK_EQ_INT(cfb_repetition_set_int(r, (cfb_rep_field)99, 1), -1);
    CHECK_EQ_INT(cfb_rcase_add_rep(c, r), 0);
    CHECK_EQ_INT(cfb_rcase_set_error(c, "late"), 0);
    cfb_stats st = {.n = 1, .median = 0.5, .mean = 0.5, .min = 0.5, .max = 0.5};
    st.ci_lo = st.ci_hi = NAN;
    CHECK_EQ_INT(cfb_rcase_set_sum(c, CFB_SUM_SPEEDUP, false, 0), 0);
    CHECK_EQ_INT(cfb_rcase_set_stat(c, CFB_STAT_WALL, &st, 0), 0);
    CHECK_EQ_INT(cfb_rcase_add_param(c, "k", "v"), 0);
    CHECK_EQ_INT(cfb_rcase_set_bound(c, "cpu"), 0);
    CHECK_EQ_INT(cfb_rcase_set_impl(c, "c"), 0);
    CHECK_EQ_INT(cfb_results_add_case(d, c), 0);
    char *s = compact(d);
    CHECK_EQ_STR(s,
                 "{\"schema\":\"cfbench-results\",\"schema_version\":1,\"complete\":true,"
                 "\"interrupted\":false,\"tool\":{\"name\":\"cfbench\",\"version\":\"0.1.0\","
                 "\"commit\":\"abc\"},\"created\":\"T0\",\"finished\":\"T1\",\"host\":{"
                 "\"hostname\":\"h\",\"cpus\":2},\"config\":{\"repeat\":3},\"cases\":[{\"id\":"
                 "\"w/thread/w2\",\"workload\":\"w\",\"mode\":\"thread\",\"workers\":2,\"impl\":"
                 "\"c\",\"bound\":\"cpu\",\"params\":{\"k\":\"v\"},\"tasks\":4,\"repetitions\":[{"
                 "\"index\":0,\"wall_s\":0.5,\"user_s\":null,\"counts\":{\"ok\":4},\"bytes\":0,"
                 "\"throughput_tps\":8.0,\"latency_s\":{\"p50\":0.1,\"p90\":0.2,\"p99\":0.3,"
                 "\"max\":0.4,\"mean\":0.25},\"first_problem\":\"task 1: x\"}],\"summary\":{"
                 "\"wall_s\":{\"n\":1,\"median\":0.5,\"mean\":0.5,\"stddev\":0.0,\"mad\":0.0,"
                 "\"min\":0.5,\"max\":0.5,\"ci95\":null,\"outliers\":0},\"speedup\":null},"
                 "\"error\":\"late\"}],\"mpi\":{\"world_size\":2}}");
    free(s);
    /* typed reads back */
    CHECK_EQ_STR(cfb_results_hostname(d), "h");
    CHECK_EQ_INT(cfb_results_cpus(d), 2);
    CHECK_EQ_INT(cfb_results_cpus_allowed(d), -1);
    CHECK(cfb_results_cpu_model(d) == NULL);
    CHECK_EQ_INT(cfb_results_repeat(d), 3);
    CHECK_EQ_STR(cfb_results_tool_commit(d), "abc");
    CHECK_EQ_STR(cfb_results_created(d), "T0");
    CHECK_EQ_INT(cfb_results_schema_version(d), 1);
    const cfb_rcase *k = cfb_results_find(d, "w/thread/w2");
    CHECK(k == cfb_results_case(d, 0));
    CHECK(cfb_results_find(d, "nope") == NULL && cfb_results_case(d, 1) == NULL);
    cfb_stat_summary ss;
    CHECK(cfb_rcase_stat(k, CFB_STAT_WALL, &ss) && ss.st.n == 1 && ss.outliers == 0 &&
          isnan(ss.st.ci_lo));
    CHECK(!cfb_rcase_stat(k, CFB_STAT_CPU, &ss));
    double v;
    CHECK(!cfb_rcase_sum(k, CFB_SUM_SPEEDUP, &v));
    CHECK(isnan(cfb_rcase_sum_value(k, CFB_SUM_SPEEDUP)));
    CHECK(isnan(cfb_rcase_stat_median(k, CFB_STAT_CPU)));
    CHECK_EQ_INT(cfb_rcase_nparams(k), 1);
    CHECK_EQ_STR(cfb_rcase_param_key(k, 0), "k");
    CHECK_EQ_STR(cfb_rcase_param_value(k, 0), "v");
    CHECK(cfb_rcase_param_key(k, 1) == NULL);
    const cfb_repetition *r0 = cfb_rcase_rep(k, 0);
    CHECK_EQ_INT(cfb_repetition_ncounts(r0), 1);
    CHECK_EQ_STR(cfb_repetition_count_name(r0, 0), "ok");
    CHECK_EQ_INT(cfb_repetition_count_value(r0, 0), 4);
    long long b;
    CHECK(cfb_repetition_int(r0, CFB_REP_BYTES, &b) && b == 0);
    CHECK(!cfb_repetition_int(r0, CFB_REP_THROUGHPUT_TPS, &b)); /* a real */
    CHECK(cfb_repetition_num(r0, CFB_REP_BYTES, &v) && v == 0);
    /* refusals */
    CHECK_EQ_INT(cfb_results_set_extension(d, "cases", json_array()), -1);
    CHECK_EQ_INT(cfb_results_set_extension(d, NULL, json_array()), -1);
    CHECK_EQ_INT(cfb_results_add_case(d, NULL), -1);
    CHECK(cfb_rcase_new(NULL, "w", "seq", 1, 1) == NULL);
    CHECK_EQ_INT(cfb_rcase_add_param(cfb_results_case_mut(d, 0), NULL, "v"), -1);
    cfb_rcase *x = NULL;
    json_t *one = json_integer(1);
    CHECK_EQ_INT(cfb_rcase_from_json(one, &x), -1);
    json_decref(one);
    CHECK(x == NULL);
    cfb_results_free(d);
    cfb_results_free(NULL);
    cfb_rcase_free(NULL);
    cfb_repetition_free(NULL);
}

/* Each rule of the seq reference. */
static void test_seq_rules(void) {
    cfb_results *d = cfb_results_new();
    CHECK(d != NULL);
    if (!d) return;
    cfb_rcase *failed_seq = mk("p/seq/w1#failed", "p", "seq", 1, NULL, "small", 2, 9);
    CHECK_EQ_INT(cfb_rcase_set_error(failed_seq, "boom"), 0);
    cfb_results_add_case(d, failed_seq); /* 0: error */
    cfb_results_add_case(d, mk("p/seq/w1#empty", "p", "seq", 1, NULL, "small", 0, 0));  /* 1 */
    cfb_results_add_case(d, mk("p/seq/w1", "p", "seq", 1, NULL, "small", 3, 4));        /* 2 */
    cfb_results_add_case(d, mk("p/seq/w1#2", "p", "seq", 1, NULL, "small", 3, 40));     /* 3 */
    cfb_results_add_case(d, mk("p/seq/w1/gil", "p", "seq", 1, "c+gil", "small", 3, 8)); /* 4 */
    cfb_results_add_case(d, mk("p/seq/w1/big", "p", "seq", 1, "c", "big", 3, 16));      /* 5 */
    cfb_results_add_case(d, mk("q/seq/w1", "q", "seq", 1, NULL, NULL, 1, 2));           /* 6 */
    cfb_results_add_case(d, mk("p/thread/w2", "p", "thread", 2, "c", "small", 3, 2));   /* 7 */
    cfb_results_add_case(d, mk("p/thread/w2/gil", "p", "thread", 2, "c+gil", "small", 3, 4));
    cfb_results_add_case(d, mk("p/thread/w2/big", "p", "thread", 2, NULL, "big", 3, 8));
    cfb_results_add_case(d, mk("p/thread/w2/huge", "p", "thread", 2, NULL, "huge", 3, 8));
    cfb_results_add_case(d, mk("q/thread/w2", "q", "thread", 2, NULL, NULL, 1, 1));
    cfb_rcase *qe = mk("q/thread/w3", "q", "thread", 3, NULL, NULL, 1, 1);
    CHECK_EQ_INT(cfb_rcase_init_params(qe), 0);
    CHECK_EQ_INT(cfb_rcase_init_scan(qe), 0); /* an empty scan is no value set */
    cfb_results_add_case(d, qe);
    /* flags' cases in files before 2026-12-07: each its own server URL */
    cfb_rcase *fs = mk("f/seq/w1", "f", "seq", 1, NULL, NULL, 1, 1);
    CHECK_EQ_INT(cfb_rcase_add_param(fs, "base", "http://127.0.0.1:40001/flags"), 0);
    cfb_results_add_case(d, fs);
    cfb_rcase *ft = mk("f/thread/w2", "f", "thread", 2, NULL, NULL, 1, 1);
    CHECK_EQ_INT(cfb_rcase_add_param(ft, "base", "http://127.0.0.1:40002/flags"), 0);
    cfb_results_add_case(d, ft);
    cfb_results_add_case(d, mk("r/thread/w2", "r", "thread", 2, NULL, NULL, 1, 1));
    const cfb_rcase *ref = cfb_results_find(d, "p/seq/w1");
    /* same workload, impl (absent = "c"), params; the first usable one:
     * not the failed one, not the one without repetitions, not the later */
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/thread/w2")) == ref);
    CHECK(cfb_results_seq_of(d, ref) == ref);
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/seq/w1#2")) == ref);
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/seq/w1#failed")) == ref);
    /* another impl has its own */
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/thread/w2/gil")) ==
          cfb_results_find(d, "p/seq/w1/gil"));
    /* another value set of a scan has its own, or none */
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/thread/w2/big")) ==
          cfb_results_find(d, "p/seq/w1/big"));
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "p/thread/w2/huge")) == NULL);
    /* no scan matches no scan ({} alike), whatever the other params */
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "q/thread/w2")) ==
          cfb_results_find(d, "q/seq/w1"));
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "q/thread/w3")) ==
          cfb_results_find(d, "q/seq/w1"));
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "f/thread/w2")) ==
          cfb_results_find(d, "f/seq/w1"));
    /* another workload */
    CHECK(cfb_results_seq_of(d, cfb_results_find(d, "r/thread/w2")) == NULL);
    CHECK(cfb_results_seq_of(NULL, ref) == NULL && cfb_results_seq_of(d, NULL) == NULL);
    /* the indexed lookup of every case agrees with cfb_results_seq_of */
    {
        size_t n = cfb_results_ncases(d);
        const cfb_rcase **refs = calloc(n, sizeof *refs);
        CHECK(refs != NULL);
        if (refs) {
            CHECK_EQ_INT(cfb_results_seq_refs(d, refs), 0);
            for (size_t i = 0; i < n; i++)
                CHECK(refs[i] == cfb_results_seq_of(d, cfb_results_case(d, i)));
            CHECK(refs[7] == ref);
        }
        free(refs);
        const cfb_rcase *one[1] = {ref};
        CHECK_EQ_INT(cfb_results_seq_refs(NULL, one), -1);
        CHECK(one[0] == ref); /* untouched */
        CHECK_EQ_INT(cfb_results_seq_refs(d, NULL), -1);
    }

    /* medians: of the repetitions (4, 5, 6 -> 5; 2, 3, 4 -> 3) */
    CHECK(cfb_rcase_median_wall(ref) == 5.0);
    const cfb_rcase *t2 = cfb_results_find(d, "p/thread/w2");
    CHECK(cfb_rcase_median_wall(t2) == 3.0);
    CHECK(isnan(cfb_rcase_median_wall(cfb_results_find(d, "p/seq/w1#empty"))));
    /* the summary's median wins when recorded */
    cfb_stats st = {.n = 3, .median = 2.5, .mean = 3, .min = 2, .max = 4};
    st.ci_lo = st.ci_hi = NAN;
    cfb_rcase *t2m = cfb_results_case_mut(d, 7);
    CHECK(t2m == t2);
    CHECK_EQ_INT(cfb_rcase_set_stat(t2m, CFB_STAT_WALL, &st, -1), 0);
    CHECK(cfb_rcase_median_wall(t2) == 2.5);
    CHECK(cfb_rcase_stat_median(t2, CFB_STAT_WALL) == 2.5);
    CHECK(isnan(cfb_rcase_stat_median(t2, CFB_STAT_THROUGHPUT)));
    cfb_derived dv;
    CHECK_EQ_INT(cfb_rcase_derived(d, t2, &dv), 0);
    CHECK(dv.speedup == 2.0 && dv.efficiency == 1.0);
    CHECK(dv.overhead_per_task_s == 0.0); /* (2.5 * 2 - 5) / 10 */
    CHECK_EQ_INT(cfb_rcase_derived(d, cfb_results_find(d, "p/thread/w2/huge"), &dv), -1);
    CHECK(isnan(dv.speedup) && isnan(dv.efficiency) && isnan(dv.overhead_per_task_s));
    cfb_results_free(d);
}

/* cfb_results_seq_refs on cases the index cannot key (scan values not
 * strings) and on keys that collide (a workload holding the
 * separator): the same answers as cfb_results_seq_of. */
static void test_seq_refs_odd(void) {
    json_t *j = json_loads(
        "{\"schema\":\"cfbench-results\",\"schema_version\":1,\"complete\":true,\"cases\":["
        "{\"id\":\"a\",\"workload\":\"w\",\"mode\":\"seq\",\"workers\":1,\"tasks\":1,"
        "\"scan\":{\"n\":3},\"repetitions\":[{\"index\":0,\"wall_s\":1}],\"summary\":{}},"
        "{\"id\":\"b\",\"workload\":\"w\",\"mode\":\"thread\",\"workers\":2,\"tasks\":1,"
        "\"scan\":{\"n\":3},\"repetitions\":[{\"index\":0,\"wall_s\":1}],\"summary\":{}},"
        "{\"id\":\"c\",\"workload\":\"x\\u001fc\",\"mode\":\"seq\",\"workers\":1,"
        "\"tasks\":1,\"impl\":\"y\",\"repetitions\":[{\"index\":0,\"wall_s\":1}],"
        "\"summary\":{}},"
        "{\"id\":\"d\",\"workload\":\"x\",\"mode\":\"thread\",\"workers\":2,\"tasks\":1,"
        "\"impl\":\"c\\u001fy\",\"repetitions\":[{\"index\":0,\"wall_s\":1}],"
        "\"summary\":{}}]}",
        0, NULL);
    CHECK(j != NULL);
    cfb_results *d = NULL;
    char err[256];
    CHECK_EQ_INT(cfb_results_decode(j, &d, err, sizeof err), 0);
    json_decref(j);
    if (!d) return;
    const cfb_rcase *refs[4] = {NULL, NULL, NULL, NULL};
    CHECK_EQ_INT(cfb_results_seq_refs(d, refs), 0);
    for (size_t i = 0; i < 4; i++)
        CHECK(refs[i] == cfb_results_seq_of(d, cfb_results_case(d, i)));
    CHECK(refs[1] == cfb_results_case(d, 0)); /* numeric scan values: by the scan */
    CHECK(refs[3] == NULL);                   /* same key text, other fields */
    cfb_results_free(d);
}

static void test_formulas(void) {
    cfb_derived dv;
    CHECK_EQ_INT(cfb_derived_compute(8.0, 2.0, 4, 100, &dv), 0);
    CHECK(dv.speedup == 4.0 && dv.efficiency == 1.0 && dv.overhead_per_task_s == 0.0);
    CHECK_EQ_INT(cfb_derived_compute(8.0, 4.0, 4, 8, &dv), 0);
    CHECK(dv.speedup == 2.0 && dv.efficiency == 0.5 && dv.overhead_per_task_s == 1.0);
    CHECK_EQ_INT(cfb_derived_compute(NAN, 1, 1, 1, &dv), -1);
    CHECK(isnan(dv.speedup));
    CHECK_EQ_INT(cfb_derived_compute(1, 0, 1, 1, &dv), -1); /* no speedup of a 0 s wall */
    CHECK(isnan(dv.speedup) && isnan(dv.efficiency) && dv.overhead_per_task_s == -1.0);
    CHECK_EQ_INT(cfb_derived_compute(2, 1, 1, 0, &dv), -1); /* no overhead without tasks */
    CHECK(dv.speedup == 2.0 && dv.efficiency == 2.0 && isnan(dv.overhead_per_task_s));
    CHECK_EQ_INT(cfb_derived_compute(1, 1, 0, 1, &dv), -1);
    CHECK_EQ_INT(cfb_derived_compute(1, 1, 1, 0, &dv), -1);
    CHECK_EQ_INT(cfb_derived_compute(1, 1, 1, 1, NULL), -1);
}

static void test_copy(void) {
    cfb_repetition *r = cfb_repetition_new(3, 1.25);
    CHECK(r != NULL);
    if (!r) return;
    CHECK_EQ_INT(cfb_repetition_add_count(r, "ok", 1), 0);
    CHECK_EQ_INT(cfb_repetition_set_first_problem(r, "p"), 0);
    CHECK_EQ_INT(cfb_repetition_set_latency(r, &(cfb_latency){1, 2, 3, 4, 5}), 0);
    cfb_repetition *k = cfb_repetition_copy(r);
    CHECK(k != NULL);
    if (k) {
        CHECK_EQ_INT(cfb_repetition_add_count(k, "error", 0), 0);
        CHECK_EQ_INT(cfb_repetition_ncounts(r), 1); /* the original is untouched */
        CHECK_EQ_INT(cfb_repetition_ncounts(k), 2);
        CHECK_EQ_INT(cfb_repetition_index(k), 3);
        CHECK(cfb_repetition_wall_s(k) == 1.25);
        CHECK_EQ_STR(cfb_repetition_first_problem(k), "p");
        cfb_latency l;
        CHECK(cfb_repetition_latency(k, &l) && l.p99 == 3 && l.mean == 5);
    }
    CHECK(cfb_repetition_copy(NULL) == NULL);
    cfb_repetition_free(k);
    cfb_repetition_free(r);
}

/* the host / build / noise facts, host.caches, a param's
 * text and one latency number, on a decoded hand-made document. */
static void test_h2_accessors(void) {
    json_error_t je;
    json_t *j = json_loads(
        "{\"schema\":\"cfbench-results\",\"schema_version\":1,\"complete\":true,"
        "\"host\":{\"kernel\":\"Linux 6.1\",\"cpu_mhz\":2894.5,\"caches\":[{\"type\":\"Data\","
        "\"level\":1,\"size\":32768,\"num_sharing\":2},{\"type\":\"Unified\",\"level\":3,"
        "\"size\":1e6,\"num_sharing\":null},{\"type\":\"x\",\"level\":\"1\",\"size\":1},7]},"
        "\"build\":{\"build_type\":\"Debug\"},\"noise\":{\"load_avg_before\":[0.5,1,2.25]},"
        "\"cases\":[{\"id\":\"a\",\"workload\":\"w\",\"mode\":\"seq\",\"workers\":1,\"tasks\":1,"
        "\"params\":{\"s\":\"x\",\"i\":-3,\"r\":0.1,\"b\":false,\"n\":null},\"repetitions\":[{"
        "\"index\":0,\"wall_s\":1,\"latency_s\":{\"p50\":1,\"p99\":\"x\",\"mean\":0.5}}],"
        "\"summary\":{}}]}",
        0, &je);
    CHECK(j != NULL);
    cfb_results *d = NULL;
    CHECK_EQ_INT(cfb_results_decode(j, &d, NULL, 0), 0);
    json_decref(j);
    if (!d) return;
    CHECK_EQ_STR(cfb_results_kernel(d), "Linux 6.1");
    CHECK_EQ_STR(cfb_results_build_type(d), "Debug");
    CHECK(cfb_results_cpu_mhz(d) == 2894.5);
    double la[3] = {0};
    CHECK(cfb_results_load_avg_before(d, la) && la[0] == 0.5 && la[1] == 1 && la[2] == 2.25);
    CHECK_EQ_INT(cfb_results_ncaches(d), 4);
    cfb_host_cache hc;
    CHECK(cfb_results_cache(d, 0, &hc) && !strcmp(hc.type, "Data") && hc.level == 1 &&
          hc.size == 32768 && hc.num_sharing == 2);
    CHECK(cfb_results_cache(d, 1, &hc) && hc.size == 1e6 && isnan(hc.num_sharing));
    CHECK(!cfb_results_cache(d, 2, &hc)); /* level not a number */
    CHECK(!cfb_results_cache(d, 3, &hc)); /* not an object */
    CHECK(!cfb_results_cache(d, 4, &hc)); /* past the end */
    const cfb_rcase *c = cfb_results_case(d, 0);
    char buf[32];
    const char *want[] = {"x", "-3", "0.10000000000000001", "false", ""};
    for (size_t i = 0; i < 5; i++)
        CHECK_EQ_STR(cfb_rcase_param_text(c, i, buf, sizeof buf), want[i]);
    CHECK_EQ_STR(cfb_rcase_param_text(c, 5, buf, sizeof buf), ""); /* past the end */
    CHECK_EQ_STR(cfb_rcase_param_text(c, 0, buf, 1), "");          /* truncated */
    const cfb_repetition *r = cfb_rcase_rep(c, 0);
    double x = 0;
    cfb_latency l;
    CHECK(!cfb_repetition_latency(r, &l)); /* not all five */
    CHECK(cfb_repetition_latency_part(r, CFB_LAT_P50, &x) && x == 1);
    CHECK(!cfb_repetition_latency_part(r, CFB_LAT_P90, &x));
    CHECK(!cfb_repetition_latency_part(r, CFB_LAT_P99, &x)); /* a string */
    CHECK(cfb_repetition_latency_part(r, CFB_LAT_MEAN, &x) && x == 0.5);
    CHECK(!cfb_repetition_latency_part(r, (cfb_latency_part)9, &x));
    cfb_results_free(d);

    /* a document without those sections */
    d = cfb_results_new();
    CHECK(d != NULL);
    if (!d) return;
    CHECK(cfb_results_kernel(d) == NULL && cfb_results_build_type(d) == NULL);
    CHECK(isnan(cfb_results_cpu_mhz(d)));
    CHECK(!cfb_results_load_avg_before(d, la));
    CHECK_EQ_INT(cfb_results_ncaches(d), 0);
    CHECK(!cfb_results_cache(d, 0, &hc));
    CHECK_EQ_INT(cfb_results_set_noise(d, json_pack("{s:[f, f]}", "load_avg_before", 1.0, 2.0)), 0);
    CHECK(!cfb_results_load_avg_before(d, la)); /* not 3 numbers */
    cfb_results_free(d);
}

/* cfb_rcase_extension: a case field the model does not know
 * is read back verbatim; a known field, also one held verbatim, is not an
 * extension; absent, NULL key, a case without unknown fields: NULL. */
static void test_case_extension(void) {
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:i, s:[], s:s, s:i, s:{s:i}}", "id", "a/seq/w1",
                          "workload", "a", "mode", "seq", "workers", 1, "tasks", 4, "repetitions",
                          "kind", "CPU-bound", "bound", 7, "x", "n", 2);
    CHECK(o != NULL);
    cfb_rcase *c = NULL;
    CHECK_EQ_INT(cfb_rcase_from_json(o, &c), 0);
    json_decref(o);
    if (!c) return;
    CHECK_EQ_STR(json_string_value(cfb_rcase_extension(c, "kind")), "CPU-bound");
    CHECK_EQ_INT(json_integer_value(json_object_get(cfb_rcase_extension(c, "x"), "n")), 2);
    CHECK(cfb_rcase_extension(c, "bound") == NULL); /* known, held verbatim (not a string) */
    CHECK(cfb_rcase_bound(c) == NULL);
    CHECK(cfb_rcase_extension(c, "id") == NULL);
    CHECK(cfb_rcase_extension(c, "nope") == NULL);
    CHECK(cfb_rcase_extension(c, NULL) == NULL);
    cfb_rcase_free(c);
    cfb_rcase *b = cfb_rcase_new("b", "b", "seq", 1, 1);
    CHECK(b != NULL);
    if (b) CHECK(cfb_rcase_extension(b, "kind") == NULL);
    cfb_rcase_free(b);
}

int main(void) {
    test_build_order();
    test_h2_accessors();
    test_seq_rules();
    test_seq_refs_odd();
    test_formulas();
    test_copy();
    test_case_extension();
    return check_summary();
}
