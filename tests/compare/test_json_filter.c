/*
 * test_json_filter.c — the streaming filter that drops named subtrees while
 * loading (results/json_filter.c): what it drops, what it keeps, strings and
 * escapes that look like structure, line numbers in errors, a big timeline
 * across many 64 KiB chunks, bad patterns, and the results loader on top.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "check.h"
#include "json_filter.h"
#include "cfbench_results.h"

static json_t *load(const char *text, const char *const *drop, size_t ndrop, size_t *nd,
                    json_error_t *je) {
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    json_t *doc = NULL;
    if (!f) return NULL;
    if (cfb_json_load_filtered(f, drop, ndrop, JSON_DECODE_ANY, &doc, nd, je)) doc = NULL;
    fclose(f);
    return doc;
}

static void test_drops_and_keeps(void) {
    const char *drops[] = {"cases[].timeline", "cases[].repetitions[].latency_s"};
    const char *text =
        "{\"timeline\": [1,2], \"cases\": [\n"
        " {\"id\": \"a\", \"timeline\": {\"tasks\": [{\"label\": \"x]}\\\"{\"}, 2]},\n"
        "  \"repetitions\": [{\"wall_s\": 1.5, \"latency_s\": {\"p50\": 3}},\n"
        "                  {\"wall_s\": 2, \"latency_s\": null}],\n"
        "  \"note\": \"timeline\", \"params\": {\"timeline\": 7}},\n"
        " {\"id\": \"b\", \"timeline\" : \"a string, with } and ]\", \"x\": 1},\n"
        " {\"id\": \"c\", \"timeline\":12.5e3,\"y\":true},\n"
        " {\"id\": \"d\", \"time\\u006cine\": [1], \"timeline2\": [2]}]}";
    size_t nd = 0;
    json_error_t je;
    json_t *doc = load(text, drops, 2, &nd, &je);
    CHECK(doc != NULL);
    if (!doc) {
        fprintf(stderr, "%s at %d:%d\n", je.text, je.line, je.column);
        return;
    }
    CHECK_EQ_INT(nd, 5); /* 3 timelines, 2 latency_s */
    /* Top-level "timeline" is not under cases[]: kept. */
    CHECK_EQ_INT(json_array_size(json_object_get(doc, "timeline")), 2);
    json_t *cases = json_object_get(doc, "cases");
    CHECK_EQ_INT(json_array_size(cases), 4);
    json_t *a = json_array_get(cases, 0);
    CHECK(json_is_null(json_object_get(a, "timeline")));
    json_t *r0 = json_array_get(json_object_get(a, "repetitions"), 0);
    CHECK(json_real_value(json_object_get(r0, "wall_s")) == 1.5);
    CHECK(json_is_null(json_object_get(r0, "latency_s")));
    CHECK_EQ_STR(json_string_value(json_object_get(a, "note")), "timeline");
    CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(a, "params"), "timeline")), 7);
    json_t *b = json_array_get(cases, 1);
    CHECK(json_is_null(json_object_get(b, "timeline")));
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "x")), 1);
    json_t *c = json_array_get(cases, 2);
    CHECK(json_is_null(json_object_get(c, "timeline")));
    CHECK(json_is_true(json_object_get(c, "y")));
    /* An escaped spelling does not match (documented); a longer key neither. */
    json_t *d = json_array_get(cases, 3);
    CHECK_EQ_INT(json_array_size(json_object_get(d, "timeline")), 1);
    CHECK_EQ_INT(json_array_size(json_object_get(d, "timeline2")), 1);
    json_decref(doc);

    /* No patterns: the same document as jansson reads it. */
    json_error_t je2;
    json_t *plain = json_loads(text, JSON_DECODE_ANY, &je2), *f = load(text, NULL, 0, &nd, &je);
    CHECK(plain && f && json_equal(plain, f));
    CHECK_EQ_INT(nd, 0);
    json_decref(plain);
    json_decref(f);
}

static void test_errors(void) {
    const char *drops[] = {"cases[].timeline"};
    json_error_t je;
    size_t nd;
    /* Line numbers of the file survive a dropped multi-line value. */
    const char *bad = "{\"cases\": [{\"timeline\": [\n1,\n2,\n3]}, {\"x\": }]}";
    CHECK(load(bad, drops, 1, &nd, &je) == NULL);
    CHECK_EQ_INT(je.line, 4);
    /* Truncated inside a dropped value: an error, not a document. */
    CHECK(load("{\"cases\": [{\"timeline\": [1, 2", drops, 1, &nd, &je) == NULL);
    /* Bad patterns. */
    const char *badp[] = {"cases[x"};
    CHECK(load("{}", badp, 1, &nd, &je) == NULL);
    CHECK(strstr(je.text, "bad drop pattern") != NULL);
    const char *empty[] = {""};
    CHECK(load("{}", empty, 1, &nd, &je) == NULL);
}

