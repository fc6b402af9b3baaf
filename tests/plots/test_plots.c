/*
 * test_plots.c — libcfb_plots from the committed fixtures
 * (tests/plots/fixture-results.json, fixture-python.json):
 * every chart is drawn, each PNG is a valid 900x540 PNG, each SVG is
 * well-formed XML, the report inlines every chart; bad input is a clear
 * error; one mode / one worker count still plots; a missing or failing
 * gnuplot is reported (data files still written).
 */
#include <ftw.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image_check.h"
#include "cfbench_results.h"
#include "plots.h"

#define FIXTURE CFB_TESTS_DIR "/plots/fixture-results.json"
#define FIXTURE_PY CFB_TESTS_DIR "/plots/fixture-python.json"

static char tmp_root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

static void path_in(char *out, size_t n, const char *dir, const char *name) {
    snprintf(out, n, "%s/%s", dir, name);
}

static int exists(const char *dir, const char *name) {
    char p[1024];
    path_in(p, sizeof p, dir, name);
    struct stat st;
    return !stat(p, &st) && st.st_size > 0;
}

static int count_ext(const char *dir, const char *ext) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls %s/*.%s 2>/dev/null | wc -l", dir, ext);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1) n = -1;
        pclose(f);
    }
    return n;
}

static int count_tmp(const char *dir) {
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "ls -A %s | grep -c tmp", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1) n = -1;
        pclose(f);
    }
    return n;
}

static void check_png(const char *dir, const char *name) {
    char p[1024], why[512] = "";
    snprintf(p, sizeof p, "%s/%s.png", dir, name);
    unsigned long w = 0, h = 0;
    int rc = png_check(p, &w, &h, why, sizeof why);
    if (rc) fprintf(stderr, "  %s\n", why);
    CHECK(rc == 0);
    CHECK_EQ_INT(w, 900);
    CHECK_EQ_INT(h, 540);
}

static void check_svg(const char *dir, const char *name) {
    char p[1024], why[512] = "";
    snprintf(p, sizeof p, "%s/%s.svg", dir, name);
    int rc = xml_check(p, why, sizeof why);
    if (rc) fprintf(stderr, "  %s: %s\n", p, why);
    CHECK(rc == 0);
}

static char *slurp(const char *dir, const char *name) {
    char p[1024];
    size_t len;
    path_in(p, sizeof p, dir, name);
    return ic_read(p, &len);
}

static int occurrences(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static int plot(const char *const *files, size_t n, const char *out, unsigned fmt,
                const char *gnuplot, cfb_plot_summary *sum, char *err, size_t errlen) {
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.formats = fmt;
    o.gnuplot = gnuplot;
    o.scripts_dir = CFB_PLOTS_DIR;
    return cfb_plot_files(files, n, &o, sum, err, errlen);
}

/* Write a copy of the fixture after `edit` changed it. */
static void variant(const char *dst, void (*edit)(json_t *doc)) {
    json_error_t je;
    json_t *doc = json_load_file(FIXTURE, 0, &je);
    CHECK(doc != NULL);
    if (!doc) return;
    edit(doc);
    CHECK(json_dump_file(doc, dst, JSON_INDENT(1)) == 0);
    json_decref(doc);
}

static const char *const wl4[] = {"primes", "loiter", "flags", "noop"};

