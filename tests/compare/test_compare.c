/*
 * test_compare.c — verdicts, exit codes and exports on synthetic results
 * documents written by the test itself (no measurement involved).
 *
 * Runs the real subcommands in-process (cfb_cmd_compare / cfb_cmd_export)
 * with --out into a temporary directory and reads the reports back.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "compare.h"
#include "export.h"
#include "results_io.h"

int cfb_cmd_compare(int argc, char **argv);
int cfb_cmd_export(int argc, char **argv);

static char tmpdir[256];

static json_t *new_doc(void) {
    return json_pack("{s:s, s:i, s:b, s:b, s:{s:s, s:s, s:s}, s:s, s:s, s:{s:s, s:i, s:s, s:s}, "
                     "s:{s:[s, s], s:i, s:i}, s:[]}",
                     "schema", "cfbench-results", "schema_version", 1, "complete", 1, "interrupted",
                     0, "tool", "name", "cfbench", "version", "0.1.0", "commit", "abc123",
                     "created", "2026-11-22T21:00:00Z", "finished", "2026-11-22T21:01:00Z", "host",
                     "hostname", "testhost", "cpus", 2, "cpu_model", "Test CPU", "kernel",
                     "Linux 6.1", "config", "argv", "cfbench", "run", "repeat", 5, "warmup", 1,
                     "cases");
}

/* Append a case with n repetitions of the given walls (cpu = 2 x wall,
 * instructions = 1e6 x wall or null). */
static json_t *add_case(json_t *doc, const char *workload, const char *mode, int workers,
                        const char *set, const double *walls, size_t n, int with_instr) {
    char id[128];
    snprintf(id, sizeof id, "%s/%s/w%d", workload, mode, workers);
    int tasks = 20;
    json_t *reps = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            reps, json_pack("{s:I, s:f, s:f, s:f, s:f, s:i, s:i, s:f, s:o, s:{s:f, s:f, s:f, "
                            "s:f, s:f}}",
                            "index", (json_int_t)i, "wall_s", walls[i], "user_s", 2 * walls[i],
                            "sys_s", 0.0, "cpu_s", 2 * walls[i], "tasks_ok", tasks, "tasks_failed",
                            0, "throughput_tps", tasks / walls[i], "instructions",
                            with_instr ? json_integer((json_int_t)(1e6 * walls[i])) : json_null(),
                            "latency_s", "p50", 0.01, "p90", 0.02, "p99", 0.03, "max", 0.04, "mean",
                            0.015));
    json_t *c = json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s}, s:i, s:o, s:{s:{s:I, s:f}}}", "id",
                          id, "workload", workload, "mode", mode, "workers", workers, "impl", "c",
                          "params", "set", set, "tasks", tasks, "repetitions", reps, "summary",
                          "wall_s", "n", (json_int_t)n, "median", walls[0]);
    json_array_append_new(json_object_get(doc, "cases"), c);
    return c;
}

static char *save(const json_t *doc, const char *name) {
    static char paths[16][320];
    static int k;
    char *p = paths[k++ % 16];
    snprintf(p, 320, "%s/%s", tmpdir, name);
    char err[256];
    CHECK(cfb_results_save(p, doc, err, sizeof err) == 0);
    return p;
}

/* Run `cfbench compare base new [extra…] --format json --out R`; returns the
 * exit code and the report in *rep (NULL when none was written). */
static int run_compare(const char *base, const char *newp, json_t **rep, const char *x1,
                       const char *x2) {
    char out[320];
    snprintf(out, sizeof out, "%s/report.json", tmpdir);
    unlink(out);
    char *argv[16];
    int argc = 0;
    argv[argc++] = "compare";
    argv[argc++] = (char *)base;
    argv[argc++] = (char *)newp;
    argv[argc++] = "--format";
    argv[argc++] = "json";
    argv[argc++] = "--out";
    argv[argc++] = out;
    if (x1) argv[argc++] = (char *)x1;
    if (x2) argv[argc++] = (char *)x2;
    argv[argc] = NULL;
    int rc = cfb_cmd_compare(argc, argv);
    *rep = json_load_file(out, 0, NULL);
    return rc;
}

static const json_t *row_of(const json_t *rep, const char *id) {
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(rep, "cases"), i, r) {
        if (!strcmp(json_string_value(json_object_get(r, "id")), id)) return r;
    }
    return NULL;
}

static const char *verdict_of(const json_t *rep, const char *id) {
    const json_t *r = row_of(rep, id);
    return r ? json_string_value(json_object_get(r, "verdict")) : "(missing)";
}

/* Tight data: 10 repetitions around `center` with a +-1% deterministic
 * pattern. */
static void tight(double *w, double center) {
    static const double pat[10] = {0.000, 0.004,  -0.006, 0.009,  -0.003,
                                   0.007, -0.008, 0.002,  -0.001, 0.005};
    for (int i = 0; i < 10; i++)
        w[i] = center * (1.0 + pat[i]);
}

static void test_identical(void) {
    double w[10];
    tight(w, 0.5);
    json_t *d = new_doc();
    add_case(d, "primes", "seq", 1, "small", w, 10, 1);
    add_case(d, "primes", "thread", 2, "small", w, 10, 1);
    char *p = save(d, "same.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(p, p, &rep, NULL, NULL), 0);
    CHECK(rep != NULL);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "no change");
    CHECK_EQ_STR(verdict_of(rep, "primes/thread/w2"), "no change");
    const json_t *r = row_of(rep, "primes/thread/w2");
    CHECK(fabs(json_number_value(json_object_get(r, "ratio")) - 1.0) < 1e-12);
    CHECK(json_number_value(json_object_get(r, "p_value")) > 0.9);
    json_t *s = json_object_get(rep, "summary");
    CHECK_EQ_INT(json_integer_value(json_object_get(s, "compared")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(s, "regressions")), 0);
    CHECK(fabs(json_number_value(json_object_get(s, "geomean_ratio")) - 1.0) < 1e-12);
    json_decref(rep);
    json_decref(d);
}

