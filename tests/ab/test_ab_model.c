/*
 * test_ab_model.c — the A/B model (results/ab.h): verdicts on synthetic
 * paired data for every rule in ab.h, metric rules, the JSON codec (round
 * trip and bad documents) and the renderers. Data are made by formula, so
 * nothing here depends on the machine.
 */
#include <math.h>
#include <stdio.h>

#include "ab.h"
#include "check.h"

/* Deterministic "noise" in [-1, 1]: a fixed low-discrepancy sequence. */
static double wobble(int i) {
    return sin(1.7 * i + 0.3);
}

/* A case whose NEW/BASE ratio is `ratio` times (1 + noise * wobble). */
static size_t add_case(cfb_ab *ab, const char *id, int n, double ratio, double noise) {
    size_t idx;
    CHECK_EQ_INT(cfb_ab_add_case(ab, id, &idx), 0);
    for (int i = 0; i < n; i++) {
        double base = 0.010 * (1.0 + 0.3 * wobble(i + 100)); /* drift moves both sides */
        double r = ratio * (1.0 + noise * wobble(i));
        cfb_ab_obs b = {base, base * 0.9}, w = {base * r, base * 0.9 * r};
        CHECK_EQ_INT(cfb_ab_add_pair(ab, idx, b, w, i % 2), 0);
    }
    return idx;
}

static const cfb_ab_verdict *verdict_of(const cfb_ab *ab, const char *id) {
    size_t n;
    const cfb_ab_verdict *v = cfb_ab_verdicts(ab, &n);
    for (size_t i = 0; v && i < n; i++)
        if (!strcmp(v[i].id, id)) return &v[i];
    return NULL;
}

