/*
 * test_scan_charts.c — the charts of parameter scans (issue 12 item 7,
 * docs/scans.md), checked from what `cfbench plot` wrote (data files and
 * the gnuplot variables in data/replot.sh), not by eye:
 *   - scan-<wl>-<key>: one block per mode, one row per value (sorted when
 *     numbers), each the mode's fastest worker count at that value, the
 *     other scanned key held at its first value; log x for a geometric
 *     range only; a BOOL scan is a categorical axis;
 *   - scan-speedup-<wl>-<key>: seq of the same value / that fastest median;
 *   - the other charts show the first value set, named in the title;
 *   - --x workers: charts 1-2 per value set, no scan chart;
 *   - --x KEY / --x wl.KEY: only that key's chart for the workloads scanning
 *     it; an unknown or unscanned key is CFB_PLOT_EINPUT (one line, nothing
 *     written); a file without scans draws the same data with or without
 *     --x workers;
 *   - one scan chart drawn by gnuplot is a 900x540 PNG.
 * The results document is made here (deterministic); its workload names
 * are ones cfbench does not have, since plots/ must not know any.
 */
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart_data.h"
#include "check.h"
#include "plots.h"

#define FIXTURE CFB_TESTS_DIR "/plots/fixture-results.json"

static char tmp_root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

/* ---- the document ---------------------------------------------------------- */

static const int ntasks[] = {16, 4, 8, 32}; /* scan order given unsorted */
static const char *const units[] = {"0.001", "0.002"};
static const int workers[] = {1, 2, 4};

/* Median wall of nap: seq = tasks x unit; thread at w workers = seq / w +
 * a cost of 0.0005 s x w x w / tasks, so that few tasks are fastest at fewer
 * workers (at unit 0.001, tasks 4: w2; 8, 16, 32: w4). */
static double nap_wall(int tasks, double unit, const char *mode, int w) {
    double seq = tasks * unit;
    return !strcmp(mode, "seq") ? seq : seq / w + 0.0005 * w * w / tasks;
}

/* The fastest thread worker count of nap at (tasks, unit). */
static int nap_best(int tasks, double unit) {
    int best = workers[0];
    for (size_t i = 1; i < sizeof workers / sizeof workers[0]; i++)
        if (nap_wall(tasks, unit, "thread", workers[i]) < nap_wall(tasks, unit, "thread", best))
            best = workers[i];
    return best;
}

static json_t *stats(double med) {
    return json_pack("{s:i, s:f, s:f, s:f, s:f, s:[f, f]}", "n", 5, "median", med, "mean", med,
                     "min", med * 0.98, "max", med * 1.02, "ci95", med * 0.99, med * 1.01);
}

static json_t *mkcase(const char *wl, const char *mode, int w, json_t *scan, json_t *params,
                      int tasks, double med, double cpu) {
    char id[256];
    snprintf(id, sizeof id, "%s/%s/w%d", wl, mode, w);
    const char *k;
    json_t *v;
    json_object_foreach(scan, k, v) {
        size_t l = strlen(id);
        snprintf(id + l, sizeof id - l, "/%s=%s", k, json_string_value(v));
    }
    json_t *reps = json_array();
    for (int i = 0; i < 5; i++)
        json_array_append_new(reps, json_pack("{s:i, s:f}", "index", i, "wall_s", med));
    json_t *sum = json_pack("{s:o, s:o}", "wall_s", stats(med), "cpu_s", stats(cpu));
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:o, s:i, s:o, s:o}", "id", id, "workload", wl,
                     "mode", mode, "workers", w, "impl", "c", "params", params, "scan", scan,
                     "tasks", tasks, "repetitions", reps, "summary", sum);
}