static void test_regression_and_improvement(void) {
    double b[10], slow[10], fast[10];
    tight(b, 0.5);
    tight(slow, 0.6); /* 20% slower */
    tight(fast, 0.4); /* 20% faster */
    json_t *bd = new_doc(), *nd = new_doc();
    add_case(bd, "primes", "seq", 1, "small", b, 10, 0);
    add_case(nd, "primes", "seq", 1, "small", slow, 10, 0);
    add_case(bd, "loiter", "thread", 2, "small", b, 10, 0);
    add_case(nd, "loiter", "thread", 2, "small", fast, 10, 0);
    char *bp = save(bd, "base.json"), *np = save(nd, "new.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 1);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "regression");
    CHECK_EQ_STR(verdict_of(rep, "loiter/thread/w2"), "improvement");
    const json_t *r = row_of(rep, "primes/seq/w1");
    double ratio = json_number_value(json_object_get(r, "ratio"));
    CHECK(fabs(ratio - 1.2) < 0.01);
    json_t *ci = json_object_get(r, "ci95");
    CHECK(json_number_value(json_array_get(ci, 0)) > 1.05);
    CHECK(json_number_value(json_array_get(ci, 0)) <= ratio);
    CHECK(json_number_value(json_array_get(ci, 1)) >= ratio);
    /* 10 vs 10 completely separated, no ties: exact p = 2 / C(20,10). */
    CHECK(fabs(json_number_value(json_object_get(r, "p_value")) - 2.0 / 184756.0) < 1e-12);
    CHECK_EQ_STR(json_string_value(json_object_get(r, "test")), "exact");
    json_decref(rep);

    /* --fail-on never: same report, exit 0. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--fail-on", "never"), 0);
    CHECK_EQ_INT(
        json_integer_value(json_object_get(json_object_get(rep, "summary"), "regressions")), 1);
    json_decref(rep);

    /* A threshold wider than the change: no regression (the CI is inside
     * the 25% band, so "no change"). */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--threshold", "25%"), 0);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "no change");
    json_decref(rep);

    /* Throughput is higher-is-better: the slower case is still the
     * regression and the ratio is ~1/1.2. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "throughput"), 1);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "regression");
    CHECK_EQ_STR(verdict_of(rep, "loiter/thread/w2"), "improvement");
    r = row_of(rep, "primes/seq/w1");
    CHECK(fabs(json_number_value(json_object_get(r, "ratio")) - 1 / 1.2) < 0.01);
    json_decref(rep);

    /* --case selects. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--case", "loiter/*"), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(rep, "cases")), 1);
    json_decref(rep);
    json_decref(bd);
    json_decref(nd);
}

static void test_holm(void) {
    /* Three cases: one 20% slower (10 vs 10 separated, exact p = 2/C(20,10)),
     * two identical. Holm: the smallest p is multiplied by m = 3; each
     * interval is made at 1 - 0.05/3. --correction none keeps the raw p. */
    double b[10], slow[10];
    tight(b, 0.5);
    tight(slow, 0.6);
    json_t *bd = new_doc(), *nd = new_doc();
    add_case(bd, "primes", "seq", 1, "small", b, 10, 0);
    add_case(nd, "primes", "seq", 1, "small", slow, 10, 0);
    add_case(bd, "noop", "seq", 1, "small", b, 10, 0);
    add_case(nd, "noop", "seq", 1, "small", b, 10, 0);
    add_case(bd, "loiter", "seq", 1, "small", b, 10, 0);
    add_case(nd, "loiter", "seq", 1, "small", b, 10, 0);
    char *bp = save(bd, "hb.json"), *np = save(nd, "hn.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 1);
    const json_t *r = row_of(rep, "primes/seq/w1");
    double p = json_number_value(json_object_get(r, "p_value"));
    double pa = json_number_value(json_object_get(r, "p_adjusted"));
    CHECK(fabs(p - 2.0 / 184756.0) < 1e-12);
    CHECK(fabs(pa - 3 * 2.0 / 184756.0) < 1e-12);
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "correction")), "holm");
    CHECK_EQ_INT(json_integer_value(json_object_get(rep, "family_size")), 3);
    CHECK(fabs(json_number_value(json_object_get(rep, "ci_level_per_case")) - (1 - 0.05 / 3)) <
          1e-9);
    /* Holm is monotone: the identical cases' adjusted p >= their raw p. */
    r = row_of(rep, "noop/seq/w1");
    CHECK(json_number_value(json_object_get(r, "p_adjusted")) >=
          json_number_value(json_object_get(r, "p_value")));
    CHECK(json_number_value(json_object_get(r, "p_adjusted")) <= 1.0);
    json_decref(rep);
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--correction", "none"), 1);
    r = row_of(rep, "primes/seq/w1");
    CHECK(json_number_value(json_object_get(r, "p_adjusted")) ==
          json_number_value(json_object_get(r, "p_value")));
    CHECK_EQ_STR(json_string_value(json_object_get(rep, "correction")), "none");
    json_decref(rep);
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--correction", "bonf"), 2);
    json_decref(bd);
    json_decref(nd);
}