static void test_every_chart(void) {
    char out[128], err[1024] = "";
    snprintf(out, sizeof out, "%s/one", tmp_root);
    const char *files[] = {FIXTURE};
    cfb_plot_summary sum;
    int rc = plot(files, 1, out, CFB_PLOT_PNG | CFB_PLOT_SVG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    /* 4 workloads x (wall, speedup, latency) + best + crossover + 8 timelines */
    CHECK_EQ_INT(sum.charts, 22);
    CHECK_EQ_INT(sum.images, 44);
    CHECK_EQ_INT(count_ext(out, "png"), 22);
    CHECK_EQ_INT(count_ext(out, "svg"), 22);
    char name[128];
    for (int w = 0; w < 4; w++) {
        static const char *const kinds[] = {"wall", "speedup", "latency"};
        for (int k = 0; k < 3; k++) {
            snprintf(name, sizeof name, "%s-%s", kinds[k], wl4[w]);
            check_png(out, name);
            check_svg(out, name);
            snprintf(name, sizeof name, "data/%s-%s.dat", kinds[k], wl4[w]);
            CHECK(exists(out, name));
        }
    }
    check_png(out, "best-of-mode");
    check_svg(out, "best-of-mode");
    check_png(out, "crossover");
    check_svg(out, "crossover");
    static const char *const modes[] = {"seq-w1", "thread-w4", "process-w4", "async-w4"};
    for (int w = 0; w < 2; w++)
        for (int k = 0; k < 4; k++) {
            snprintf(name, sizeof name, "timeline-%s-%s", wl4[w], modes[k]);
            check_png(out, name);
            check_svg(out, name);
        }
    CHECK(!exists(out, "timeline-flags-thread-w4.png")); /* flags has no timeline */
    CHECK(exists(out, "data/replot.sh"));
    CHECK(!exists(out, "compare-primes.png")); /* one source: nothing to compare */

    /* the data behind chart 1: thread at 4 workers = the fixture's median */
    char *dat = slurp(out, "data/wall-primes.dat");
    CHECK(dat && strstr(dat, "\"thread\"\n1 "));
    CHECK(dat && strstr(dat, "\n4 0.163726 "));
    free(dat);
    /* the async timeline gives each in-flight task its own row */
    dat = slurp(out, "data/timeline-loiter-async-w4.dat");
    CHECK(dat && strstr(dat, "\n4 \"loiter(4)\" 3 "));
    free(dat);

    char *html = slurp(out, "report.html");
    CHECK(html != NULL);
    if (html) {
        /* every chart; the crossover chart once the report places it
         * (plot_report.c's key charts) */
        int inl = occurrences(html, "src=\"data:image/svg+xml;base64,");
        CHECK(inl == 21 || inl == 22);
        CHECK(strstr(html, "primes/thread/w4") != NULL);
        CHECK(strstr(html, "95% CI") != NULL);
        CHECK(strstr(html, "<script") == NULL);
        CHECK(strstr(html, "http://") == NULL && strstr(html, "https://") == NULL);
        CHECK(strstr(html, "</html>") != NULL);
    }
    free(html);
    CHECK(strstr(sum.report, "/one/report.html") != NULL);
}

static void test_two_sources(void) {
    char out[128], err[1024] = "";
    snprintf(out, sizeof out, "%s/two", tmp_root);
    const char *files[] = {FIXTURE, FIXTURE_PY};
    cfb_plot_summary sum;
    int rc = plot(files, 2, out, CFB_PLOT_PNG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "compare-primes");
    check_png(out, "compare-loiter");
    CHECK(!exists(out, "compare-noop.png")); /* only in one source */
    check_png(out, "wall-primes-c");
    check_png(out, "wall-primes-python");
    check_png(out, "best-of-mode-python");
    check_png(out, "timeline-primes-thread-w4-python");
    char *dat = slurp(out, "data/compare-primes.dat");
    CHECK(dat && strstr(dat, "\"python @1a2b3c4d5e6f (fixture-python.json)\""));
    CHECK(dat && strstr(dat, "\"c @1a2b3c4d5e6f (fixture-results.json)\""));
    CHECK(dat && strstr(dat, "\"thread w8\""));
    free(dat);
    char *html = slurp(out, "report.html");
    int inl = html ? occurrences(html, "src=\"data:image/png;base64,") : -1;
    CHECK(inl == sum.charts || inl == sum.charts - 2); /* crossover-c, -python: as above */
    check_png(out, "crossover-c");
    check_png(out, "crossover-python");
    CHECK(html && strstr(html, "id=\"compare\""));
    free(html);
}

static void edit_future(json_t *d) {
    json_object_set_new(d, "schema_version", json_integer(99));
}

static void edit_no_summary(json_t *d) {
    json_object_del(json_array_get(json_object_get(d, "cases"), 3), "summary");
}

static void edit_no_workers(json_t *d) {
    json_object_del(json_array_get(json_object_get(d, "cases"), 0), "workers");
}

static void test_bad_input(void) {
    char in[128], out[128], err[1024];
    snprintf(out, sizeof out, "%s/bad", tmp_root);
    const char *files[] = {in};

    snprintf(in, sizeof in, "%s/future.json", tmp_root);
    variant(in, edit_future);
    err[0] = '\0';
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err), CFB_PLOT_EINPUT);
    fprintf(stderr, "  future schema: %s\n", err);
    CHECK(strstr(err, "future.json") && (strstr(err, "newer") || strstr(err, "schema_version")));
    CHECK(!strchr(err, '\n'));

    snprintf(in, sizeof in, "%s/nosummary.json", tmp_root);
    variant(in, edit_no_summary);
    err[0] = '\0';
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err), CFB_PLOT_EINPUT);
    fprintf(stderr, "  missing summary: %s\n", err);
    CHECK(strstr(err, "summary") && strstr(err, "primes/thread/w4"));

    snprintf(in, sizeof in, "%s/noworkers.json", tmp_root);
    variant(in, edit_no_workers);
    err[0] = '\0';
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err), CFB_PLOT_EINPUT);
    fprintf(stderr, "  missing workers: %s\n", err);
    CHECK(strstr(err, "workers") != NULL);

    snprintf(in, sizeof in, "%s/notjson.json", tmp_root);
    FILE *f = fopen(in, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("{\"schema\": \"cfbench-results\", ", f);
        fclose(f);
    }
    err[0] = '\0';
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err), CFB_PLOT_EINPUT);
    CHECK(err[0] != '\0');

    snprintf(in, sizeof in, "%s/missing.json", tmp_root);
    err[0] = '\0';
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err), CFB_PLOT_EINPUT);
    CHECK(strstr(err, "missing.json") != NULL);
    CHECK(!exists(out, "report.html")); /* nothing written for bad input */
}