static void write_doc(const char *path) {
    json_t *cases = json_array();
    for (size_t t = 0; t < 4; t++)
        for (size_t u = 0; u < 2; u++)
            for (int m = 0; m < 2; m++)
                for (size_t w = 0; w < (m ? 3 : 1); w++) {
                    const char *mode = m ? "thread" : "seq";
                    char tt[16];
                    snprintf(tt, sizeof tt, "%d", ntasks[t]);
                    double med = nap_wall(ntasks[t], atof(units[u]), mode, workers[w]);
                    json_array_append_new(
                        cases, mkcase("nap", mode, workers[w],
                                      json_pack("{s:s, s:s}", "tasks", tt, "unit", units[u]),
                                      json_pack("{s:s, s:s, s:s}", "tasks", tt, "unit", units[u],
                                                "pattern", "fixed"),
                                      ntasks[t], med, med * 0.01));
                }
    /* a BOOL scan: a categorical axis, in scan order */
    static const char *const flag[] = {"true", "false"};
    for (int f = 0; f < 2; f++)
        for (int m = 0; m < 2; m++) {
            double med = (f ? 0.2 : 0.1) / (m ? 2 : 1);
            json_array_append_new(cases, mkcase("blink", m ? "thread" : "seq", m ? 2 : 1,
                                                json_pack("{s:s}", "fast", flag[f]),
                                                json_pack("{s:s}", "fast", flag[f]), 10, med, med));
        }
    json_t *doc = json_pack(
        "{s:s, s:i, s:b, s:b, s:{s:s, s:s}, s:s, s:{s:s, s:i, s:s}, s:{s:{s:[s,s,s,s], "
        "s:[s,s]}}, s:o}",
        "schema", "cfbench-results", "schema_version", 1, "complete", 1, "interrupted", 0, "tool",
        "name", "cfbench", "commit", "fixture", "created", "2026-12-07T12:00:00Z", "host",
        "hostname", "fixture", "cpus", 2, "cpu_model", "test CPU", "config", "scan", "nap.tasks",
        "16", "4", "8", "32", "nap.unit", "0.001", "0.002", "cases", cases);
    CHECK(doc != NULL);
    json_t *sc = json_object_get(json_object_get(doc, "config"), "scan");
    json_object_set_new(sc, "blink.fast", json_pack("[s,s]", "true", "false"));
    CHECK(json_dump_file(doc, path, JSON_INDENT(1)) == 0);
    json_decref(doc);
}

/* ---- helpers --------------------------------------------------------------- */

/* Plot files into out with the data files only (gnuplot "missing"; every
 * number and variable is written before gnuplot would run). The return
 * code, CFB_PLOT_ENOGNUPLOT meaning success here. */
static int plot_x(const char *file, const char *out, const char *x, char *err, size_t errlen) {
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.formats = CFB_PLOT_PNG;
    o.scripts_dir = CFB_PLOTS_DIR;
    o.gnuplot = "/nonexistent/gnuplot";
    o.timelines = CFB_PLOT_TIMELINES_NONE;
    o.x_key = x;
    const char *files[] = {file};
    return cfb_plot_files(files, 1, &o, NULL, err, errlen);
}

static int has(const char *out, const char *name) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", out, name);
    return access(p, F_OK) == 0;
}

static int load(const char *out, const char *chart, cd_file *f) {
    char p[512];
    snprintf(p, sizeof p, "%s/data/%s.dat", out, chart);
    int rc = cd_load(p, f);
    if (rc) fprintf(stderr, "  cannot read %s\n", p);
    return rc;
}

static int near(double a, double b) {
    return fabs(a - b) <= 1e-6 * fabs(b);
}

/* ---- tests ----------------------------------------------------------------- */

static char doc_path[128];