static void test_cant_tell(void) {
    /* 20% slower, huge spread, 3 repetitions: the U test cannot reach 0.05
     * with 3 per side (min p = 0.1), and below 5 per side the bootstrap CI
     * under-covers (tests/compare/test_boot_coverage.c), so "can't tell:
     * need >= 5" (4 would let the U test reach 0.05, but not the CI 95%). */
    double b[3] = {1.0, 0.5, 1.6}, n[3] = {1.2, 0.6, 1.92};
    json_t *bd = new_doc(), *nd = new_doc();
    add_case(bd, "primes", "seq", 1, "small", b, 3, 0);
    add_case(nd, "primes", "seq", 1, "small", n, 3, 0);
    char *bp = save(bd, "b3.json"), *np = save(nd, "n3.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 0);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "can't tell");
    const json_t *r = row_of(rep, "primes/seq/w1");
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "need_repetitions")), 5);
    CHECK(strstr(json_string_value(json_object_get(r, "note")), "need >= 5") != NULL);
    json_decref(rep);

    /* 4 per side, clearly 50% slower, tight: the U test reaches p = 0.029 <
     * 0.05, but 4 per side is below the bootstrap's minimum: can't tell,
     * need >= 5. With 5 per side the same shift is a regression. */
    double b4[5] = {1.0, 1.01, 0.99, 1.02, 0.98}, n4[5] = {1.5, 1.51, 1.49, 1.52, 1.48};
    json_t *bd4 = new_doc(), *nd4 = new_doc();
    add_case(bd4, "primes", "seq", 1, "small", b4, 4, 0);
    add_case(nd4, "primes", "seq", 1, "small", n4, 4, 0);
    bp = save(bd4, "b4.json");
    np = save(nd4, "n4.json");
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 0);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "can't tell");
    r = row_of(rep, "primes/seq/w1");
    CHECK(json_real_value(json_object_get(r, "p_value")) < 0.05);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "need_repetitions")), 5);
    CHECK(strstr(json_string_value(json_object_get(r, "note")), "need >= 5 repetitions per side, "
                                                                "have 4 and 4") != NULL);
    json_decref(rep);
    json_decref(bd4);
    json_decref(nd4);
    bd4 = new_doc(), nd4 = new_doc();
    add_case(bd4, "primes", "seq", 1, "small", b4, 5, 0);
    add_case(nd4, "primes", "seq", 1, "small", n4, 5, 0);
    bp = save(bd4, "b5.json");
    np = save(nd4, "n5.json");
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 1);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "regression");
    json_decref(rep);
    json_decref(bd4);
    json_decref(nd4);

    /* Enough repetitions, but so noisy the CI straddles the band: can't
     * tell, with an estimate above the current 8. */
    double b8[8] = {1.0, 0.5, 1.6, 0.8, 1.3, 0.7, 1.1, 0.9};
    double n8[8] = {1.1, 0.6, 1.5, 0.9, 1.2, 0.8, 1.4, 1.0};
    json_t *bd8 = new_doc(), *nd8 = new_doc();
    add_case(bd8, "primes", "seq", 1, "small", b8, 8, 0);
    add_case(nd8, "primes", "seq", 1, "small", n8, 8, 0);
    bp = save(bd8, "b8.json");
    np = save(nd8, "n8.json");
    CHECK_EQ_INT(run_compare(bp, np, &rep, NULL, NULL), 0);
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "can't tell");
    r = row_of(rep, "primes/seq/w1");
    /* CV ~30% against a 5% band: more than the cap of 200 repetitions would
     * be needed, so no number, a "noise too high" note with the measured CVs. */
    CHECK(json_is_null(json_object_get(r, "need_repetitions")));
    const char *note8 = json_string_value(json_object_get(r, "note"));
    CHECK(note8 && strstr(note8, "noise too high for a 5% threshold") && strstr(note8, "CV 3"));
    json_t *cv8 = json_object_get(r, "noise_cv");
    CHECK(json_real_value(json_object_get(cv8, "base")) > 0.25);
    json_decref(rep);
    /* With a 50% threshold the same data asks for a bounded number > 8. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--threshold", "50%"), 0);
    r = row_of(rep, "primes/seq/w1");
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "can't tell");
    long long need8 = json_integer_value(json_object_get(r, "need_repetitions"));
    CHECK(need8 > 8 && need8 <= 200);
    CHECK(strstr(json_string_value(json_object_get(r, "note")), "noise CV") != NULL);
    json_decref(rep);
    json_decref(bd);
    json_decref(nd);
    json_decref(bd8);
    json_decref(nd8);
}

static void test_derived_metrics(void) {
    /* seq 1.0 s; thread w2 0.52 s in BASE and 0.62 s in NEW (the pool got
     * slower, seq did not). Speedup 1.92 -> 1.61: a regression of speedup
     * and efficiency; the seq case itself is n/a for these metrics. */
    double seq[10], tb[10], tn[10];
    tight(seq, 1.0);
    tight(tb, 0.52);
    tight(tn, 0.62);
    json_t *bd = new_doc(), *nd = new_doc();
    add_case(bd, "primes", "seq", 1, "small", seq, 10, 0);
    add_case(nd, "primes", "seq", 1, "small", seq, 10, 0);
    add_case(bd, "primes", "thread", 2, "small", tb, 10, 0);
    add_case(nd, "primes", "thread", 2, "small", tn, 10, 0);
    char *bp = save(bd, "db.json"), *np = save(nd, "dn.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "speedup"), 1);
    CHECK_EQ_STR(verdict_of(rep, "primes/thread/w2"), "regression");
    CHECK_EQ_STR(verdict_of(rep, "primes/seq/w1"), "n/a");
    const json_t *r = row_of(rep, "primes/thread/w2");
    double bm = json_number_value(json_object_get(json_object_get(r, "base"), "median"));
    CHECK(fabs(bm - 1.0 / 0.52) < 0.02);
    CHECK(fabs(json_number_value(json_object_get(r, "ratio")) - 0.52 / 0.62) < 0.01);
    CHECK(json_is_true(json_object_get(rep, "higher_is_better")));
    json_decref(rep);

    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "efficiency"), 1);
    r = row_of(rep, "primes/thread/w2");
    CHECK(fabs(json_number_value(json_object_get(json_object_get(r, "base"), "median")) -
               1.0 / 0.52 / 2) < 0.01);
    json_decref(rep);

    /* overhead = (wall * 2 - seq median) / 20 tasks: (1.04 - 1.001)/20 ~
     * 0.002 s -> (1.24 - 1.001)/20 ~ 0.012 s: a regression. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "overhead"), 1);
    CHECK_EQ_STR(verdict_of(rep, "primes/thread/w2"), "regression");
    json_decref(rep);

    /* A superlinear pool (0.49 s with 2 workers for 1 s of seq work) has a
     * negative overhead: n/a (no ratio) rather than a nonsense verdict; as
     * no common case has the metric, exit 2 and no report. */
    double neg[10];
    tight(neg, 0.49);
    json_t *sd = new_doc();
    add_case(sd, "primes", "seq", 1, "small", seq, 10, 0);
    add_case(sd, "primes", "thread", 2, "small", neg, 10, 0);
    char *sp = save(sd, "neg.json");
    CHECK_EQ_INT(run_compare(sp, np, &rep, "--metric", "overhead"), 2);
    CHECK(rep == NULL);
    json_decref(sd);
    json_decref(bd);
    json_decref(nd);

    /* instructions: null everywhere -> exit 2 with a clear message. */
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "instructions"), 2);
    CHECK(rep == NULL);
}

