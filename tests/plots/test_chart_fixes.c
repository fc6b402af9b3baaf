/*
 * test_chart_fixes.c — the chart defects of issue 16, each checked from what
 * `cfbench plot` wrote (the data files under data/, the gnuplot variables in
 * data/replot.sh, the SVG text positions), not by eye:
 *   best-of-mode  every bar has a visible height (seq's speedup of 1 too) and
 *                 the key covers no bar label;
 *   latency       the curves are not squashed against x = 0, and every mode
 *                 is shown at the same worker count;
 *   timeline      the bar texts are of one kind (labels, or task numbers);
 *   wall/speedup  one workload's charts share their y range across series;
 *   compare       every series label names its file; a '*' marks exactly the
 *                 ratios cfbench compare finds significant;
 *   crossover     the chart exists, with an I/O-bound and a CPU-bound
 *                 workload, from the case's bound field or — files without
 *                 it — from the seq cases' CPU time over their wall time
 *                 (no workload is named in plots/).
 * Inputs: the committed fixtures (tests/plots/fixture-*.json) and variants
 * of them written to a temp directory.
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
#define FIXTURE_PY CFB_TESTS_DIR "/plots/fixture-python.json"

static char tmp_root[64];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st, (void)flag, (void)ftw;
    return remove(p);
}

/* Write the data files and replot.sh only: gnuplot "missing" (the charts'
 * numbers and gnuplot variables are all written before gnuplot runs), which
 * keeps this test fast. draw() then runs gnuplot for the charts a check
 * needs the image of. */
static int plot(const char *const *files, size_t n, const char *out, unsigned fmt) {
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.formats = fmt;
    o.scripts_dir = CFB_PLOTS_DIR;
    o.gnuplot = "/nonexistent/gnuplot";
    o.timelines = CFB_PLOT_TIMELINES_NONE;
    char err[1024] = "";
    int rc = cfb_plot_files(files, n, &o, NULL, err, sizeof err);
    if (rc != CFB_PLOT_ENOGNUPLOT) fprintf(stderr, "  plot %s: %s\n", out, err);
    return rc == CFB_PLOT_ENOGNUPLOT ? 0 : rc;
}

/* Draw OUT/<chart>.<ext> with the command replot.sh has for it. 0 or -1. */
static int draw(const char *out, const char *chart, const char *ext) {
    char gp[4096], p[1024], at[300];
    if (cfb_plot_find_gnuplot(NULL, gp, sizeof gp)) return -1;
    snprintf(p, sizeof p, "%s/data/replot.sh", out);
    size_t len;
    char *t = ic_read(p, &len);
    if (!t) return -1;
    snprintf(at, sizeof at, "/%s.%s'", chart, ext);
    int rc = -1;
    for (char *l = t; *l;) {
        char *e = strchr(l, '\n');
        if (!e) e = l + strlen(l);
        char *hit = strstr(l, at);
        if (hit && hit < e && !strncmp(l, "\"$GNUPLOT\"", 10)) {
            *e = '\0';
            snprintf(p, sizeof p, "%s/draw.sh", out);
            FILE *f = fopen(p, "w");
            if (f) {
                fprintf(f, "GNUPLOT='%s'\n%s\n", gp, l);
                fclose(f);
                char cmd[1200];
                snprintf(cmd, sizeof cmd, "sh '%s' </dev/null", p);
                rc = system(cmd) == 0 ? 0 : -1;
            }
            break;
        }
        l = *e ? e + 1 : e;
    }
    free(t);
    if (rc) fprintf(stderr, "  cannot draw %s/%s.%s\n", out, chart, ext);
    return rc;
}

/* Write a copy of src after `edit` changed it. */
static void variant(const char *src, const char *dst, void (*edit)(json_t *doc)) {
    json_error_t je;
    json_t *doc = json_load_file(src, 0, &je);
    CHECK(doc != NULL);
    if (!doc) return;
    if (edit) edit(doc);
    CHECK(json_dump_file(doc, dst, JSON_INDENT(1)) == 0);
    json_decref(doc);
}