static void test_default(void) {
    char out[160], err[1024] = "";
    snprintf(out, sizeof out, "%s/default", tmp_root);
    CHECK_EQ_INT(plot_x(doc_path, out, NULL, err, sizeof err), CFB_PLOT_ENOGNUPLOT);

    /* wall time against tasks, unit held at its first value */
    cd_file f;
    CHECK(load(out, "scan-nap-tasks", &f) == 0);
    CHECK_EQ_INT(f.nb, 2);
    if (f.nb == 2) {
        CHECK_EQ_STR(f.b[0].header, "seq");
        CHECK_EQ_STR(f.b[1].header, "thread (best of w1..w4)");
        static const int sorted[] = {4, 8, 16, 32};
        for (int b = 0; b < 2; b++) {
            CHECK_EQ_INT(f.b[b].nrows, 4);
            for (int r = 0; r < f.b[b].nrows && r < 4; r++) {
                const cd_row *row = &f.b[b].rows[r];
                CHECK_EQ_INT(row->nf, 6);
                CHECK(near(cd_num(row, 0), sorted[r]));
                CHECK_EQ_INT(atoi(row->f[1]), sorted[r]);
                int w = b ? nap_best(sorted[r], 0.001) : 1;
                CHECK_EQ_INT((int)cd_num(row, 5), w);
                CHECK(near(cd_num(row, 2), nap_wall(sorted[r], 0.001, b ? "thread" : "seq", w)));
            }
        }
    }
    cd_free(&f);
    CHECK(cd_varnum(out, "scan-nap-tasks", "logx") == 1); /* 4..32:x2 */
    CHECK(cd_varnum(out, "scan-nap-tasks", "xmin") < 4 &&
          cd_varnum(out, "scan-nap-tasks", "xmax") > 32);
    char *v = cd_var(out, "scan-nap-tasks", "charttitle");
    CHECK(v && strstr(v, "Wall time vs tasks - nap [unit=0.001]"));
    free(v);
    v = cd_var(out, "scan-nap-tasks", "xlab");
    CHECK(v && !strcmp(v, "nap.tasks (log scale)"));
    free(v);

    /* speedup over the seq case of the same value */
    CHECK(load(out, "scan-speedup-nap-tasks", &f) == 0);
    CHECK_EQ_INT(f.nb, 1);
    if (f.nb == 1) {
        CHECK_EQ_STR(f.b[0].header, "thread (best of w1..w4)");
        CHECK_EQ_INT(f.b[0].nrows, 4);
        const cd_row *row = &f.b[0].rows[0]; /* tasks 4: best at w2 */
        CHECK(f.b[0].nrows > 0 &&
              near(cd_num(row, 2), nap_wall(4, 0.001, "seq", 1) /
                                       nap_wall(4, 0.001, "thread", nap_best(4, 0.001))));
    }
    cd_free(&f);

    /* against unit (two values: linear), tasks held at its first value: 16 */
    CHECK(load(out, "scan-nap-unit", &f) == 0);
    CHECK(f.nb == 2 && f.b[1].nrows == 2);
    if (f.nb == 2 && f.b[1].nrows == 2) {
        int w = nap_best(16, 0.002);
        CHECK(near(cd_num(&f.b[1].rows[1], 2), nap_wall(16, 0.002, "thread", w)));
        CHECK_EQ_INT((int)cd_num(&f.b[1].rows[1], 5), w);
    }
    cd_free(&f);
    v = cd_var(out, "scan-nap-unit", "logx");
    CHECK(v && !strcmp(v, "0"));
    free(v);
    v = cd_var(out, "scan-nap-unit", "charttitle");
    CHECK(v && strstr(v, "nap [tasks=16]"));
    free(v);

    /* BOOL: categorical, in scan order */
    CHECK(load(out, "scan-blink-fast", &f) == 0);
    CHECK(f.nb == 2 && f.b[0].nrows == 2);
    if (f.nb == 2 && f.b[0].nrows == 2) {
        CHECK_EQ_STR(f.b[0].rows[0].f[1], "true");
        CHECK(near(cd_num(&f.b[0].rows[0], 0), 0) && near(cd_num(&f.b[0].rows[1], 0), 1));
        CHECK_EQ_STR(f.b[1].header, "thread (w2)");
    }
    cd_free(&f);
    v = cd_var(out, "scan-blink-fast", "categorical");
    CHECK(v && !strcmp(v, "1"));
    free(v);

    /* the other charts: the first value set, named */
    CHECK(load(out, "wall-nap", &f) == 0);
    CHECK(f.nb == 2 && f.b[1].nrows == 3);
    if (f.nb == 2 && f.b[1].nrows == 3)
        CHECK(near(cd_num(&f.b[1].rows[2], 1), nap_wall(16, 0.001, "thread", 4)));
    cd_free(&f);
    v = cd_var(out, "wall-nap", "charttitle");
    CHECK(v && strstr(v, "nap [tasks=16 unit=0.001]"));
    free(v);
    CHECK(has(out, "data/best-of-mode.dat"));
    CHECK(!has(out, "data/wall-nap-tasks_16_unit_0.001.dat"));

    /* the report lists the scan charts (as chart names, gnuplot missing) */
    char p[512];
    snprintf(p, sizeof p, "%s/report.html", out);
    size_t len;
    char *html = ic_read(p, &len);
    CHECK(html && strstr(html, "nap/thread/w4/tasks=32/unit=0.002"));
    free(html);
}