static void test_instructions(void) {
    double b[10], n[10];
    tight(b, 0.5);
    tight(n, 0.55);
    json_t *bd = new_doc(), *nd = new_doc();
    add_case(bd, "noop", "thread", 2, "x", b, 10, 1);
    add_case(nd, "noop", "thread", 2, "x", n, 10, 1);
    char *bp = save(bd, "ib.json"), *np = save(nd, "in.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(bp, np, &rep, "--metric", "instructions"), 1);
    const json_t *r = row_of(rep, "noop/thread/w2");
    CHECK(fabs(json_number_value(json_object_get(json_object_get(r, "base"), "median")) -
               0.5e6 / 20) < 300);
    CHECK_EQ_STR(verdict_of(rep, "noop/thread/w2"), "regression");
    json_decref(rep);
    json_decref(bd);
    json_decref(nd);
}

static void test_bad_input(void) {
    double w[5] = {1, 1.1, 0.9, 1.05, 0.95};
    json_t *a = new_doc(), *b = new_doc();
    add_case(a, "primes", "seq", 1, "small", w, 5, 0);
    add_case(b, "primes", "seq", 1, "large", w, 5, 0); /* other params: no match */
    add_case(b, "loiter", "thread", 4, "small", w, 5, 0);
    char *ap = save(a, "a.json"), *bp = save(b, "b.json");
    json_t *rep;
    CHECK_EQ_INT(run_compare(ap, bp, &rep, NULL, NULL), 2);
    CHECK(rep == NULL);

    /* One side only is listed. */
    add_case(b, "primes", "seq", 1, "small", w, 5, 0);
    bp = save(b, "b2.json");
    CHECK_EQ_INT(run_compare(ap, bp, &rep, NULL, NULL), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(rep, "only_new")), 2);
    CHECK_EQ_INT(json_array_size(json_object_get(rep, "only_base")), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(rep, "summary"), "only_new")),
                 2);
    json_decref(rep);

    /* Wrong schema and a newer schema version. */
    json_t *w1 = json_deep_copy(a);
    json_object_set_new(w1, "schema", json_string("something-else"));
    char wp[320];
    snprintf(wp, sizeof wp, "%s/wrong.json", tmpdir);
    CHECK(json_dump_file(w1, wp, 0) == 0);
    CHECK_EQ_INT(run_compare(ap, wp, &rep, NULL, NULL), 2);
    json_object_set_new(w1, "schema", json_string("cfbench-results"));
    json_object_set_new(w1, "schema_version", json_integer(99));
    CHECK(json_dump_file(w1, wp, 0) == 0);
    CHECK_EQ_INT(run_compare(wp, ap, &rep, NULL, NULL), 2);
    json_decref(w1);

    /* Unreadable, not JSON, bad options. */
    char missing[320];
    snprintf(missing, sizeof missing, "%s/does-not-exist.json", tmpdir);
    CHECK_EQ_INT(run_compare(ap, missing, &rep, NULL, NULL), 2);
    CHECK_EQ_INT(run_compare(ap, ap, &rep, "--metric", "bogus"), 2);
    CHECK_EQ_INT(run_compare(ap, ap, &rep, "--threshold", "abc"), 2);
    CHECK_EQ_INT(run_compare(ap, ap, &rep, "--alpha", "1.5"), 2);
    CHECK_EQ_INT(run_compare(ap, ap, &rep, "--fail-on", "sometimes"), 2);
    char *argv1[] = {"compare", (char *)ap, NULL};
    CHECK_EQ_INT(cfb_cmd_compare(2, argv1), 2);
    json_decref(a);
    json_decref(b);
}