static int load_dat(const char *out, const char *chart, cd_file *f) {
    char p[1024];
    snprintf(p, sizeof p, "%s/data/%s.dat", out, chart);
    int rc = cd_load(p, f);
    if (rc) fprintf(stderr, "  cannot read %s\n", p);
    CHECK(rc == 0);
    return rc;
}

/* Position of v on an axis [lo, hi], 0..1, log or linear. */
static double axis_pos(double v, double lo, double hi, int logscale) {
    if (logscale) return log(v / lo) / log(hi / lo);
    return (v - lo) / (hi - lo);
}

/* ---- best-of-mode ---------------------------------------------------------- */

static void check_best_bars(const char *out, const char *chart) {
    cd_file f;
    if (load_dat(out, chart, &f)) return;
    double ymin = cd_varnum(out, chart, "ymin"), ymax = cd_varnum(out, chart, "ymax");
    int logy = (int)cd_varnum(out, chart, "logy");
    char *metric = cd_var(out, chart, "metric");
    /* where a bar starts: barbase; without it, best.gp's old rule (1 for
     * speedups, the axis bottom for wall times) */
    double base = cd_varnum(out, chart, "barbase");
    if (isnan(base)) base = metric && !strcmp(metric, "speedup") ? 1 : (logy ? ymin : 0);
    CHECK(isfinite(ymin) && isfinite(ymax) && ymax > ymin);
    int bars = 0, low = 0;
    for (int b = 1; b < f.nb; b++)
        for (int r = 0; r < f.b[b].nrows; r++) {
            double v = cd_num(&f.b[b].rows[r], 1);
            double h = fabs(axis_pos(v, ymin, ymax, logy) - axis_pos(base, ymin, ymax, logy));
            bars++;
            if (h < 0.04) {
                low++;
                fprintf(stderr, "  %s: %s bar %d (value %g) is %.1f%% of the axis high\n", chart,
                        f.b[b].header ? f.b[b].header : "?", r, v, 100 * h);
            }
            /* the bar is inside the axis */
            CHECK(v > ymin && v < ymax);
        }
    CHECK(bars > 0);
    CHECK_EQ_INT(low, 0);
    free(metric);
    cd_free(&f);
}

static const char *keep_a, *keep_b;
static void edit_keep_workloads(json_t *d) {
    json_t *cases = json_object_get(d, "cases");
    for (size_t i = json_array_size(cases); i-- > 0;) {
        const char *wl = json_string_value(json_object_get(json_array_get(cases, i), "workload"));
        if (strcmp(wl, keep_a) && strcmp(wl, keep_b)) json_array_remove(cases, i);
    }
}

static int is_mode(const char *s) {
    return !strcmp(s, "seq") || !strcmp(s, "thread") || !strcmp(s, "process") ||
           !strcmp(s, "async");
}

/* A bar label: "w8" or a duration "164ms", "2.84s", "15.5µs". */
static int is_bar_label(const char *s) {
    if (s[0] == 'w' && s[1] >= '0' && s[1] <= '9') return 1;
    return s[0] >= '0' && s[0] <= '9' && strchr(s, 's') != NULL;
}

/* No bar label of the SVG chart lies under the key (the mode names). */
static void check_key_clear(const char *svg) {
    char why[1200];
    CHECK(xml_check(svg, why, sizeof why) == 0);
    cd_text *t;
    int n = cd_svg_texts(svg, &t);
    CHECK(n > 0);
    double kx0 = 1e9, kx1 = -1e9, ky0 = 1e9, ky1 = -1e9;
    int keys = 0, labels = 0, covered = 0;
    for (int i = 0; i < n; i++)
        if (is_mode(t[i].s)) {
            /* right-aligned text, the sample to its right */
            double w = 7.0 * (double)strlen(t[i].s);
            if (t[i].x - w < kx0) kx0 = t[i].x - w;
            if (t[i].x + 55 > kx1) kx1 = t[i].x + 55;
            if (t[i].y - 14 < ky0) ky0 = t[i].y - 14;
            if (t[i].y + 6 > ky1) ky1 = t[i].y + 6;
            keys++;
        }
    for (int i = 0; i < n; i++) {
        if (!is_bar_label(t[i].s)) continue;
        labels++;
        double w = 4.5 * (double)strlen(t[i].s);
        if (t[i].x + w > kx0 && t[i].x - w < kx1 && t[i].y > ky0 && t[i].y - 9 < ky1) {
            covered++;
            fprintf(stderr,
                    "  %s: label '%s' at (%.0f, %.0f) under the key [%.0f..%.0f]x"
                    "[%.0f..%.0f]\n",
                    svg, t[i].s, t[i].x, t[i].y, kx0, kx1, ky0, ky1);
        }
    }
    CHECK(keys >= 2);
    CHECK(labels >= 4);
    CHECK_EQ_INT(covered, 0);
    free(t);
}