static void test_x_workers(void) {
    char out[160], err[1024] = "";
    snprintf(out, sizeof out, "%s/xworkers", tmp_root);
    CHECK_EQ_INT(plot_x(doc_path, out, "workers", err, sizeof err), CFB_PLOT_ENOGNUPLOT);
    static const char *const sets[] = {"tasks_16_unit_0.001", "tasks_16_unit_0.002",
                                       "tasks_4_unit_0.001", "tasks_32_unit_0.002"};
    char name[200];
    for (int i = 0; i < 4; i++) {
        snprintf(name, sizeof name, "data/wall-nap-%s.dat", sets[i]);
        CHECK(has(out, name));
        snprintf(name, sizeof name, "data/speedup-nap-%s.dat", sets[i]);
        CHECK(has(out, name));
    }
    CHECK(has(out, "data/wall-blink-fast_false.dat"));
    CHECK(!has(out, "data/wall-nap.dat"));
    CHECK(!has(out, "data/scan-nap-tasks.dat") && !has(out, "data/scan-blink-fast.dat"));
    cd_file f;
    CHECK(load(out, "wall-nap-tasks_4_unit_0.002", &f) == 0);
    CHECK(f.nb == 2 && f.b[1].nrows == 3);
    if (f.nb == 2 && f.b[1].nrows == 3)
        CHECK(near(cd_num(&f.b[1].rows[0], 1), nap_wall(4, 0.002, "thread", 1)));
    cd_free(&f);
}

static void test_x_key(void) {
    static const char *const keys[] = {"nap.tasks", "tasks"};
    for (int k = 0; k < 2; k++) {
        char out[160], err[1024] = "";
        snprintf(out, sizeof out, "%s/xkey-%d", tmp_root, k);
        CHECK_EQ_INT(plot_x(doc_path, out, keys[k], err, sizeof err), CFB_PLOT_ENOGNUPLOT);
        CHECK(has(out, "data/scan-nap-tasks.dat") && has(out, "data/scan-speedup-nap-tasks.dat"));
        CHECK(!has(out, "data/scan-nap-unit.dat"));
        CHECK(!has(out, "data/wall-nap.dat") && !has(out, "data/speedup-nap.dat"));
        /* blink does not scan tasks: its default charts */
        CHECK(has(out, "data/wall-blink.dat") && has(out, "data/scan-blink-fast.dat"));
    }
}

static void test_x_bad(void) {
    static const struct {
        const char *x, *want;
    } bad[] = {
        {"nap.bogus", "--x nap.bogus: no case has a parameter 'nap.bogus'"},
        {"bogus", "no case has a parameter 'bogus' (scanned keys: nap.tasks, nap.unit, "
                  "blink.fast"},
        {"blink.tasks", "no case has a parameter"},
        {"nap.pattern", "--x nap.pattern: not scanned, so it has one value (fixed)"},
        {"pattern", "not scanned"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[160], err[1024] = "";
        snprintf(out, sizeof out, "%s/bad-%zu", tmp_root, i);
        CHECK_EQ_INT(plot_x(doc_path, out, bad[i].x, err, sizeof err), CFB_PLOT_EINPUT);
        if (!strstr(err, bad[i].want)) fprintf(stderr, "  --x %s: %s\n", bad[i].x, err);
        CHECK(strstr(err, bad[i].want) != NULL);
        CHECK(!strchr(err, '\n'));
        CHECK(access(out, F_OK) != 0); /* nothing written */
    }
    /* a file without scans: no key is scanned */
    char out[160], err[1024] = "";
    snprintf(out, sizeof out, "%s/bad-noscan", tmp_root);
    CHECK_EQ_INT(plot_x(FIXTURE, out, "loiter.bogus", err, sizeof err), CFB_PLOT_EINPUT);
    CHECK(strstr(err, "no case has a parameter 'loiter.bogus' (scanned keys: none"));
}

/* Without a scan, --x workers is the default: the same data files. */
static void test_noscan_same(void) {
    char a[160], b[160], err[1024] = "";
    snprintf(a, sizeof a, "%s/same-a", tmp_root);
    snprintf(b, sizeof b, "%s/same-b", tmp_root);
    CHECK_EQ_INT(plot_x(FIXTURE, a, NULL, err, sizeof err), CFB_PLOT_ENOGNUPLOT);
    CHECK_EQ_INT(plot_x(FIXTURE, b, "workers", err, sizeof err), CFB_PLOT_ENOGNUPLOT);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "diff -r -x replot.sh -x manifest.txt %s/data %s/data >/dev/null", a,
             b);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK(!has(a, "data/scan-loiter-tasks.dat"));
}