static void test_exports(void) {
    double w1[3] = {0.5, 0.52, 0.48}, w2[4] = {0.002, 0.0021, 0.0019, 0.002};
    json_t *d = new_doc();
    add_case(d, "primes", "seq", 1, "small", w1, 3, 0);
    add_case(d, "noop", "process", 2, "a,b", w2, 4, 1);
    json_t *err_case =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:{}, s:i, s:[], s:s}", "id", "flags/async/w8",
                  "workload", "flags", "mode", "async", "workers", 8, "impl", "c", "params",
                  "tasks", 20, "repetitions", "error", "server did not start");
    json_array_append_new(json_object_get(d, "cases"), err_case);
    char *p = save(d, "exp.json");

    /* gbench, parsed back with jansson, field by field. */
    char out[320];
    snprintf(out, sizeof out, "%s/g.json", tmpdir);
    char *argv[] = {"export", p, "--format", "gbench", "--out", out, NULL};
    CHECK_EQ_INT(cfb_cmd_export(6, argv), 0);
    json_error_t je;
    json_t *g = json_load_file(out, 0, &je);
    CHECK(g != NULL);
    json_t *ctx = json_object_get(g, "context");
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "date")), "2026-11-22T21:00:00Z");
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "host_name")), "testhost");
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "executable")), "cfbench");
    CHECK_EQ_INT(json_integer_value(json_object_get(ctx, "num_cpus")), 2);
    /* an older file without host.cpu_mhz / host.caches / noise / build */
    CHECK(json_is_integer(json_object_get(ctx, "mhz_per_cpu")));
    CHECK_EQ_INT(json_integer_value(json_object_get(ctx, "mhz_per_cpu")), 0);
    CHECK(json_is_boolean(json_object_get(ctx, "cpu_scaling_enabled")));
    CHECK(json_is_array(json_object_get(ctx, "caches")));
    CHECK_EQ_INT(json_array_size(json_object_get(ctx, "caches")), 0);
    CHECK(json_is_array(json_object_get(ctx, "load_avg")));
    CHECK_EQ_INT(json_array_size(json_object_get(ctx, "load_avg")), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "library_build_type")), "release");
    json_t *bm = json_object_get(g, "benchmarks");
    /* 3 reps + 4 aggregates, 4 reps + 4 aggregates, 1 error row */
    CHECK_EQ_INT(json_array_size(bm), 3 + 4 + 4 + 4 + 1);
    json_t *r0 = json_array_get(bm, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(r0, "name")), "primes/seq/w1");
    CHECK_EQ_STR(json_string_value(json_object_get(r0, "run_name")), "primes/seq/w1");
    CHECK_EQ_STR(json_string_value(json_object_get(r0, "run_type")), "iteration");
    CHECK_EQ_INT(json_integer_value(json_object_get(r0, "repetitions")), 3);
    CHECK_EQ_INT(json_integer_value(json_object_get(r0, "repetition_index")), 0);
    CHECK_EQ_INT(json_integer_value(json_object_get(r0, "threads")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(r0, "iterations")), 1);
    CHECK_EQ_STR(json_string_value(json_object_get(r0, "time_unit")), "ms");
    CHECK(fabs(json_number_value(json_object_get(r0, "real_time")) - 500.0) < 1e-9);
    CHECK(fabs(json_number_value(json_object_get(r0, "cpu_time")) - 1000.0) < 1e-9);
    CHECK(fabs(json_number_value(json_object_get(r0, "items_per_second")) - 40.0) < 1e-9);
    json_t *r2 = json_array_get(bm, 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(r2, "repetition_index")), 2);
    const char *agg[] = {"mean", "median", "stddev", "cv"};
    for (int k = 0; k < 4; k++) {
        json_t *a = json_array_get(bm, 3 + k);
        char name[64];
        snprintf(name, sizeof name, "primes/seq/w1_%s", agg[k]);
        CHECK_EQ_STR(json_string_value(json_object_get(a, "name")), name);
        CHECK_EQ_STR(json_string_value(json_object_get(a, "run_type")), "aggregate");
        CHECK_EQ_STR(json_string_value(json_object_get(a, "aggregate_name")), agg[k]);
        CHECK(json_object_get(a, "repetition_index") == NULL);
    }
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 3), "real_time")) - 500.0) <
          1e-9); /* mean of 500, 520, 480 */
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 4), "real_time")) - 500.0) <
          1e-9); /* median */
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 5), "real_time")) - 20.0) <
          1e-9); /* sample stddev of 500, 520, 480 */
    json_t *n0 = json_array_get(bm, 7);
    CHECK_EQ_STR(json_string_value(json_object_get(n0, "name")), "noop/process/w2");
    CHECK_EQ_INT(json_integer_value(json_object_get(n0, "threads")), 2);
    CHECK_EQ_STR(json_string_value(json_object_get(n0, "time_unit")), "ms");
    CHECK(fabs(json_number_value(json_object_get(n0, "real_time")) - 2.0) < 1e-9);
    json_t *e = json_array_get(bm, 15);
    CHECK_EQ_STR(json_string_value(json_object_get(e, "name")), "flags/async/w8");
    CHECK(json_is_true(json_object_get(e, "error_occurred")));
    CHECK_EQ_STR(json_string_value(json_object_get(e, "error_message")), "server did not start");
    json_decref(g);

    /* CSV: header + one row per repetition (3 + 4), the params with a comma
     * quoted, null instructions empty. */
    snprintf(out, sizeof out, "%s/x.csv", tmpdir);
    char *argv2[] = {"export", p, "-f", "csv", "-o", out, NULL};
    CHECK_EQ_INT(cfb_cmd_export(6, argv2), 0);
    FILE *f = fopen(out, "r");
    CHECK(f != NULL);
    char line[2048];
    int rows = 0;
    char first[2048] = "", noop_row[2048] = "", seq_row[2048] = "";
    while (f && fgets(line, sizeof line, f)) {
        if (!rows)
            snprintf(first, sizeof first, "%s", line);
        else if (!strncmp(line, "noop/", 5) && !*noop_row)
            snprintf(noop_row, sizeof noop_row, "%s", line);
        else if (!strncmp(line, "primes/", 7) && !*seq_row)
            snprintf(seq_row, sizeof seq_row, "%s", line);
        rows++;
    }
    if (f) fclose(f);
    CHECK_EQ_INT(rows, 1 + 3 + 4);
    CHECK(
        !strncmp(first, "case_id,workload,mode,workers,impl,params,tasks,repetition,wall_s,", 66));
    CHECK(strstr(first, ",instructions,latency_p50_s,") != NULL);
    CHECK(strstr(noop_row, ",\"set=a,b\",20,0,0.002,") != NULL);
    CHECK(strstr(noop_row, ",2000,0.01,") != NULL); /* instructions = 1e6 * 0.002 */
    CHECK(!strncmp(seq_row, "primes/seq/w1,primes,seq,1,c,set=small,20,0,0.5,1,0,1,", 54));
    CHECK(strstr(seq_row, ",40,,0.01,") != NULL); /* throughput, null instructions */

    /* markdown: a header and one row per case. */
    snprintf(out, sizeof out, "%s/x.md", tmpdir);
    char *argv3[] = {"export", p, "--format=markdown", "--out", out, NULL};
    CHECK_EQ_INT(cfb_cmd_export(5, argv3), 0);
    f = fopen(out, "r");
    int cases = 0, header = 0;
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "| `", 3)) cases++;
        if (!strncmp(line, "| case |", 8)) header++;
    }
    if (f) fclose(f);
    CHECK_EQ_INT(header, 1);
    CHECK_EQ_INT(cases, 3);

    /* Bad usage. */
    char *argv4[] = {"export", p, NULL};
    CHECK_EQ_INT(cfb_cmd_export(2, argv4), 2);
    char *argv5[] = {"export", p, "--format", "xml", NULL};
    CHECK_EQ_INT(cfb_cmd_export(4, argv5), 2);
    json_decref(d);
}