static void test_best_of_mode(void) {
    char out[128], in[128], svg[256];
    snprintf(out, sizeof out, "%s/best", tmp_root);
    const char *files[] = {FIXTURE};
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_SVG), 0);
    check_best_bars(out, "best-of-mode");
    CHECK_EQ_INT(draw(out, "best-of-mode", "svg"), 0);
    snprintf(svg, sizeof svg, "%s/best-of-mode.svg", out);
    check_key_clear(svg);

    /* flags last, as in `make run`: its tall bars reach the key's corner
     * (that key covered "w8 211ms"); flags alone: its bars span the width */
    static const char *const pairs[][2] = {{"primes", "flags"}, {"flags", "flags"}};
    for (int k = 0; k < 2; k++) {
        keep_a = pairs[k][0], keep_b = pairs[k][1];
        snprintf(in, sizeof in, "%s/best-%d.json", tmp_root, k);
        variant(FIXTURE, in, edit_keep_workloads);
        snprintf(out, sizeof out, "%s/best-%d", tmp_root, k);
        const char *f1[] = {in};
        CHECK_EQ_INT(plot(f1, 1, out, CFB_PLOT_SVG), 0);
        check_best_bars(out, "best-of-mode");
        CHECK_EQ_INT(draw(out, "best-of-mode", "svg"), 0);
        snprintf(svg, sizeof svg, "%s/best-of-mode.svg", out);
        check_key_clear(svg);
    }
}

/* ---- latency ----------------------------------------------------------------- */

/* A quantile of a curve: the first x whose fraction reaches q. */
static double curve_at(const cd_block *b, double q) {
    for (int r = 0; r < b->nrows; r++)
        if (cd_num(&b->rows[r], 1) >= q) return cd_num(&b->rows[r], 0);
    return NAN;
}

static void check_latency(const char *out, const char *chart) {
    cd_file f;
    if (load_dat(out, chart, &f)) return;
    double xmin = cd_varnum(out, chart, "xmin"), xmax = cd_varnum(out, chart, "xmax");
    int logx = (int)cd_varnum(out, chart, "logx");
    CHECK(isfinite(xmin) && xmax > xmin && (!logx || xmin > 0));
    double top = 0;
    int workers = 0, same = 1;
    for (int b = 0; b < f.nb; b++) {
        double med = curve_at(&f.b[b], 0.5);
        double pos = axis_pos(med, xmin, xmax, logx);
        double p90 = axis_pos(curve_at(&f.b[b], 0.9), xmin, xmax, logx);
        if (p90 > top) top = p90;
        if (pos < 0.02)
            fprintf(stderr, "  %s: curve %s: median %g at %.1f%% of the x axis\n", chart,
                    f.b[b].header, med, 100 * pos);
        CHECK(pos >= 0.02);
        /* "thread w8 (20 tasks)": every mode but seq at one worker count */
        char mode[32];
        int w = 0;
        CHECK(f.b[b].header && sscanf(f.b[b].header, "%31s w%d", mode, &w) == 2);
        if (!strcmp(mode, "seq")) continue;
        if (!workers) workers = w;
        if (w != workers) {
            same = 0;
            fprintf(stderr, "  %s: '%s' not at w%d like the other modes\n", chart, f.b[b].header,
                    workers);
        }
    }
    CHECK(f.nb >= 2);
    CHECK(same);
    /* not every curve squashed against the left edge: the 90th percentile
     * of one at least is a quarter of the way in */
    if (top < 0.25)
        fprintf(stderr, "  %s: every curve's p90 within %.1f%% of x\n", chart, 100 * top);
    CHECK(top >= 0.25);
    cd_free(&f);
}