static void test_verdicts(void) {
    cfb_ab *ab = cfb_ab_new();
    CHECK(ab != NULL);
    CHECK_EQ_INT(cfb_ab_set_side(ab, CFB_AB_BASE, "base", "HEAD^"), 0);
    CHECK_EQ_INT(cfb_ab_set_side(ab, CFB_AB_NEW, "new", "HEAD"), 0);
    CHECK_EQ_INT(cfb_ab_set_side(ab, 2, "x", "y"), -1);
    add_case(ab, "slower", 15, 1.10, 0.01);
    add_case(ab, "faster", 15, 0.90, 0.01);
    add_case(ab, "same", 15, 1.00, 0.002);
    add_case(ab, "few", 3, 1.10, 0.01);
    add_case(ab, "noisy", 15, 1.03, 0.40);
    add_case(ab, "close", 15, 1.04, 0.06);
    size_t z;
    CHECK_EQ_INT(cfb_ab_add_case(ab, "zeros", &z), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(cfb_ab_add_pair(ab, z, (cfb_ab_obs){0, 0}, (cfb_ab_obs){1, 1}, 0), 0);
    CHECK_EQ_INT(cfb_ab_add_pair(ab, 99, (cfb_ab_obs){1, 1}, (cfb_ab_obs){1, 1}, 0), -1);

    size_t n;
    CHECK(cfb_ab_verdicts(ab, &n) == NULL); /* before analyze */
    char err[200];
    CHECK_EQ_INT(cfb_ab_analyze(ab, NULL, err, sizeof err), 0);
    CHECK(cfb_ab_verdicts(ab, &n) != NULL);
    CHECK_EQ_INT(n, 7);

    const cfb_ab_verdict *v = verdict_of(ab, "slower");
    CHECK(v && v->kind == CFB_AB_REGRESSION);
    CHECK(v && fabs(v->ratio - 1.10) < 0.01 && v->lo > 1.02 && v->p_adj < 0.05);
    CHECK(v && v->n == 15 && v->metric == CFB_AB_WALL);
    v = verdict_of(ab, "faster");
    CHECK(v && v->kind == CFB_AB_IMPROVEMENT);
    v = verdict_of(ab, "same");
    CHECK(v && v->kind == CFB_AB_NO_CHANGE);
    v = verdict_of(ab, "few");
    /* 3 pairs: the smallest p is 2/8 > alpha: too few, and Holm over 6
     * cases wants 2/2^n <= 0.05/6: n = 8. */
    CHECK(v && v->kind == CFB_AB_CANT_TELL && v->need_pairs == 8);
    v = verdict_of(ab, "noisy");
    CHECK(v && v->kind == CFB_AB_CANT_TELL && v->need_pairs == 0 && v->noise > 0.2);
    v = verdict_of(ab, "close");
    CHECK(v && v->kind == CFB_AB_CANT_TELL);
    if (v)
        fprintf(stderr, "   close: ratio %.4f [%.4f, %.4f] noise %.4f need %zu\n", v->ratio, v->lo,
                v->hi, v->noise, v->need_pairs);
    CHECK(v && v->need_pairs > 15 && v->need_pairs <= CFB_AB_MAX_PAIRS);
    v = verdict_of(ab, "zeros");
    CHECK(v && v->kind == CFB_AB_NA && v->n == 0);
    CHECK_EQ_INT(cfb_ab_regressions(ab), 1);

    /* Without the correction the lone case "few" needs 6 pairs (2/64 < 0.05). */
    cfb_ab_opts o;
    cfb_ab_opts_default(&o);
    o.correction = 0;
    CHECK_EQ_INT(cfb_ab_analyze(ab, &o, err, sizeof err), 0);
    v = verdict_of(ab, "few");
    CHECK(v && v->need_pairs == 6);
    /* A 15% threshold: the 10% slowdown is no longer a regression. */
    cfb_ab_opts_default(&o);
    o.threshold = 0.15;
    CHECK_EQ_INT(cfb_ab_analyze(ab, &o, err, sizeof err), 0);
    v = verdict_of(ab, "slower");
    CHECK(v && v->kind != CFB_AB_REGRESSION);
    CHECK_EQ_INT(cfb_ab_regressions(ab), 0);
    cfb_ab_free(ab);
}

static void test_metric_rules(void) {
    cfb_ab *ab = cfb_ab_new();
    size_t idx;
    CHECK_EQ_INT(cfb_ab_add_case(ab, "primes/thread/w2", &idx), 0);
    /* wall says slower, cpu says the same. */
    for (int i = 0; i < 12; i++) {
        double j = 1.0 + 0.001 * wobble(i);
        CHECK_EQ_INT(cfb_ab_add_pair(ab, idx, (cfb_ab_obs){1.0, 1.0}, (cfb_ab_obs){1.2 * j, j}, 1),
                     0);
    }
    const char *rules[] = {"primes/*=cpu"};
    cfb_ab_opts o;
    cfb_ab_opts_default(&o);
    char err[200];
    CHECK_EQ_INT(cfb_ab_analyze(ab, &o, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_ab_regressions(ab), 1);
    o.metric_case = rules;
    o.nmetric_case = 1;
    CHECK_EQ_INT(cfb_ab_analyze(ab, &o, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_ab_regressions(ab), 0);
    CHECK(verdict_of(ab, "primes/thread/w2")->metric == CFB_AB_CPU);
    const char *bad[] = {"primes/*=speed"};
    o.metric_case = bad;
    CHECK_EQ_INT(cfb_ab_analyze(ab, &o, err, sizeof err), -1);
    CHECK(strstr(err, "primes/*=speed") != NULL);
    cfb_ab_metric m;
    CHECK_EQ_INT(cfb_ab_metric_parse("cpu", &m), 0);
    CHECK(m == CFB_AB_CPU);
    CHECK_EQ_INT(cfb_ab_metric_parse("cpucost", &m), -1);
    cfb_ab_free(ab);
}

static void test_json_round_trip(void) {
    cfb_ab *ab = cfb_ab_new();
    cfb_ab_set_side(ab, CFB_AB_BASE, "HEAD^", "a1b2");
    cfb_ab_set_side(ab, CFB_AB_NEW, "new", "this build");
    add_case(ab, "slower", 15, 1.10, 0.01);
    add_case(ab, "same", 15, 1.00, 0.002);
    CHECK_EQ_INT(cfb_ab_add_only(ab, CFB_AB_NEW, "added/thread/w2"), 0);
    CHECK_EQ_INT(cfb_ab_set_meta(ab, "config", json_pack("{s:i}", "rounds", 15)), 0);
    char err[200];
    CHECK_EQ_INT(cfb_ab_analyze(ab, NULL, err, sizeof err), 0);
    json_t *doc = cfb_ab_to_json(ab);
    CHECK(doc != NULL);
    CHECK_EQ_STR(json_string_value(json_object_get(doc, "schema")), "cfbench-ab");
    CHECK_EQ_INT(json_integer_value(json_object_get(doc, "regressions")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(doc, "config"), "rounds")), 15);
    json_t *c0 = json_array_get(json_object_get(doc, "cases"), 0);
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(c0, "verdict"), "verdict")),
                 "regression");
    CHECK_EQ_INT(json_array_size(json_object_get(c0, "pairs")), 15);
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(doc, "only_new"), 0)),
                 "added/thread/w2");

    cfb_ab *back;
    CHECK_EQ_INT(cfb_ab_from_json(doc, &back, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_ab_ncases(back), 2);
    CHECK_EQ_INT(cfb_ab_case_npairs(back, 0), 15);
    CHECK_EQ_INT(cfb_ab_analyze(back, NULL, err, sizeof err), 0);
    size_t n1, n2;
    const cfb_ab_verdict *v1 = cfb_ab_verdicts(ab, &n1), *v2 = cfb_ab_verdicts(back, &n2);
    CHECK_EQ_INT(n1, n2);
    for (size_t i = 0; i < n1 && i < n2; i++) {
        CHECK(v1[i].kind == v2[i].kind);
        CHECK(fabs(v1[i].ratio - v2[i].ratio) < 1e-12);
        CHECK(fabs(v1[i].lo - v2[i].lo) < 1e-12);
    }
    json_t *again = cfb_ab_to_json(back);
    CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(again, "only_new"), 0)),
                 "added/thread/w2");
    json_decref(again);
    cfb_ab_free(back);

    /* Bad documents. */
    json_t *bad = json_pack("{s:s}", "schema", "cfbench-results");
    CHECK_EQ_INT(cfb_ab_from_json(bad, &back, err, sizeof err), -1);
    CHECK(strstr(err, "not a cfbench A/B document") != NULL);
    json_decref(bad);
    bad = json_pack("{s:s, s:i, s:[]}", "schema", "cfbench-ab", "schema_version", 99, "cases");
    CHECK_EQ_INT(cfb_ab_from_json(bad, &back, err, sizeof err), -1);
    CHECK(strstr(err, "schema_version") != NULL);
    json_decref(bad);
    bad = json_pack("{s:s, s:i, s:[{s:s, s:[{s:{s:s}}]}]}", "schema", "cfbench-ab",
                    "schema_version", 1, "cases", "id", "x", "pairs", "base", "wall_s", "fast");
    CHECK_EQ_INT(cfb_ab_from_json(bad, &back, err, sizeof err), -1);
    CHECK(strstr(err, "case 'x', pair 0") != NULL);
    json_decref(bad);
    json_decref(doc);
    cfb_ab_free(ab);
}

