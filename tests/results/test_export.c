/* test_export.c — the export API on the results model (results/export.h):
 * each format of tests/results/export/fixture.json into memory equals its
 * golden file, byte for byte (as test_export_golden.sh checks the CLI), the
 * options (NULL = defaults, *skipped), the format names, and the failure
 * path: a stream that cannot be written gives -1 in every format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfbench_results.h"
#include "check.h"
#include "export.h"

#define GOLDEN CFB_TESTS_DIR "/results/export/"

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&buf, &n);
    int ch;
    while (m && (ch = fgetc(f)) != EOF)
        fputc(ch, m);
    if (m) fclose(m);
    fclose(f);
    *len = n;
    return buf;
}

/* Export doc in f (rows for gbench) and compare with the golden file. */
static void golden(const cfb_results *doc, cfb_export_format f, cfb_gbench_rows rows,
                   const char *name, size_t want_skipped) {
    char *buf = NULL;
    size_t len = 0, skipped = 99;
    FILE *m = open_memstream(&buf, &len);
    CHECK(m != NULL);
    if (!m) return;
    cfb_export_opts o = {rows, &skipped};
    CHECK_EQ_INT(cfb_export_opt(doc, f, &o, m), 0);
    fclose(m);
    CHECK_EQ_INT(skipped, want_skipped);
    size_t glen = 0;
    char *g = slurp(name, &glen);
    CHECK(g && glen == len && !memcmp(g, buf, len));
    if (g && (glen != len || memcmp(g, buf, len)))
        fprintf(stderr, "%s: %zu bytes, want %zu\n", name, len, glen);
    free(g);
    free(buf);
}

int main(void) {
    cfb_results *doc = NULL;
    char err[512];
    CHECK_EQ_INT(cfb_results_read(GOLDEN "fixture.json", &doc, err, sizeof err), 0);
    if (!doc) return check_summary();

    golden(doc, CFB_EXPORT_CSV, CFB_GBENCH_ALL, GOLDEN "fixture.csv", 0);
    golden(doc, CFB_EXPORT_MARKDOWN, CFB_GBENCH_ALL, GOLDEN "fixture.md", 0);
    golden(doc, CFB_EXPORT_GBENCH, CFB_GBENCH_ALL, GOLDEN "fixture.gbench.json", 0);
    golden(doc, CFB_EXPORT_GBENCH, CFB_GBENCH_MEDIAN, GOLDEN "fixture.gbench-median.json", 1);
    golden(doc, CFB_EXPORT_GBENCH, CFB_GBENCH_AGGREGATES, GOLDEN "fixture.gbench-aggregates.json",
           0);

    /* cfb_export = cfb_export_opt with defaults; cfb_export_gbench = all rows */
    char *a = NULL, *b = NULL;
    size_t al = 0, bl = 0;
    FILE *ma = open_memstream(&a, &al), *mb = open_memstream(&b, &bl);
    CHECK(ma && mb);
    if (ma && mb) {
        CHECK_EQ_INT(cfb_export(doc, CFB_EXPORT_GBENCH, ma), 0);
        CHECK_EQ_INT(cfb_export_opt(doc, CFB_EXPORT_GBENCH, NULL, mb), 0);
        fclose(ma);
        fclose(mb);
        CHECK(al == bl && al > 0 && !memcmp(a, b, al));
    }
    free(a);
    free(b);
    json_t *g = cfb_export_gbench(doc);
    CHECK(g && json_array_size(json_object_get(g, "benchmarks")) == 3 + 4 + 1 + 2 + 4 + 1);
    json_decref(g);
    size_t skipped = 99;
    g = cfb_export_gbench_rows(doc, CFB_GBENCH_MEDIAN, &skipped);
    CHECK(g && json_array_size(json_object_get(g, "benchmarks")) == 3 && skipped == 1);
    json_decref(g);

    /* format names */
    cfb_export_format f = CFB_EXPORT_CSV;
    CHECK(cfb_export_format_parse("md", &f) == 0 && f == CFB_EXPORT_MARKDOWN);
    CHECK(cfb_export_format_parse("gbench", &f) == 0 && f == CFB_EXPORT_GBENCH);
    CHECK(cfb_export_format_parse("xml", &f) == -1);
    CHECK(cfb_export_format_parse(NULL, &f) == -1);
    CHECK_EQ_INT(cfb_export(doc, (cfb_export_format)42, stdout), -1);

    /* a stream that cannot be written: -1 in every format */
    FILE *ro = fopen("/dev/null", "r");
    CHECK(ro != NULL);
    for (int k = CFB_EXPORT_CSV; ro && k <= CFB_EXPORT_GBENCH; k++) {
        clearerr(ro);
        CHECK_EQ_INT(cfb_export(doc, (cfb_export_format)k, ro), -1);
    }
    if (ro) fclose(ro);

    /* an empty document: header rows only */
    cfb_results *e = cfb_results_new();
    char *buf = NULL;
    size_t len = 0;
    FILE *m = e ? open_memstream(&buf, &len) : NULL;
    CHECK(m != NULL);
    if (m) {
        CHECK_EQ_INT(cfb_export(e, CFB_EXPORT_CSV, m), 0);
        fclose(m);
        CHECK(buf && !strchr(strchr(buf, '\n') + 1, '\n')); /* one line */
        CHECK(buf && !strstr(buf, "metric"));               /* no metric column */
    }
    free(buf);
    cfb_results_free(e);
    cfb_results_free(doc);
    return check_summary();
}