/* A noop timeline of many instant tasks and one straggler: on a linear axis
 * stretched by the straggler, every curve sits at x = 0. */
static void edit_noop_timeline(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        if (strcmp(json_string_value(json_object_get(c, "workload")), "noop")) continue;
        int w = (int)json_integer_value(json_object_get(c, "workers"));
        const char *mode = json_string_value(json_object_get(c, "mode"));
        json_t *tasks = json_array();
        double t = 0;
        for (int k = 0; k < 400; k++) {
            double dur = !strcmp(mode, "process") ? 3e-6 : 2e-7;
            if (k == 399 && !strcmp(mode, "process")) dur = 2e-3 * w;
            json_array_append_new(tasks, json_pack("{s:i, s:s, s:i, s:f, s:f, s:b}", "task", k,
                                                   "label", "", "worker", k % w, "start_s", t,
                                                   "end_s", t + dur, "ok", 1));
            t += dur + 1e-7;
        }
        json_object_set_new(
            c, "timeline",
            json_pack("{s:i, s:i, s:o}", "repetition", 0, "workers", w, "tasks", tasks));
    }
}

static void test_latency(void) {
    char out[128], in[128];
    snprintf(out, sizeof out, "%s/latency", tmp_root);
    const char *files[] = {FIXTURE};
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG), 0);
    static const char *const wl[] = {"primes", "loiter", "flags", "noop"};
    char chart[64];
    for (int w = 0; w < 4; w++) {
        snprintf(chart, sizeof chart, "latency-%s", wl[w]);
        check_latency(out, chart);
    }
    snprintf(in, sizeof in, "%s/noop-timelines.json", tmp_root);
    variant(FIXTURE, in, edit_noop_timeline);
    snprintf(out, sizeof out, "%s/latency-noop", tmp_root);
    const char *f1[] = {in};
    CHECK_EQ_INT(plot(f1, 1, out, CFB_PLOT_PNG), 0);
    check_latency(out, "latency-noop");
}

/* ---- timeline ------------------------------------------------------------------ */

static void test_timeline_one_kind(void) {
    char out[128];
    snprintf(out, sizeof out, "%s/timeline", tmp_root);
    const char *files[] = {FIXTURE};
    cfb_plot_options o = {0};
    o.out_dir = out;
    o.formats = CFB_PLOT_PNG;
    o.scripts_dir = CFB_PLOTS_DIR;
    o.gnuplot = "/nonexistent/gnuplot"; /* the data files are enough */
    o.timelines = CFB_PLOT_TIMELINES_ALL;
    char err[512];
    CHECK_EQ_INT(cfb_plot_files(files, 1, &o, NULL, err, sizeof err), CFB_PLOT_ENOGNUPLOT);
    int all_texts = 0;
    static const char *const names[] = {"timeline-loiter-seq-w1", "timeline-primes-thread-w4",
                                        "timeline-primes-process-w4", "timeline-loiter-async-w4",
                                        "timeline-primes-seq-w1"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        cd_file f;
        if (load_dat(out, names[k], &f)) continue;
        /* columns: task "label" row start end rgb "bar text" */
        int labelled = 0, as_label = 0, as_number = 0, texts = 0;
        for (int r = 0; r < f.b[0].nrows; r++)
            labelled |= f.b[0].rows[r].f[1][0] != '\0';
        for (int r = 0; r < f.b[0].nrows; r++) {
            const cd_row *row = &f.b[0].rows[r];
            CHECK_EQ_INT(row->nf, 7);
            if (row->nf < 7 || !row->f[6][0]) continue;
            texts++;
            if (!strcmp(row->f[6], row->f[1]))
                as_label++;
            else if (!strcmp(row->f[6], row->f[0]))
                as_number++;
        }
        if (as_label && as_number)
            fprintf(stderr, "  %s: %d bars show their label, %d their number\n", names[k], as_label,
                    as_number);
        all_texts += texts;
        CHECK(!(as_label && as_number));
        CHECK_EQ_INT(as_label + as_number, texts);
        if (labelled) CHECK_EQ_INT(as_number, 0);
        cd_free(&f);
    }
    CHECK(all_texts > 0);
}

/* ---- shared y ranges ---------------------------------------------------------- */