/* The failure paths of reading a file through the results model
 * (plot_model.c): a field plots need that the schema does not require, or a
 * value the model keeps verbatim (not of the schema's type), is
 * CFB_PLOT_EINPUT naming the file, the case and the field; what the
 * schema requires fails with cfb_results_read()'s own message. Nothing is
 * written. */
static void edit_workers_zero(json_t *d) {
    json_object_set_new(json_array_get(json_object_get(d, "cases"), 2), "workers", json_integer(0));
}

static void edit_median_string(json_t *d) {
    json_t *wall = json_object_get(
        json_object_get(json_array_get(json_object_get(d, "cases"), 1), "summary"), "wall_s");
    json_object_set_new(wall, "median", json_string("0.5"));
}

static void edit_wall_not_object(json_t *d) {
    json_object_set_new(json_object_get(json_array_get(json_object_get(d, "cases"), 1), "summary"),
                        "wall_s", json_real(0.5));
}

static void edit_timeline_no_tasks(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        json_t *tl = json_object_get(c, "timeline");
        if (json_is_object(tl)) {
            json_object_set_new(tl, "tasks", json_string("none"));
            break;
        }
    }
}

static void edit_case_not_object(json_t *d) {
    json_array_set_new(json_object_get(d, "cases"), 0, json_integer(7));
}