/* Two series (c and c+gil, 3x slower): their scan charts share the y range. */
static void test_shared_range(void) {
    json_error_t je;
    json_t *doc = json_load_file(doc_path, 0, &je);
    CHECK(doc != NULL);
    if (!doc) return;
    json_t *cases = json_object_get(doc, "cases");
    size_t n = json_array_size(cases);
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_deep_copy(json_array_get(cases, i));
        char id[300];
        snprintf(id, sizeof id, "%s/c+gil", json_string_value(json_object_get(c, "id")));
        json_object_set_new(c, "id", json_string(id));
        json_object_set_new(c, "impl", json_string("c+gil"));
        json_t *sum = json_object_get(c, "summary");
        double med = json_number_value(json_object_get(json_object_get(sum, "wall_s"), "median"));
        json_object_set_new(sum, "wall_s", stats(med * 3));
        json_array_append_new(cases, c);
    }
    char path[160], out[160], err[1024] = "";
    snprintf(path, sizeof path, "%s/two.json", tmp_root);
    CHECK(json_dump_file(doc, path, 0) == 0);
    json_decref(doc);
    snprintf(out, sizeof out, "%s/two", tmp_root);
    CHECK_EQ_INT(plot_x(path, out, NULL, err, sizeof err), CFB_PLOT_ENOGNUPLOT);
    static const char *const vars[] = {"ymin", "ymax", "logy"};
    for (int k = 0; k < 3; k++) {
        double a = cd_varnum(out, "scan-nap-tasks-c", vars[k]);
        double b = cd_varnum(out, "scan-nap-tasks-c+gil", vars[k]);
        CHECK(isfinite(a) && a == b);
    }
    CHECK(cd_varnum(out, "scan-nap-tasks-c", "ymax") >= 3 * nap_wall(32, 0.001, "seq", 1));
}

/* One scan chart drawn for real. */
static void test_drawn(void) {
    char out[160], err[1024] = "";
    snprintf(out, sizeof out, "%s/drawn", tmp_root);
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.formats = CFB_PLOT_PNG | CFB_PLOT_SVG;
    o.scripts_dir = CFB_PLOTS_DIR;
    o.timelines = CFB_PLOT_TIMELINES_NONE;
    o.x_key = "nap.tasks";
    const char *files[] = {doc_path};
    int rc = cfb_plot_files(files, 1, &o, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "  %s\n", err);
    CHECK_EQ_INT(rc, 0);
    static const char *const charts[] = {"scan-nap-tasks", "scan-speedup-nap-tasks",
                                         "scan-blink-fast"};
    for (int i = 0; i < 3; i++) {
        char p[512], why[1200] = "";
        unsigned long w = 0, h = 0;
        snprintf(p, sizeof p, "%s/%s.png", out, charts[i]);
        int prc = png_check(p, &w, &h, why, sizeof why);
        if (prc) fprintf(stderr, "  %s\n", why);
        CHECK(prc == 0 && w == 900 && h == 540);
        snprintf(p, sizeof p, "%s/%s.svg", out, charts[i]);
        CHECK(xml_check(p, why, sizeof why) == 0);
    }
    /* the worker count of each point is drawn (wN labels) */
    char p[512];
    snprintf(p, sizeof p, "%s/scan-nap-tasks.svg", out);
    cd_text *t;
    int n = cd_svg_texts(p, &t);
    int got[5] = {0}, want[5] = {0};
    for (int i = 0; i < n; i++)
        for (int w = 1; w <= 4; w++) {
            char l[8];
            snprintf(l, sizeof l, "w%d", w);
            got[w] += !strcmp(t[i].s, l);
        }
    free(t);
    for (int k = 0; k < 4; k++)
        want[nap_best(4 << k, 0.001)]++;
    for (int w = 1; w <= 4; w++)
        CHECK_EQ_INT(got[w], want[w]);
    snprintf(p, sizeof p, "%s/report.html", out);
    size_t len;
    char *html = ic_read(p, &len);
    CHECK(html && strstr(html, "scan-nap-tasks.svg") && strstr(html, "scan-blink-fast.svg"));
    free(html);
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/cfb-scan-charts-XXXXXX");
    if (!mkdtemp(tmp_root)) return 1;
    snprintf(doc_path, sizeof doc_path, "%s/scan.json", tmp_root);
    write_doc(doc_path);
    RUN(test_default);
    RUN(test_x_workers);
    RUN(test_x_key);
    RUN(test_x_bad);
    RUN(test_noscan_same);
    RUN(test_shared_range);
    RUN(test_drawn);
    int rc = check_summary();
    if (rc == 0 || !getenv("CFB_KEEP_TMP"))
        nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "outputs kept in %s\n", tmp_root);
    return rc;
}