static void check_same_var(const char *out, const char *a, const char *b, const char *var) {
    char *va = cd_var(out, a, var), *vb = cd_var(out, b, var);
    if (!va || !vb || strcmp(va, vb))
        fprintf(stderr, "  %s: %s=%s, %s: %s=%s\n", a, var, va ? va : "(none)", b, var,
                vb ? vb : "(none)");
    CHECK(va && vb && !strcmp(va, vb));
    free(va);
    free(vb);
}

/* Every value of a chart's data (columns lo..hi) lies inside its y range. */
static void check_inside(const char *out, const char *chart, int col_lo, int col_hi) {
    cd_file f;
    if (load_dat(out, chart, &f)) return;
    double ymin = cd_varnum(out, chart, "ymin"), ymax = cd_varnum(out, chart, "ymax");
    for (int b = 0; b < f.nb; b++)
        for (int r = 0; r < f.b[b].nrows; r++) {
            CHECK(cd_num(&f.b[b].rows[r], col_lo) >= ymin);
            CHECK(cd_num(&f.b[b].rows[r], col_hi) <= ymax);
        }
    cd_free(&f);
}

static void test_shared_ranges(void) {
    char out[128];
    snprintf(out, sizeof out, "%s/shared", tmp_root);
    const char *files[] = {FIXTURE, FIXTURE_PY};
    CHECK_EQ_INT(plot(files, 2, out, CFB_PLOT_PNG), 0);
    static const char *const wl[] = {"primes", "loiter"};
    char a[64], b[64];
    for (int w = 0; w < 2; w++) {
        snprintf(a, sizeof a, "wall-%s-c", wl[w]);
        snprintf(b, sizeof b, "wall-%s-python", wl[w]);
        check_same_var(out, a, b, "ymin");
        check_same_var(out, a, b, "ymax");
        check_same_var(out, a, b, "logy");
        check_same_var(out, a, b, "xmin");
        check_same_var(out, a, b, "xmax");
        check_inside(out, a, 2, 3);
        check_inside(out, b, 2, 3);
        snprintf(a, sizeof a, "speedup-%s-c", wl[w]);
        snprintf(b, sizeof b, "speedup-%s-python", wl[w]);
        check_same_var(out, a, b, "ymin");
        check_same_var(out, a, b, "ymax");
        check_same_var(out, a, b, "ybase");
        check_inside(out, a, 2, 3);
        check_inside(out, b, 2, 3);
    }
}

/* ---- compare ----------------------------------------------------------------------- */

/* Every block header (series label) of a compare chart names its file. */
static void check_compare_labels(const char *out, const char *chart, const char *const *names,
                                 int n) {
    cd_file f;
    if (load_dat(out, chart, &f)) return;
    CHECK_EQ_INT(f.nb, n + 1);
    for (int b = 1; b < f.nb; b++) {
        const char *h = f.b[b].header ? f.b[b].header : "";
        int named = 0;
        for (int k = 0; k < n; k++)
            named |= strstr(h, names[k]) != NULL;
        if (!named) fprintf(stderr, "  %s: series '%s' does not say which file it is\n", chart, h);
        CHECK(named);
        for (int k = 1; k < b; k++) /* and the labels differ */
            CHECK(f.b[k].header && strcmp(f.b[k].header, h));
    }
    cd_free(&f);
}

/* 10 repetitions per case: the first 5 and a copy of them 0.1% slower, so
 * that the U test can reach significance under the Holm correction. */
static void edit_ten_reps(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        json_t *reps = json_object_get(c, "repetitions");
        size_t n = json_array_size(reps);
        for (size_t k = 0; k < n; k++) {
            json_t *r = json_deep_copy(json_array_get(reps, k));
            double w = json_number_value(json_object_get(r, "wall_s"));
            json_object_set_new(r, "wall_s", json_real(w * 1.001));
            json_object_set_new(r, "index", json_integer((json_int_t)(n + k)));
            json_array_append_new(reps, r);
        }
    }
}

/* '*' on a ratio exactly when the verdict column is significant; returns
 * the number of marks. */