static void test_bad_model_fields(void) {
    static const struct {
        const char *name;
        void (*edit)(json_t *);
        const char *want1, *want2;
    } bad[] = {
        {"workers0.json", edit_workers_zero, "case 2 (", "'workers' (an integer >= 1)"},
        {"medianstr.json", edit_median_string, "case 1 (", "'summary.wall_s.median' (a number)"},
        {"wallnum.json", edit_wall_not_object, "case 1 (", "'summary.wall_s.median' (a number)"},
        {"tlnotasks.json", edit_timeline_no_tasks, "case ", "timeline without a 'tasks' array"},
        {"casenum.json", edit_case_not_object, "cases[0] is not an object", NULL},
    };
    char in[128], out[128], err[1024], want[1024];
    snprintf(out, sizeof out, "%s/badfield", tmp_root);
    const char *files[] = {in};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        snprintf(in, sizeof in, "%s/%s", tmp_root, bad[k].name);
        variant(in, bad[k].edit);
        err[0] = '\0';
        CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err),
                     CFB_PLOT_EINPUT);
        fprintf(stderr, "  %s: %s\n", bad[k].name, err);
        CHECK(strstr(err, in) != NULL);
        CHECK(strstr(err, bad[k].want1) != NULL);
        if (bad[k].want2) CHECK(strstr(err, bad[k].want2) != NULL);
        CHECK(!strchr(err, '\n'));
        CHECK(!exists(out, "report.html"));
    }
    /* what the model's reader refuses fails with its message, unchanged */
    static const char *const refused[] = {"future.json", "notjson.json", "missing.json",
                                          "casenum.json"};
    for (size_t k = 0; k < sizeof refused / sizeof refused[0]; k++) {
        snprintf(in, sizeof in, "%s/%s", tmp_root, refused[k]);
        cfb_results *doc = NULL;
        want[0] = err[0] = '\0';
        CHECK(cfb_results_read(in, &doc, want, sizeof want) != 0);
        CHECK(doc == NULL);
        CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err),
                     CFB_PLOT_EINPUT);
        CHECK_EQ_STR(err, want);
    }
}

/* keep only cases whose mode/workers pass */
static const char *keep_mode, *keep_workload;
static int keep_workers;

static void edit_filter(json_t *d) {
    json_t *cases = json_object_get(d, "cases");
    for (size_t i = json_array_size(cases); i-- > 0;) {
        json_t *c = json_array_get(cases, i);
        const char *m = json_string_value(json_object_get(c, "mode"));
        int w = (int)json_integer_value(json_object_get(c, "workers"));
        const char *wl = json_string_value(json_object_get(c, "workload"));
        if ((keep_mode && strcmp(m, keep_mode)) || (keep_workers && w != keep_workers) ||
            (keep_workload && strcmp(wl, keep_workload)))
            json_array_remove(cases, i);
    }
}

static void test_one_mode_one_worker(void) {
    char in[128], out[128], err[1024] = "";
    const char *files[] = {in};
    cfb_plot_summary sum;

    /* one mode (thread only, no seq: best bars show wall time) */
    keep_mode = "thread";
    keep_workers = 0;
    snprintf(in, sizeof in, "%s/thread-only.json", tmp_root);
    variant(in, edit_filter);
    snprintf(out, sizeof out, "%s/thread-only", tmp_root);
    int rc = plot(files, 1, out, CFB_PLOT_PNG | CFB_PLOT_SVG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "wall-primes");
    check_svg(out, "latency-loiter");
    check_png(out, "best-of-mode");
    check_png(out, "timeline-loiter-thread-w4");
    /* no seq case, but the summaries carry speedups: the chart uses them */
    check_png(out, "speedup-primes");

    /* one worker count (w2: thread, process, async, no seq) */
    keep_mode = NULL;
    keep_workers = 2;
    snprintf(in, sizeof in, "%s/w2-only.json", tmp_root);
    variant(in, edit_filter);
    snprintf(out, sizeof out, "%s/w2-only", tmp_root);
    rc = plot(files, 1, out, CFB_PLOT_PNG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "wall-flags");
    check_png(out, "timeline-primes-process-w2");
    check_png(out, "best-of-mode");

    /* one workload where every mode beats seq (gnuplot 5.4.4 crashed on a
     * `with labels` plot with no defined point: the labels under falling bars) */
    keep_mode = NULL;
    keep_workers = 0;
    keep_workload = "loiter";
    snprintf(in, sizeof in, "%s/loiter-only.json", tmp_root);
    variant(in, edit_filter);
    keep_workload = NULL;
    snprintf(out, sizeof out, "%s/loiter-only", tmp_root);
    rc = plot(files, 1, out, CFB_PLOT_PNG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "best-of-mode");

    /* a single case */
    keep_mode = "seq";
    keep_workers = 0;
    snprintf(in, sizeof in, "%s/seq-only.json", tmp_root);
    variant(in, edit_filter);
    snprintf(out, sizeof out, "%s/seq-only", tmp_root);
    rc = plot(files, 1, out, CFB_PLOT_PNG, NULL, &sum, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "wall-noop");
    check_png(out, "speedup-loiter");
    check_png(out, "latency-noop");
}