/* Run `cfbench export P --format gbench --out OUT [x1] [x2]`; the exit code,
 * and the document in *g (NULL when none was written). */
static int run_gbench(const char *p, json_t **g, const char *x1, const char *x2) {
    char out[320];
    snprintf(out, sizeof out, "%s/gb.json", tmpdir);
    unlink(out);
    char *argv[10];
    int argc = 0;
    argv[argc++] = "export";
    argv[argc++] = (char *)p;
    argv[argc++] = "--format";
    argv[argc++] = "gbench";
    argv[argc++] = "--out";
    argv[argc++] = out;
    if (x1) argv[argc++] = (char *)x1;
    if (x2) argv[argc++] = (char *)x2;
    argv[argc] = NULL;
    int rc = cfb_cmd_export(argc, argv);
    *g = json_load_file(out, 0, NULL);
    return rc;
}

static const char *bname(const json_t *g, size_t i) {
    return json_string_value(
        json_object_get(json_array_get(json_object_get(g, "benchmarks"), i), "name"));
}

/* --aggregates-only, --median-only and the context facts of a results file
 * that has them (host.cpu_mhz, host.caches, noise.load_avg_before,
 * build.build_type), field by field. */
static void test_export_rows_and_context(void) {
    double w3[3] = {0.5, 0.52, 0.48}, w1[1] = {0.002};
    json_t *d = new_doc();
    add_case(d, "primes", "seq", 1, "small", w3, 3, 0);
    add_case(d, "noop", "thread", 2, "small", w1, 1, 0);
    json_array_append_new(json_object_get(d, "cases"),
                          json_pack("{s:s, s:s, s:s, s:i, s:s, s:{}, s:i, s:[], s:s}", "id",
                                    "flags/async/w8", "workload", "flags", "mode", "async",
                                    "workers", 8, "impl", "c", "params", "tasks", 20, "repetitions",
                                    "error", "server did not start"));
    json_t *host = json_object_get(d, "host");
    json_object_set_new(host, "cpu_mhz", json_real(2894.56));
    json_object_set_new(
        host, "caches",
        json_pack("[{s:s, s:i, s:i, s:i}, {s:s, s:i, s:i, s:i}, {s:s, s:i, s:i, s:i}, {s:s}]",
                  "type", "Data", "level", 1, "size", 32768, "num_sharing", 2, "type",
                  "Instruction", "level", 1, "size", 32768, "num_sharing", 2, "type", "Unified",
                  "level", 3, "size", 33554432, "num_sharing", 16, "type", "broken"));
    json_object_set_new(d, "noise", json_pack("{s:[f, f, f]}", "load_avg_before", 0.5, 1.25, 2.0));
    json_object_set_new(d, "build", json_pack("{s:s}", "build_type", "Debug"));
    char *p = save(d, "ctx.json");
    json_t *g;

    /* context */
    CHECK_EQ_INT(run_gbench(p, &g, NULL, NULL), 0);
    json_t *ctx = json_object_get(g, "context");
    CHECK(json_is_integer(json_object_get(ctx, "mhz_per_cpu")));
    CHECK_EQ_INT(json_integer_value(json_object_get(ctx, "mhz_per_cpu")), 2895);
    json_t *caches = json_object_get(ctx, "caches");
    CHECK_EQ_INT(json_array_size(caches), 3); /* the malformed entry skipped */
    json_t *want = json_pack("[{s:s, s:i, s:i, s:i}, {s:s, s:i, s:i, s:i}, {s:s, s:i, s:i, s:i}]",
                             "type", "Data", "level", 1, "size", 32768, "num_sharing", 2, "type",
                             "Instruction", "level", 1, "size", 32768, "num_sharing", 2, "type",
                             "Unified", "level", 3, "size", 33554432, "num_sharing", 16);
    CHECK(json_equal(caches, want));
    json_decref(want);
    json_t *la = json_object_get(ctx, "load_avg");
    CHECK_EQ_INT(json_array_size(la), 3);
    CHECK(fabs(json_number_value(json_array_get(la, 0)) - 0.5) < 1e-12);
    CHECK(fabs(json_number_value(json_array_get(la, 1)) - 1.25) < 1e-12);
    CHECK(fabs(json_number_value(json_array_get(la, 2)) - 2.0) < 1e-12);
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "library_build_type")), "debug");
    /* default rows: 3 + 4 aggregates, 1 iteration (no aggregates), 1 error */
    CHECK_EQ_INT(json_array_size(json_object_get(g, "benchmarks")), 3 + 4 + 1 + 1);
    json_decref(g);

    /* --aggregates-only: no iteration rows where there are aggregates */
    CHECK_EQ_INT(run_gbench(p, &g, "--aggregates-only", NULL), 0);
    json_t *bm = json_object_get(g, "benchmarks");
    CHECK_EQ_INT(json_array_size(bm), 4 + 1 + 1);
    const char *agg[] = {"mean", "median", "stddev", "cv"};
    for (int k = 0; k < 4; k++) {
        json_t *a = json_array_get(bm, (size_t)k);
        char name[64];
        snprintf(name, sizeof name, "primes/seq/w1_%s", agg[k]);
        CHECK_EQ_STR(bname(g, (size_t)k), name);
        CHECK_EQ_STR(json_string_value(json_object_get(a, "run_type")), "aggregate");
        CHECK_EQ_STR(json_string_value(json_object_get(a, "aggregate_name")), agg[k]);
        CHECK_EQ_INT(json_integer_value(json_object_get(a, "repetitions")), 3);
    }
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 1), "real_time")) - 500.0) <
          1e-9);
    /* one repetition: no aggregates, so its iteration row stays (Google
     * Benchmark's behaviour); the failed case keeps its error row */
    CHECK_EQ_STR(bname(g, 4), "noop/thread/w2");
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(bm, 4), "run_type")),
                 "iteration");
    CHECK_EQ_STR(bname(g, 5), "flags/async/w8");
    CHECK(json_is_true(json_object_get(json_array_get(bm, 5), "error_occurred")));
    json_decref(g);

    /* --median-only: exactly one row per case that ran, the median */
    CHECK_EQ_INT(run_gbench(p, &g, "--median-only", NULL), 0);
    bm = json_object_get(g, "benchmarks");
    CHECK_EQ_INT(json_array_size(bm), 2);
    CHECK_EQ_STR(bname(g, 0), "primes/seq/w1_median");
    CHECK_EQ_STR(bname(g, 1), "noop/thread/w2_median");
    for (size_t k = 0; k < 2; k++) {
        json_t *a = json_array_get(bm, k);
        CHECK_EQ_STR(json_string_value(json_object_get(a, "run_type")), "aggregate");
        CHECK_EQ_STR(json_string_value(json_object_get(a, "aggregate_name")), "median");
        CHECK_EQ_STR(json_string_value(json_object_get(a, "aggregate_unit")), "time");
        CHECK_EQ_STR(json_string_value(json_object_get(a, "time_unit")), "ms");
        CHECK(json_object_get(a, "repetition_index") == NULL);
    }
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(bm, 0), "run_name")),
                 "primes/seq/w1");
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 0), "real_time")) - 500.0) <
          1e-9);
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 0), "cpu_time")) - 1000.0) <
          1e-9);
    CHECK(fabs(json_number_value(json_object_get(json_array_get(bm, 1), "real_time")) - 2.0) <
          1e-9);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_array_get(bm, 1), "repetitions")), 1);
    json_decref(g);
    size_t skipped = 99;
    cfb_export_opts eo = {CFB_GBENCH_MEDIAN, &skipped};
    FILE *devnull = fopen("/dev/null", "w");
    CHECK(devnull && cfb_export_opt(d, CFB_EXPORT_GBENCH, &eo, devnull) == 0);
    if (devnull) fclose(devnull);
    CHECK_EQ_INT(skipped, 1);

    /* other build types, a null cpu_mhz, a load average that is not 3 numbers */
    json_object_set_new(json_object_get(d, "build"), "build_type", json_string("RelWithDebInfo"));
    json_object_set_new(host, "cpu_mhz", json_null());
    json_object_set_new(d, "noise", json_pack("{s:[f, f]}", "load_avg_before", 0.5, 1.25));
    g = cfb_export_gbench(d);
    ctx = json_object_get(g, "context");
    CHECK_EQ_STR(json_string_value(json_object_get(ctx, "library_build_type")), "release");
    CHECK_EQ_INT(json_integer_value(json_object_get(ctx, "mhz_per_cpu")), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(ctx, "load_avg")), 0);
    json_decref(g);
    json_object_set_new(json_object_get(d, "build"), "build_type", json_string("ASan"));
    g = cfb_export_gbench(d);
    CHECK_EQ_STR(
        json_string_value(json_object_get(json_object_get(g, "context"), "library_build_type")),
        "asan");
    json_decref(g);

    /* bad usage: both row options; a row option with another format */
    CHECK_EQ_INT(run_gbench(p, &g, "--median-only", "--aggregates-only"), 2);
    CHECK(g == NULL);
    CHECK_EQ_INT(run_gbench(p, &g, "--median-only", "--median-only"), 0); /* repeated: fine */
    json_decref(g);
    char *argv[] = {"export", p, "--format", "csv", "--median-only", NULL};
    CHECK_EQ_INT(cfb_cmd_export(5, argv), 2);
    char *argv2[] = {"export", p, "--aggregates-only", "-f", "markdown", NULL};
    CHECK_EQ_INT(cfb_cmd_export(5, argv2), 2);
    json_decref(d);
}