static int check_marks(const char *out, const char *chart) {
    cd_file f;
    if (load_dat(out, chart, &f)) return 0;
    int marks = 0;
    for (int b = 2; b < f.nb; b++)
        for (int r = 0; r < f.b[b].nrows; r++) {
            const cd_row *row = &f.b[b].rows[r];
            CHECK_EQ_INT(row->nf, 6);
            if (row->nf < 6) continue;
            const char *ratio = row->f[4], *verdict = row->f[5];
            int mark = strchr(ratio, '*') != NULL;
            int sig = !strcmp(verdict, "regression") || !strcmp(verdict, "improvement");
            CHECK_EQ_INT(mark, sig);
            double x = strtod(ratio, NULL);
            /* within cfbench compare's 5% band a difference is never significant */
            if (x > 1 / 1.05 && x < 1.05) CHECK(!mark);
            if (!strcmp(verdict, "regression")) CHECK(x > 1);
            if (!strcmp(verdict, "improvement")) CHECK(x < 1);
            marks += mark;
        }
    for (int r = 0; f.nb > 1 && r < f.b[1].nrows; r++) /* the first source: no ratio */
        CHECK(f.b[1].rows[r].nf >= 5 && f.b[1].rows[r].f[4][0] == '\0');
    cd_free(&f);
    return marks;
}

static void test_compare(void) {
    char out[128], copy[128], a[128], b[128];
    /* the same file twice (same commit, same impl): both must say which */
    snprintf(copy, sizeof copy, "%s/again.json", tmp_root);
    variant(FIXTURE, copy, NULL);
    snprintf(out, sizeof out, "%s/cmp-same", tmp_root);
    const char *same[] = {FIXTURE, copy};
    CHECK_EQ_INT(plot(same, 2, out, CFB_PLOT_PNG), 0);
    const char *same_names[] = {"fixture-results.json", "again.json"};
    check_compare_labels(out, "compare-primes", same_names, 2);

    /* C against the Python reference: 5 repetitions, 9 cases under Holm:
     * compare can't tell, so no mark */
    snprintf(out, sizeof out, "%s/cmp-py", tmp_root);
    const char *two[] = {FIXTURE, FIXTURE_PY};
    CHECK_EQ_INT(plot(two, 2, out, CFB_PLOT_PNG), 0);
    const char *py_names[] = {"fixture-results.json", "fixture-python.json"};
    check_compare_labels(out, "compare-primes", py_names, 2);
    CHECK_EQ_INT(check_marks(out, "compare-primes"), 0);
    CHECK_EQ_INT(check_marks(out, "compare-loiter"), 0);

    /* 10 repetitions each: python's primes (6x and more) is a significant
     * regression, case by case */
    snprintf(a, sizeof a, "%s/c10.json", tmp_root);
    snprintf(b, sizeof b, "%s/py10.json", tmp_root);
    variant(FIXTURE, a, edit_ten_reps);
    variant(FIXTURE_PY, b, edit_ten_reps);
    snprintf(out, sizeof out, "%s/cmp-10", tmp_root);
    const char *ten[] = {a, b};
    CHECK_EQ_INT(plot(ten, 2, out, CFB_PLOT_PNG), 0);
    int marks = check_marks(out, "compare-primes");
    CHECK(marks >= 8); /* every primes case is >= 5x slower in python */
    check_marks(out, "compare-loiter");
}

/* ---- crossover ---------------------------------------------------------------------- */

/* The crossover chart of out: 0 when absent, else the count of blocks; the
 * workloads of its I/O- and CPU-bound blocks go to io/cpu. */
static int crossover(const char *out, const char *chart, char *io, char *cpu, size_t n) {
    char p[1024];
    snprintf(p, sizeof p, "%s/data/%s.dat", out, chart);
    struct stat st;
    if (stat(p, &st)) return 0;
    cd_file f;
    if (load_dat(out, chart, &f)) return 0;
    io[0] = cpu[0] = '\0';
    for (int b = 0; b < f.nb; b++) {
        const char *h = f.b[b].header ? f.b[b].header : "";
        char wl[64] = "";
        sscanf(h, "%63s", wl);
        if (strstr(h, "(I/O-bound)")) snprintf(io, n, "%s", wl);
        if (strstr(h, "(CPU-bound)")) snprintf(cpu, n, "%s", wl);
        CHECK(f.b[b].nrows >= 2);
    }
    int nb = f.nb;
    cd_free(&f);
    char *script = cd_var(out, chart, "datafile");
    CHECK(script != NULL); /* in replot.sh */
    free(script);
    CHECK_EQ_INT(draw(out, chart, "png"), 0);
    snprintf(p, sizeof p, "%s/%s.png", out, chart);
    unsigned long w = 0, h = 0;
    char why[1200];
    CHECK(png_check(p, &w, &h, why, sizeof why) == 0 && w == 900 && h == 540);
    return nb;
}