static void edit_failed_case(json_t *d) {
    json_t *c = json_array_get(json_object_get(d, "cases"), 2);
    json_object_set_new(c, "error", json_string("worker died: signal 9"));
    json_object_set_new(c, "repetitions", json_array());
    json_object_del(c, "summary");
    json_object_set_new(d, "complete", json_false());
}

static void test_failed_case(void) {
    char in[128], out[128], err[1024] = "";
    const char *files[] = {in};
    snprintf(in, sizeof in, "%s/failed.json", tmp_root);
    variant(in, edit_failed_case);
    snprintf(out, sizeof out, "%s/failed", tmp_root);
    int rc = plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "wall-primes");
    char *html = slurp(out, "report.html");
    CHECK(html && strstr(html, "failed: worker died: signal 9"));
    CHECK(html && strstr(html, "incomplete"));
    free(html);
    char *dat = slurp(out, "data/wall-primes.dat");
    /* thread w2 (the failed case) is left out: thread goes from w1 to w4 */
    const char *th = dat ? strstr(dat, "\"thread\"\n1 ") : NULL;
    const char *nl = th ? strchr(th + 10, '\n') : NULL;
    CHECK(nl && !strncmp(nl, "\n4 ", 3));
    free(dat);
}

/* A one-repetition case has "ci95": null (no interval from one value): the
 * error bar falls back to [min, max], the chart still draws. */
static void edit_null_ci(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        json_t *w = json_object_get(json_object_get(c, "summary"), "wall_s");
        if (w) json_object_set_new(w, "ci95", json_null());
    }
}

static void test_null_ci(void) {
    char in[128], out[128], err[1024] = "";
    const char *files[] = {in};
    snprintf(in, sizeof in, "%s/null-ci.json", tmp_root);
    variant(in, edit_null_ci);
    snprintf(out, sizeof out, "%s/null-ci", tmp_root);
    int rc = plot(files, 1, out, CFB_PLOT_PNG, NULL, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    check_png(out, "wall-primes");
    /* the bars are [min, max]: the seq row reads "1 median min max" */
    json_error_t je;
    json_t *doc = json_load_file(FIXTURE, 0, &je);
    json_t *w = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        if (!strcmp(json_string_value(json_object_get(c, "id")), "primes/seq/w1"))
            w = json_object_get(json_object_get(c, "summary"), "wall_s");
    }
    CHECK(w != NULL);
    char row[256];
    snprintf(
        row, sizeof row, "\n1 %.9g %.9g %.9g\n", json_number_value(json_object_get(w, "median")),
        json_number_value(json_object_get(w, "min")), json_number_value(json_object_get(w, "max")));
    char *dat = slurp(out, "data/wall-primes.dat");
    CHECK(dat && strstr(dat, row));
    free(dat);
    json_decref(doc);
}

