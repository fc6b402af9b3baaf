/*
 * fuzz_ab_read.c — fuzz target `ab_read`: the reader of an A/B document
 * (`cfbench ab --analyze FILE`, results/ab.c cfb_ab_from_json) and what
 * runs on the model it returns. Input: the bytes of a document. Invariants:
 *   A1  round trip: model -> JSON -> model -> JSON gives the same JSON, and
 *       keeps the number of cases and of pairs per case;
 *   A2  analysis: one verdict per case; each verdict keeps to its
 *       definition (ab.h): "regression" only with p_adj < alpha and
 *       lo > 1 + threshold, "improvement" only with p_adj < alpha and
 *       hi < 1 / (1 + threshold), n/a only below 2 usable pairs, and
 *       cfb_ab_regressions() counts the regression verdicts;
 *   A3  a rejected document comes with a one-line reason.
 */
#include <math.h>

#include <jansson.h>

#include "ab.h"
#include "fuzz_util.h"

static void check_verdicts(cfb_ab *ab, const cfb_ab_opts *o) {
    size_t n = 0;
    const cfb_ab_verdict *v = cfb_ab_verdicts(ab, &n);
    FUZZ_CHECK(n == cfb_ab_ncases(ab), "%zu verdicts for %zu cases", n, cfb_ab_ncases(ab));
    int regressions = 0;
    for (size_t i = 0; i < n; i++) {
        const cfb_ab_verdict *x = &v[i];
        FUZZ_CHECK(x->n <= cfb_ab_case_npairs(ab, i), "case %zu: %zu usable of %zu pairs", i, x->n,
                   cfb_ab_case_npairs(ab, i));
        switch (x->kind) {
        case CFB_AB_REGRESSION:
            regressions++;
            FUZZ_CHECK(x->p_adj < o->alpha && x->lo > 1 + o->threshold,
                       "case %zu: regression with p_adj %g, lo %g", i, x->p_adj, x->lo);
            break;
        case CFB_AB_IMPROVEMENT:
            FUZZ_CHECK(x->p_adj < o->alpha && x->hi < 1 / (1 + o->threshold),
                       "case %zu: improvement with p_adj %g, hi %g", i, x->p_adj, x->hi);
            break;
        case CFB_AB_NO_CHANGE:
            FUZZ_CHECK(x->lo >= 1 / (1 + o->threshold) && x->hi <= 1 + o->threshold,
                       "case %zu: no change with [%g, %g]", i, x->lo, x->hi);
            break;
        case CFB_AB_NA:
            FUZZ_CHECK(x->n < 2, "case %zu: n/a with %zu usable pairs", i, x->n);
            break;
        case CFB_AB_CANT_TELL:
            break;
        default:
            FUZZ_CHECK(0, "case %zu: verdict kind %d", i, (int)x->kind);
        }
        if (x->kind != CFB_AB_NA)
            FUZZ_CHECK(x->lo <= x->ratio && x->ratio <= x->hi,
                       "case %zu: ratio %g outside [%g, %g]", i, x->ratio, x->lo, x->hi);
    }
    FUZZ_CHECK(regressions == cfb_ab_regressions(ab), "%d regression verdicts, counted %d",
               regressions, cfb_ab_regressions(ab));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t je;
    json_t *doc = json_loadb((const char *)data, size, 0, &je);
    if (!doc) return 0;
    cfb_ab *ab = NULL;
    char err[512] = "";
    if (cfb_ab_from_json(doc, &ab, err, sizeof err) != 0) {
        FUZZ_CHECK(ab == NULL && err[0] && !strchr(err, '\n'), "A3: rejected without a reason");
        json_decref(doc);
        return 0;
    }
    /* A1 */
    json_t *j1 = cfb_ab_to_json(ab);
    cfb_ab *ab2 = NULL;
    FUZZ_CHECK(j1 && cfb_ab_from_json(j1, &ab2, err, sizeof err) == 0,
               "A1: our own document is rejected: %s", err);
    json_t *j2 = cfb_ab_to_json(ab2);
    FUZZ_CHECK(j2 && json_equal(j1, j2), "A1: the round trip changed the document");
    FUZZ_CHECK(cfb_ab_ncases(ab) == cfb_ab_ncases(ab2), "A1: case count changed");
    for (size_t i = 0; i < cfb_ab_ncases(ab); i++) {
        FUZZ_CHECK(cfb_ab_case_npairs(ab, i) == cfb_ab_case_npairs(ab2, i),
                   "A1: pair count of case %zu changed", i);
        FUZZ_CHECK(!strcmp(cfb_ab_case_id(ab, i), cfb_ab_case_id(ab2, i)),
                   "A1: id of case %zu changed", i);
    }
    /* A2: both metrics, with and without the correction */
    for (int m = 0; m < 2; m++) {
        cfb_ab_opts o;
        cfb_ab_opts_default(&o);
        o.metric = m ? CFB_AB_CPU : CFB_AB_WALL;
        o.correction = !m;
        o.resamples = 200; /* speed */
        if (cfb_ab_analyze(ab, &o, err, sizeof err) == 0) check_verdicts(ab, &o);
    }
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        cfb_ab_render_text(ab, out);
        cfb_ab_render_markdown(ab, out);
        fclose(out);
    }
    json_t *j3 = cfb_ab_to_json(ab); /* with the verdicts */
    json_decref(j3);
    json_decref(j1);
    json_decref(j2);
    cfb_ab_free(ab);
    cfb_ab_free(ab2);
    json_decref(doc);
    return 0;
}