static const char *rename_from[2], *rename_to[2], *bound_key, *bound_val[2];
static void edit_rename(json_t *d) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(d, "cases"), i, c) {
        const char *wl = json_string_value(json_object_get(c, "workload"));
        for (int k = 0; k < 2; k++)
            if (!strcmp(wl, rename_from[k])) {
                json_object_set_new(c, "workload", json_string(rename_to[k]));
                if (bound_key) json_object_set_new(c, bound_key, json_string(bound_val[k]));
                break;
            }
    }
}

static void test_crossover(void) {
    char out[128], in[128], io[64], cpu[64];
    snprintf(out, sizeof out, "%s/cross", tmp_root);
    const char *files[] = {FIXTURE};
    CHECK_EQ_INT(plot(files, 1, out, CFB_PLOT_PNG), 0);
    /* no bound field in the fixture: settled from its CPU and wall times */
    CHECK(crossover(out, "crossover", io, cpu, sizeof io) >= 2);
    CHECK(!strcmp(io, "loiter") || !strcmp(io, "flags"));
    CHECK_EQ_STR(cpu, "primes");

    /* two series: one chart each, named after the series */
    snprintf(out, sizeof out, "%s/cross-two", tmp_root);
    const char *two[] = {FIXTURE, FIXTURE_PY};
    CHECK_EQ_INT(plot(two, 2, out, CFB_PLOT_PNG), 0);
    CHECK(crossover(out, "crossover-c", io, cpu, sizeof io) >= 2);
    CHECK(crossover(out, "crossover-python", io, cpu, sizeof io) >= 2);
    CHECK_EQ_STR(io, "loiter");
    CHECK_EQ_STR(cpu, "primes");

    /* workloads the table does not know, with the case field ("bound", as
     * cfbench run writes it, or "kind"), read tolerantly */
    static const char *const keys[] = {"bound", "kind"};
    static const char *const vals[2][2] = {{"cpu", "io"}, {"CPU-bound", "I/O-bound"}};
    for (int k = 0; k < 2; k++) {
        rename_from[0] = "primes", rename_to[0] = "crunch";
        rename_from[1] = "loiter", rename_to[1] = "nap";
        bound_key = keys[k];
        bound_val[0] = vals[k][0], bound_val[1] = vals[k][1];
        snprintf(in, sizeof in, "%s/renamed-%d.json", tmp_root, k);
        variant(FIXTURE, in, edit_rename);
        snprintf(out, sizeof out, "%s/cross-field-%d", tmp_root, k);
        const char *f1[] = {in};
        CHECK_EQ_INT(plot(f1, 1, out, CFB_PLOT_PNG), 0);
        CHECK(crossover(out, "crossover", io, cpu, sizeof io) >= 2);
        CHECK(!strcmp(io, "nap") || !strcmp(io, "flags"));
        CHECK_EQ_STR(cpu, "crunch");
    }
    /* the field wins over the times: primes said to be I/O-bound, flags and
     * loiter CPU-bound */
    rename_from[0] = "primes", rename_to[0] = "primes";
    rename_from[1] = "flags", rename_to[1] = "flags";
    bound_key = "bound";
    bound_val[0] = "io", bound_val[1] = "cpu";
    snprintf(in, sizeof in, "%s/swapped.json", tmp_root);
    variant(FIXTURE, in, edit_rename);
    snprintf(out, sizeof out, "%s/cross-swapped", tmp_root);
    const char *fs[] = {in};
    CHECK_EQ_INT(plot(fs, 1, out, CFB_PLOT_PNG), 0);
    CHECK(crossover(out, "crossover", io, cpu, sizeof io) >= 2);
    CHECK_EQ_STR(io, "primes");

    /* workloads plots/ cannot know, no field: their times still tell */
    rename_from[0] = "primes", rename_to[0] = "crunch";
    rename_from[1] = "loiter", rename_to[1] = "nap";
    bound_key = NULL;
    snprintf(in, sizeof in, "%s/unknown.json", tmp_root);
    variant(FIXTURE, in, edit_rename);
    /* keep crunch and nap only */
    json_error_t je;
    json_t *doc = json_load_file(in, 0, &je);
    json_t *cases = json_object_get(doc, "cases");
    for (size_t i = json_array_size(cases); i-- > 0;) {
        const char *wl = json_string_value(json_object_get(json_array_get(cases, i), "workload"));
        if (!strcmp(wl, "flags") || !strcmp(wl, "noop")) json_array_remove(cases, i);
    }
    CHECK(json_dump_file(doc, in, 0) == 0);
    snprintf(out, sizeof out, "%s/cross-unknown", tmp_root);
    const char *fu[] = {in};
    CHECK_EQ_INT(plot(fu, 1, out, CFB_PLOT_PNG), 0);
    CHECK(crossover(out, "crossover", io, cpu, sizeof io) >= 2);
    CHECK_EQ_STR(io, "nap");
    CHECK_EQ_STR(cpu, "crunch");

    /* ... and without CPU times nothing tells: no crossover chart (and no
     * failure) */
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        json_object_del(json_object_get(c, "summary"), "cpu_s");
    }
    snprintf(in, sizeof in, "%s/unknown-nocpu.json", tmp_root);
    CHECK(json_dump_file(doc, in, 0) == 0);
    json_decref(doc);
    snprintf(out, sizeof out, "%s/cross-unknown-nocpu", tmp_root);
    const char *fn[] = {in};
    CHECK_EQ_INT(plot(fn, 1, out, CFB_PLOT_PNG), 0);
    CHECK_EQ_INT(crossover(out, "crossover", io, cpu, sizeof io), 0);
}