/* The speedup chart's seq median is the case's seq reference as the model
 * defines it (cfb_results_seq_of: same workload, impl and value set): with
 * it every row has its bars from the case's CI (lo <= sp <= hi, not all
 * equal), also when each case's params carry a run-time value of its own
 * (flags' embedded server URL in files before 2026-12-07: params are not
 * compared); without one (the seq case failed) the rows are the recorded
 * summary.speedup without bars (lo = hi = sp). */
static int variant_kind; /* 0 one URL, 1 a URL per case, 2 the seq case failed */
static void edit_runtime_param(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "workload")), "primes")) continue;
        json_t *p = json_object_get(c, "params");
        char url[64];
        snprintf(url, sizeof url, "http://127.0.0.1:%zu/x", variant_kind ? 40000 + i : 40000);
        json_object_set_new(p, "base", json_string(url));
        if (variant_kind == 2 && !strcmp(json_string_value(json_object_get(c, "mode")), "seq"))
            json_object_set_new(c, "error", json_string("seq mode failed: boom"));
    }
}

/* The rows of data/speedup-primes.dat but seq's (seq is its own
 * reference): 1 when every one has lo = hi = sp, 0 when some row has bars,
 * -1 when unreadable or without rows; their count to *nrows. */
static int speedup_rows_flat(const char *dir, int *nrows) {
    char *dat = slurp(dir, "data/speedup-primes.dat");
    if (!dat) return -1;
    int flat = 1, in_seq = 0;
    *nrows = 0;
    for (char *l = strtok(dat, "\n"); l; l = strtok(NULL, "\n")) {
        int w;
        double sp, lo, hi;
        if (l[0] == '"') in_seq = !strcmp(l, "\"seq\"");
        if (in_seq || l[0] == '#' || l[0] == '"' ||
            sscanf(l, "%d %lf %lf %lf", &w, &sp, &lo, &hi) != 4)
            continue;
        (*nrows)++;
        CHECK(lo <= sp && sp <= hi);
        if (lo != sp || hi != sp) flat = 0;
    }
    free(dat);
    return *nrows ? flat : -1;
}

static void test_seq_reference(void) {
    char in[128], out[128], err[1024];
    const char *files[] = {in};
    int n[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++) {
        variant_kind = k;
        snprintf(in, sizeof in, "%s/runtime-param-%d.json", tmp_root, k);
        variant(in, edit_runtime_param);
        snprintf(out, sizeof out, "%s/seqref-%d", tmp_root, k);
        CHECK_EQ_INT(
            plot(files, 1, out, CFB_PLOT_PNG, "/nonexistent/gnuplot", NULL, err, sizeof err),
            CFB_PLOT_ENOGNUPLOT);
        CHECK_EQ_INT(speedup_rows_flat(out, &n[k]), k == 2);
    }
    CHECK(n[0] > 2);
    CHECK_EQ_INT(n[0], n[1]); /* the same points, each with its bars */
    CHECK_EQ_INT(n[0], n[2]); /* the same points: the recorded speedups stand in */
    /* those are the recorded values */
    char *dat = slurp(out, "data/speedup-primes.dat");
    CHECK(dat && strstr(dat, "\n2 1.9558 1.9558 1.9558\n"));
    free(dat);
}