static void test_big_and_results_loader(void) {
    /* A case whose timeline spans many 64 KiB chunks, then the loader. */
    char path[] = "/tmp/cfb_filter_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "{\"schema\": \"cfbench-results\", \"schema_version\": 1, \"complete\": true, "
               "\"cases\": [{\"id\": \"w/seq/w1\", \"workload\": \"w\", \"mode\": \"seq\", "
               "\"workers\": 1, \"tasks\": 200000, \"summary\": {}, \"timeline\": {\"tasks\": [");
    for (int t = 0; t < 200000; t++)
        fprintf(f, "%s{\"task\": %d, \"label\": \"n=%d\", \"start_s\": 0.5, \"ok\": true}",
                t ? ",\n" : "", t, t);
    fprintf(f,
            "]}, \"repetitions\": [{\"index\": 0, \"wall_s\": 0.25, \"counts\": {\"a\": 1}}]}]}");
    fclose(f);
    size_t n;
    const char *const *drops = cfb_results_lean_drops(&n);
    CHECK_EQ_INT(n, 3);
    cfb_results *doc = NULL;
    char err[512], err2[512];
    CHECK(cfb_results_read_filtered(path, drops, n, &doc, err, sizeof err) == 0);
    const cfb_rcase *c = doc ? cfb_results_case(doc, 0) : NULL;
    CHECK(c != NULL);
    if (c) {
        CHECK(cfb_rcase_timeline(c) == NULL);
        CHECK_EQ_INT(cfb_rcase_nreps(c), 1);
        const cfb_repetition *r = cfb_rcase_rep(c, 0);
        CHECK(cfb_repetition_wall_s(r) == 0.25);
        CHECK_EQ_INT(cfb_repetition_ncounts(r), 0);
        /* the dropped values are nulls in the document, not absent */
        json_t *enc = cfb_results_encode(doc);
        json_t *jc = json_array_get(json_object_get(enc, "cases"), 0);
        CHECK(json_is_null(json_object_get(jc, "timeline")));
        json_t *jr = json_array_get(json_object_get(jc, "repetitions"), 0);
        CHECK(json_is_null(json_object_get(jr, "counts")));
        json_decref(enc);
    }
    cfb_results_free(doc);
    /* Validation still applies, with cfb_results_read's messages; a
     * missing file is one clear reason. */
    f = fopen(path, "w");
    fprintf(f, "{\"schema\": \"other\", \"cases\": []}");
    fclose(f);
    CHECK(cfb_results_read_filtered(path, drops, n, &doc, err, sizeof err) == -1);
    CHECK(doc == NULL);
    CHECK(strstr(err, "not a cfbench results document") != NULL);
    CHECK(cfb_results_read(path, &doc, err2, sizeof err2) == -1);
    CHECK_EQ_STR(err, err2);
    f = fopen(path, "w");
    fprintf(f, "{\"schema\": \"cfbench-results\",\n \"cases\": [}");
    fclose(f);
    CHECK(cfb_results_read_filtered(path, drops, n, &doc, err, sizeof err) == -1);
    CHECK(strstr(err, ": not valid JSON (line 2, column") != NULL);
    CHECK(cfb_results_read(path, &doc, err2, sizeof err2) == -1);
    CHECK_EQ_STR(err, err2);
    unlink(path);
    CHECK(cfb_results_read_filtered(path, drops, n, &doc, err, sizeof err) == -1);
    CHECK(strstr(err, "cannot read") != NULL);
    CHECK(cfb_results_read_filtered(NULL, drops, n, &doc, err, sizeof err) == -1);
    CHECK_EQ_STR(err, "no results file given");
    CHECK(cfb_results_read_filtered(path, drops, n, NULL, err, sizeof err) == -1);
    CHECK_EQ_STR(err, "internal error: NULL out");
}

int main(void) {
    RUN(test_drops_and_keeps);
    RUN(test_errors);
    RUN(test_big_and_results_loader);
    return check_summary();
}