/* ---- titles fit the chart ------------------------------------------------------ */

static void edit_long_host(json_t *d) {
    json_t *host = json_object_get(d, "host");
    json_object_set_new(host, "hostname",
                        json_string("ci-runner-debian-bookworm-amd64-0123456789abcdef.internal."
                                    "example.org"));
}

/* A long host name (the report's stress fixture has one) is cut to its
 * first label, at most 20 characters, and the title stays within ~78
 * characters, which a 900 px chart shows whole. */
static void test_title_fits(void) {
    char out[128], in[160];
    snprintf(out, sizeof out, "%s/title", tmp_root);
    snprintf(in, sizeof in, "%s/long-host.json", tmp_root);
    variant(FIXTURE, in, edit_long_host);
    const char *files[] = {in, FIXTURE_PY};
    CHECK_EQ_INT(plot(files, 2, out, CFB_PLOT_PNG), 0);
    static const char *const charts[] = {"wall-primes-c", "speedup-loiter-python", "crossover-c"};
    for (size_t i = 0; i < sizeof charts / sizeof charts[0]; i++) {
        char *t = cd_var(out, charts[i], "charttitle");
        CHECK(t != NULL);
        if (!t) continue;
        if (strlen(t) > 80 || strstr(t, "example.org"))
            fprintf(stderr, "  %s: title '%s' (%zu)\n", charts[i], t, strlen(t));
        CHECK(strlen(t) <= 80); /* the quotes of the gnuplot string included */
        CHECK(strstr(t, "example.org") == NULL);
        free(t);
    }
}

int main(void) {
    snprintf(tmp_root, sizeof tmp_root, "/tmp/cfb-chartfix-XXXXXX");
    if (!mkdtemp(tmp_root)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_best_of_mode);
    RUN(test_latency);
    RUN(test_timeline_one_kind);
    RUN(test_shared_ranges);
    RUN(test_compare);
    RUN(test_crossover);
    RUN(test_title_fits);
    int rc = check_summary();
    if (rc == 0 || !getenv("CFB_KEEP_TMP"))
        nftw(tmp_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    else
        fprintf(stderr, "outputs kept in %s\n", tmp_root);
    return rc;
}