static void test_no_gnuplot(void) {
    char out[128], err[1024] = "";
    snprintf(out, sizeof out, "%s/nognuplot", tmp_root);
    const char *files[] = {FIXTURE};
    cfb_plot_summary sum;
    int rc = plot(files, 1, out, CFB_PLOT_PNG, "/nonexistent/gnuplot", &sum, err, sizeof err);
    CHECK_EQ_INT(rc, CFB_PLOT_ENOGNUPLOT);
    fprintf(stderr, "  %s\n", err);
    CHECK(strstr(err, "gnuplot not found") && strstr(err, "apt-get install gnuplot-nox"));
    CHECK(!strchr(err, '\n'));
    CHECK(exists(out, "data/wall-primes.dat"));
    CHECK(exists(out, "data/timeline-loiter-thread-w4.dat"));
    CHECK(exists(out, "data/replot.sh"));
    CHECK_EQ_INT(count_ext(out, "png"), 0);
    CHECK_EQ_INT(sum.images, 0);
    char *html = slurp(out, "report.html"); /* the tables, and why there is no chart */
    CHECK(html && strstr(html, "gnuplot not found") && strstr(html, "primes/seq/w1"));
    free(html);

    /* a name searched in PATH */
    char found[4096];
    CHECK_EQ_INT(cfb_plot_find_gnuplot("no-such-gnuplot-cfb", found, sizeof found),
                 CFB_PLOT_ENOGNUPLOT);
    CHECK_EQ_INT(cfb_plot_find_gnuplot("sh", found, sizeof found), 0);
    CHECK(strstr(found, "/sh") != NULL);
}

static void test_gnuplot_fails(void) {
    /* /bin/false stands for a gnuplot that rejects the script */
    char out[128], err[1024] = "";
    snprintf(out, sizeof out, "%s/gpfail", tmp_root);
    const char *files[] = {FIXTURE};
    int rc = plot(files, 1, out, CFB_PLOT_PNG, "/bin/false", NULL, err, sizeof err);
    CHECK_EQ_INT(rc, CFB_PLOT_EGNUPLOT);
    fprintf(stderr, "  %s\n", err);
    CHECK(strstr(err, "gnuplot failed") && strstr(err, "exit 1"));
    CHECK_EQ_INT(count_ext(out, "png"), 0);
    CHECK_EQ_INT(count_tmp(out), 0); /* no temp file left behind */

    /* scripts not found */
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.scripts_dir = "/nonexistent/plots";
    err[0] = '\0';
    CHECK_EQ_INT(cfb_plot_files(files, 1, &o, NULL, err, sizeof err), CFB_PLOT_ESCRIPTS);
    CHECK(strstr(err, "CFB_PLOTS_DIR") != NULL);
}

static void test_checkers(void) {
    /* the checkers themselves must be able to fail */
    char p[128], why[256];
    snprintf(p, sizeof p, "%s/bad.svg", tmp_root);
    static const char *const bad[] = {
        "<svg><g></svg>",         "<svg a=1></svg>", "<svg>a & b</svg>",
        "<svg></svg><svg></svg>", "<svg><g></g>",    "plain text",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FILE *f = fopen(p, "w");
        CHECK(f != NULL);
        if (!f) return;
        fputs(bad[i], f);
        fclose(f);
        CHECK(xml_check(p, why, sizeof why) == -1);
    }
    FILE *f = fopen(p, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs("<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
          "\"x.dtd\">\n<svg a='1' b=\"&amp;\"><!-- c --><g/><![CDATA[<x>]]>t&#38;</svg>\n",
          f);
    fclose(f);
    CHECK(xml_check(p, why, sizeof why) == 0);
    snprintf(p, sizeof p, "%s/bad.png", tmp_root);
    f = fopen(p, "w");
    if (f) {
        fputs("\x89PNG\r\n\x1a\nnot really", f);
        fclose(f);
    }
    unsigned long w, h;
    CHECK(png_check(p, &w, &h, why, sizeof why) == -1);
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/cfb-plots-XXXXXX");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_checkers);
    RUN(test_every_chart);
    RUN(test_two_sources);
    RUN(test_bad_input);
    RUN(test_bad_model_fields);
    RUN(test_one_mode_one_worker);
    RUN(test_failed_case);
    RUN(test_null_ci);
    RUN(test_no_gnuplot);
    RUN(test_seq_reference);
    RUN(test_gnuplot_fails);
    int rc = check_summary();
    if (rc == 0 || !getenv("CFB_KEEP_TMP"))
        nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "outputs kept in %s\n", tmp_root);
    return rc;
}