/* The seq reference of the derived metrics is the results model's
 * (cfb_results_seq_of): the first seq case of the same workload, impl and
 * params that has no error and a repetition. */
static void test_seq_reference_rule(void) {
    json_t *doc = new_doc();
    double bad[] = {100, 100, 100}, seq[] = {4, 4, 4}, later[] = {40, 40, 40}, par[] = {2, 2, 2};
    json_t *failed = add_case(doc, "p", "seq", 1, "small", bad, 3, 0);
    json_object_set_new(failed, "error", json_string("seq mode failed: boom"));
    add_case(doc, "p", "seq", 1, "small", bad, 0, 0); /* no repetitions */
    add_case(doc, "p", "seq", 1, "small", seq, 3, 0);
    add_case(doc, "p", "seq", 1, "small", later, 3, 0);
    add_case(doc, "p", "thread", 2, "small", par, 3, 0);
    add_case(doc, "p", "thread", 4, "big", par, 3, 0);
    cfb_results *m = NULL;
    CHECK_EQ_INT(cfb_results_decode(doc, &m, NULL, 0), 0);
    if (!m) return;
    const cfb_rcase *t = cfb_results_case(m, 4), *other = cfb_results_case(m, 5);
    double *v = NULL;
    size_t n = 0;
    const char *why = NULL;
    CHECK_EQ_INT(cfb_metric_values(m, t, CFB_METRIC_SPEEDUP, &v, &n, &why), 0);
    CHECK(n == 3 && v && v[0] == 2.0); /* 4 / 2: not the failed 100, not the later 40 */
    free(v);
    CHECK_EQ_INT(cfb_metric_values(m, t, CFB_METRIC_EFFICIENCY, &v, &n, &why), 0);
    CHECK(n == 3 && v && v[0] == 1.0);
    free(v);
    CHECK_EQ_INT(cfb_metric_values(m, t, CFB_METRIC_OVERHEAD, &v, &n, &why), 0);
    CHECK(n == 3 && v && v[0] == 0.0); /* (2 * 2 - 4) / 20 */
    free(v);
    /* other params: no reference */
    CHECK_EQ_INT(cfb_metric_values(m, other, CFB_METRIC_SPEEDUP, &v, &n, &why), 1);
    CHECK(v == NULL && why && strstr(why, "no seq case"));
    /* no such case, no such metric */
    CHECK_EQ_INT(cfb_metric_values(m, NULL, CFB_METRIC_WALL, &v, &n, &why), 1);
    CHECK(v == NULL && n == 0);
    CHECK_EQ_INT(cfb_metric_values(m, t, (cfb_metric)99, &v, &n, &why), 1);
    CHECK(v == NULL && n == 0);
    /* the case key: workload, mode, workers, impl, params (sorted) */
    char *key = cfb_case_key(t);
    CHECK_EQ_STR(key, "p\x1fthread\x1f"
                      "2\x1f"
                      "c\x1f{\"set\":\"small\"}");
    free(key);
    CHECK(cfb_case_key(NULL) == NULL);
    /* compare without a document: a one-line reason, no report */
    cfb_compare_opts co;
    cfb_compare_opts_default(&co);
    json_t *none = NULL;
    char cerr[256];
    CHECK_EQ_INT(cfb_compare_docs(m, NULL, "a", "b", &co, &none, cerr, sizeof cerr), -1);
    CHECK(none == NULL);
    CHECK_EQ_STR(cerr, "no results document to compare");
    cfb_results_free(m);
    /* and compare (its indexed lookup) agrees */
    char *p = save(doc, "seqrule.json");
    json_t *rep = NULL;
    run_compare(p, p, &rep, "--metric", "speedup");
    const json_t *row = rep ? row_of(rep, "p/thread/w2") : NULL;
    CHECK(row != NULL);
    if (row) {
        const json_t *b = json_object_get(row, "base");
        CHECK(json_number_value(json_object_get(b, "median")) == 2.0);
    }
    json_decref(rep);
    json_decref(doc);
}

int main(void) {
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cfb-compare-test-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_identical);
    RUN(test_regression_and_improvement);
    RUN(test_holm);
    RUN(test_cant_tell);
    RUN(test_derived_metrics);
    RUN(test_seq_reference_rule);
    RUN(test_instructions);
    RUN(test_bad_input);
    RUN(test_exports);
    RUN(test_export_rows_and_context);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_summary();
}