static void test_render(void) {
    cfb_ab *ab = cfb_ab_new();
    cfb_ab_set_side(ab, CFB_AB_BASE, "HEAD^", "a1b2");
    cfb_ab_set_side(ab, CFB_AB_NEW, "new", "this build");
    add_case(ab, "primes/thread/w2", 15, 1.10, 0.01);
    cfb_ab_add_only(ab, CFB_AB_BASE, "gone/seq/w1");
    char err[200];
    CHECK_EQ_INT(cfb_ab_analyze(ab, NULL, err, sizeof err), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    CHECK_EQ_INT(cfb_ab_render_text(ab, f), 0);
    fclose(f);
    CHECK(strstr(buf, "primes/thread/w2") && strstr(buf, "regression"));
    CHECK(strstr(buf, "+10.") != NULL);
    CHECK(strstr(buf, "only in BASE: gone/seq/w1") != NULL);
    CHECK(strstr(buf, "1 regression, 0 improvements") != NULL);
    free(buf);
    f = open_memstream(&buf, &len);
    CHECK_EQ_INT(cfb_ab_render_markdown(ab, f), 0);
    fclose(f);
    CHECK(strstr(buf, "| `primes/thread/w2` | wall | 15 |") != NULL);
    CHECK(strstr(buf, "**regression**") != NULL);
    free(buf);
    cfb_ab_free(ab);
}

int main(void) {
    RUN(test_verdicts);
    RUN(test_metric_rules);
    RUN(test_json_round_trip);
    RUN(test_render);
    return check_summary();
}
