/*
 * plot_charts.c — the charts: write each chart's data file (columns
 * described in its header and in the matching plots/<script>.gp) and plan
 * the gnuplot job that draws it.
 *
 *   1 wall-<wl>        wall time vs workers, one line per mode (log2 x, CI bars)
 *   2 speedup-<wl>     speedup over seq vs workers per mode, ideal line
 *   3 best             best-of-mode bars per workload
 *   4 timeline-<case>  task timeline: one row per worker, one bar per task
 *   5 latency-<wl>     per-task latency CDF per mode
 *   6 compare-<wl>     several sources (files / impls): the same case side by side
 *   7 crossover        speedup vs workers of an I/O-bound and a CPU-bound workload
 *   8 scan-<wl>-<key>  parameter scans: wall time against a scanned key, one line
 *     scan-speedup-…   per mode, each point at that value's fastest worker count
 *                      (and the speedup over seq of the same value set)
 *
 * Scans (case.scan, docs/scans.md): every chart but 8 shows one value set
 * of a scanned workload — its first in document order, named in the titles
 * ("loiter [tasks=4]") — except with --x workers, where charts 1-2 are drawn
 * for each value set (at most PLOT_MAX_SETS, suffix -<set slug>) and chart 8
 * is not. Chart 8 holds the workload's other scanned keys at their first
 * value (named in the title); --x KEY draws only chart 8 against KEY for
 * the workloads that scan KEY, instead of charts 1-2. With no scan in the
 * files every chart and data file is what it was before scans.
 *
 * Charts 1–5 and 7 are drawn per series (a results file × impl); a name gets
 * the series slug as suffix when there is more than one series. Charts of
 * one workload share their axis ranges across the series (wall and speedup),
 * so that c and c+gil, or two files, read side by side.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "plot_internal.h"

/* --x workers: value sets drawn per scanned workload, the first ones. */
#define PLOT_MAX_SETS 12

typedef struct ctx {
    const plot_model *m;
    const char *data_dir;
    const char *x_key; /* NULL: the default; "workers"; or a scanned key */
    FILE *log;
    plot_plan *plan;
    char *err;
    size_t errlen;
} ctx;

/* ---- small helpers ------------------------------------------------------ */

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* "2026-11-22T21:00:00Z" → "2026-11-22 21:00 UTC" */
static void fmt_date(char *out, size_t n, const char *iso) {
    if (strlen(iso) >= 16 && iso[10] == 'T')
        snprintf(out, n, "%.10s %.5s UTC", iso, iso + 11);
    else
        snprintf(out, n, "%s", iso);
}

/* A compact duration for chart text: "166ms", "2.93s", "14.9µs". */
static void fmt_secs(char *out, size_t n, double s) {
    if (!isfinite(s))
        snprintf(out, n, "-");
    else if (s != 0 && fabs(s) < 1e-3)
        snprintf(out, n, "%.3gµs", s * 1e6);
    else if (s != 0 && fabs(s) < 1)
        snprintf(out, n, "%.3gms", s * 1e3);
    else
        snprintf(out, n, "%.3gs", s);
}

/* gnuplot variables xscale/xunit for a time axis whose largest value is max_s. */
static void time_unit(pbuf *vars, double max_s) {
    if (max_s < 1e-3)
        pb_puts(vars, "xscale=1e6; xunit='µs'; ");
    else if (max_s < 1)
        pb_puts(vars, "xscale=1e3; xunit='ms'; ");
    else
        pb_puts(vars, "xscale=1; xunit='s'; ");
}

static plot_job *add_job(ctx *c, const char *script, const char *name, int series,
                         const char *workload) {
    plot_plan *p = c->plan;
    plot_job *nj = realloc(p->jobs, (p->njobs + 1) * sizeof *nj);
    if (!nj) return NULL;
    p->jobs = nj;
    plot_job *j = &p->jobs[p->njobs++];
    memset(j, 0, sizeof *j);
    snprintf(j->script, sizeof j->script, "%s", script);
    plot_slug(j->name, sizeof j->name, name);
    j->series = series;
    snprintf(j->workload, sizeof j->workload, "%s", workload ? workload : "");
    return j;
}

/* Standard variables: datafile, charttitle, footnote. */
static void job_common_vars(ctx *c, plot_job *j, const char *datafile, const char *what,
                            const char *workload, const plot_series *s, int source) {
    const plot_source *src = &c->m->src[source];
    char date[64];
    fmt_date(date, sizeof date, src->created);
    pbuf t = {0};
    pb_puts(&t, what);
    if (workload && *workload) pb_printf(&t, " - %s", workload);
    if (s && c->m->nseries > 1) pb_printf(&t, " (%s)", s->brief);
    /* the host's first name label, at most 20 characters, and none when the
     * title would not fit a 900 px chart (about 78 characters) */
    char host[32];
    size_t hl = strcspn(src->hostname, ".");
    if (hl > 20)
        snprintf(host, sizeof host, "%.17s...", src->hostname);
    else
        snprintf(host, sizeof host, "%.*s", (int)hl, src->hostname);
    if (t.len + strlen(host) + strlen(date) + 5 <= 78)
        pb_printf(&t, " - %s, %s", host, date);
    else if (t.len + strlen(date) + 3 <= 78)
        pb_printf(&t, " - %s", date);
    pbuf f = {0};
    pb_printf(&f, "%s", base_name(src->path));
    if (!src->complete) pb_puts(&f, " (INCOMPLETE run)");
    pb_printf(&f, " | cfbench @%.12s | %d CPUs %s", src->commit, src->cpus, src->cpu_model);
    pb_puts(&j->vars, "datafile=");
    pb_gpstr(&j->vars, datafile);
    pb_puts(&j->vars, "; charttitle=");
    pb_gpstr(&j->vars, t.s ? t.s : "");
    pb_puts(&j->vars, "; footnote=");
    pb_gpstr(&j->vars, f.s ? f.s : "");
    pb_puts(&j->vars, "; ");
    pb_free(&t);
    pb_free(&f);
}

static int write_data(ctx *c, plot_job *j, pbuf *data, char *path, size_t pathlen) {
    snprintf(path, pathlen, "%s/%s.dat", c->data_dir, j->name);
    int rc = plot_write_buf(path, data, c->err, c->errlen);
    if (rc) return rc;
    c->plan->data_files++;
    if (c->log) fprintf(c->log, "wrote %s\n", path);
    return 0;
}

static int nomem(ctx *c) {
    snprintf(c->err, c->errlen, "out of memory");
    return CFB_PLOT_ENOMEM;
}

static int cmp_double_asc(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_case(const void *a, const void *b) {
    const plot_case *x = *(const plot_case *const *)a, *y = *(const plot_case *const *)b;
    int rx = plot_mode_rank(x->mode), ry = plot_mode_rank(y->mode);
    if (rx != ry) return rx - ry;
    int s = strcmp(x->mode, y->mode);
    if (s) return s;
    if (x->workers != y->workers) return x->workers - y->workers;
    return (x > y) - (x < y); /* stable: document order */
}

static int usable(const plot_case *pc) {
    return !pc->error && isfinite(pc->med);
}

/* The value set of the first usable case of workload in s ("" when the
 * workload is not scanned, or has no usable case). Borrowed. */
static const char *first_set(const plot_model *m, const plot_series *s, const char *workload) {
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (usable(pc) && !strcmp(pc->workload, workload)) return pc->scan;
    }
    return "";
}

/* Cases of series s for a workload and value set `scan` ("" when not
 * scanned; NULL: the workload's first), not failed, sorted by mode then
 * workers; a later duplicate (mode, workers) is dropped. *out malloc'd
 * (caller frees), entries borrowed from m. Returns the count or -1 (ENOMEM). */
static int collect_set(const plot_model *m, const plot_series *s, const char *workload,
                       const char *scan, const plot_case ***out) {
    if (!scan) scan = first_set(m, s, workload);
    const plot_case **v = malloc((s->ncases + 1) * sizeof *v);
    if (!v) return -1;
    int n = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (!usable(pc) || strcmp(pc->workload, workload) || strcmp(pc->scan, scan)) continue;
        v[n++] = pc;
    }
    qsort(v, (size_t)n, sizeof *v, cmp_case);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!k || strcmp(v[k - 1]->mode, v[i]->mode) || v[k - 1]->workers != v[i]->workers)
            v[k++] = v[i];
    *out = v;
    return k;
}

/* collect_set() of the workload's first value set (the only one when it is
 * not scanned). */
static int collect(const plot_model *m, const plot_series *s, const char *workload,
                   const plot_case ***out) {
    return collect_set(m, s, workload, NULL, out);
}

/* The median wall time of the seq reference of a group of cases (one
 * workload, series and value set, as collect_set() returns them): the
 * reference of its first case (plot_case.seq_med, cfb_results_seq_of — the
 * same for every case of the group: same workload, impl and params); NAN
 * when there is none. */
static double group_seq_med(const plot_case **v, int n) {
    return n ? v[0]->seq_med : NAN;
}

/* Append "mode" to words when new. */
static void add_mode(char *words, size_t n, const char *mode) {
    char key[80];
    snprintf(key, sizeof key, " %s ", mode);
    char padded[512];
    snprintf(padded, sizeof padded, " %s ", words);
    if (strstr(padded, key)) return;
    size_t l = strlen(words);
    snprintf(words + l, n - l, "%s%s", l ? " " : "", mode);
}

/* The speedup of pc over its seq reference (the model's formula,
 * cfb_derived_compute, on its median; lo, hi on the ends of its CI: NAN
 * where an end is not > 0), else the speedup it recorded (lo = hi = it). */
static double case_speedup(const plot_case *pc, double *lo, double *hi) {
    if (isfinite(pc->seq_med) && pc->med > 0) {
        cfb_derived d;
        (void)cfb_derived_compute(pc->seq_med, pc->hi, pc->workers, pc->tasks, &d);
        *lo = d.speedup;
        (void)cfb_derived_compute(pc->seq_med, pc->lo, pc->workers, pc->tasks, &d);
        *hi = d.speedup;
        (void)cfb_derived_compute(pc->seq_med, pc->med, pc->workers, pc->tasks, &d);
        return d.speedup;
    }
    *lo = *hi = pc->speedup;
    return pc->speedup;
}

static void name_with_slug(char *out, size_t n, const char *base, const plot_series *s) {
    if (s->slug[0])
        snprintf(out, n, "%s-%s", base, s->slug);
    else
        snprintf(out, n, "%s", base);
}

/* The extent of one workload over every series, so that its charts in each
 * series share their axes: workers, wall time (CI bars included, > 0 only)
 * and speedup (CI included). */
typedef struct wl_range {
    double xmin, xmax; /* workers: lowest / 1.3 .. highest x 1.3 (/2, x2 for one count) */
    double wmin, wmax; /* wall time, s: INFINITY / 0 when none */
    double smin, smax; /* speedup: INFINITY / 0 when none */
} wl_range;

/* scan: the value set (NULL: each series' first). */
static int workload_range(const plot_model *m, const char *wl, const char *scan, wl_range *r) {
    r->wmin = r->smin = INFINITY;
    r->wmax = r->smax = 0;
    int lo = 0, hi = 0;
    for (size_t si = 0; si < m->nseries; si++) {
        const plot_case **v;
        int n = collect_set(m, &m->series[si], wl, scan, &v);
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) {
            if (!lo || v[i]->workers < lo) lo = v[i]->workers;
            if (v[i]->workers > hi) hi = v[i]->workers;
            if (v[i]->lo > 0 && v[i]->lo < r->wmin) r->wmin = v[i]->lo;
            if (v[i]->hi > r->wmax) r->wmax = v[i]->hi;
            double slo, shi, sp = case_speedup(v[i], &slo, &shi);
            if (!isfinite(sp)) continue;
            if (!isfinite(slo)) slo = sp;
            if (!isfinite(shi)) shi = sp;
            if (slo > 0 && slo < r->smin) r->smin = slo;
            if (sp > 0 && sp < r->smin) r->smin = sp;
            if (shi > r->smax) r->smax = shi;
            if (sp > r->smax) r->smax = sp;
        }
        free(v);
    }
    if (!lo) lo = hi = 1;
    if (lo == hi) {
        r->xmin = lo / 2.0;
        r->xmax = hi * 2.0;
    } else {
        r->xmin = lo / 1.3;
        r->xmax = hi * 1.3;
    }
    return 0;
}

/* Append one block per mode to d (a header line naming the mode, then
 * "workers median lo hi" rows) and each mode to modes: the wall time of the
 * cases (metric 0), or their own metric (1; cases without one are skipped).
 * v is sorted by mode, as collect() returns it. */
static void mode_blocks(pbuf *d, const plot_case **v, int n, int metric, char *modes, size_t mlen) {
    const char *last = NULL;
    for (int i = 0; i < n; i++) {
        if (metric && !v[i]->metric_name) continue;
        if (!last || strcmp(v[i]->mode, last)) {
            pb_printf(d, "%s", last ? "\n\n" : "");
            pb_datastr(d, v[i]->mode);
            pb_puts(d, "\n");
            add_mode(modes, mlen, v[i]->mode);
            last = v[i]->mode;
        }
        if (metric)
            pb_printf(d, "%d %.9g %.9g %.9g\n", v[i]->workers, v[i]->metric_med, v[i]->metric_lo,
                      v[i]->metric_hi);
        else
            pb_printf(d, "%d %.9g %.9g %.9g\n", v[i]->workers, v[i]->med, v[i]->lo, v[i]->hi);
    }
}

/* ---- 1 + 2: wall time and speedup vs workers ------------------------------ */

/* Charts 1 and 2 of value set `scan` (NULL: the first; "" when not
 * scanned); named: the set's slug ends the chart names (--x workers). */
static int chart_wall_speedup(ctx *c, int si, const char *wl, const char *scan, int named) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect_set(m, s, wl, scan, &v);
    if (n < 0) return nomem(c);
    if (n == 0) {
        free(v);
        return 0;
    }
    const double seqwall = group_seq_med(v, n);
    /* a value set: "loiter [tasks=4]" in titles and data headers */
    const char *set = v[0]->scan;
    char sslug[170] = "", wlt[256];
    if (named && *set) {
        sslug[0] = '-';
        plot_slug(sslug + 1, sizeof sslug - 1, set);
    }
    snprintf(wlt, sizeof wlt, "%s%s%s%s", wl, *set ? " [" : "", set, *set ? "]" : "");
    wl_range r;
    if (workload_range(m, wl, named ? set : NULL, &r)) {
        free(v);
        return nomem(c);
    }
    double xmin = r.xmin, xmax = r.xmax;
    int reps = 0;
    for (int i = 0; i < n; i++)
        if (v[i]->nreps > reps) reps = v[i]->nreps;

    /* chart 1 */
    char name[256], base[160], path[1300], modes[512] = "";
    snprintf(base, sizeof base, "wall-%s%s", wl, sslug);
    name_with_slug(name, sizeof name, base, s);
    plot_job *j = add_job(c, "wall", name, si, wl);
    if (!j) {
        free(v);
        return nomem(c);
    }
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: wall time vs workers, workload %s, %s\n", wlt, s->label);
    pb_puts(&d, "# one block per mode; columns: workers median_wall_s ci95_lo_s ci95_hi_s\n");
    mode_blocks(&d, v, n, 0, modes, sizeof modes);
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) {
        free(v);
        return rc;
    }
    job_common_vars(c, j, path, "Wall time vs workers", wlt, s, s->source);
    pb_printf(&j->vars, "footnote=footnote.' | median of %d repetitions, bars: 95%% CI'; ", reps);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    /* y from every series of this workload (shared axes); log when > 20x */
    int logy = isfinite(r.wmin) && r.wmax / r.wmin > 20;
    double ymin = logy ? r.wmin / 1.5 : 0, ymax = logy ? r.wmax * 1.5 : r.wmax * 1.08;
    if (!(ymax > ymin)) ymax = ymin > 0 ? ymin * 2 : 1;
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; logy=%d; ymin=%.9g; ymax=%.9g; seqwall=%.9g; ",
              xmin, xmax, logy, ymin, ymax, isfinite(seqwall) ? seqwall : 0.0);
    snprintf(j->caption, sizeof j->caption,
             "Median wall time per repetition (%d repetitions) against the worker count, one "
             "line per mode; error bars are the 95%% confidence interval of the median.",
             reps);

    /* chart 2 */
    int have = 0;
    for (int i = 0; i < n; i++) {
        double lo, hi;
        have += isfinite(case_speedup(v[i], &lo, &hi));
    }
    if (!have) {
        free(v);
        return 0;
    }
    snprintf(base, sizeof base, "speedup-%s%s", wl, sslug);
    name_with_slug(name, sizeof name, base, s);
    j = add_job(c, "speedup", name, si, wl);
    if (!j) {
        free(v);
        return nomem(c);
    }
    pb_printf(&d, "# cfbench plot: speedup over seq vs workers, workload %s, %s\n", wlt, s->label);
    pb_puts(&d, "# one block per mode; columns: workers speedup lo hi "
                "(seq median / this median; lo, hi from this case's 95% CI)\n");
    modes[0] = '\0';
    int first = 1;
    for (int i = 0; i < n; i++) {
        double lo, hi, sp = case_speedup(v[i], &lo, &hi);
        if (!isfinite(sp)) continue;
        if (first || strcmp(v[i]->mode, v[i - 1]->mode)) {
            pb_printf(&d, "%s", first ? "" : "\n\n");
            pb_datastr(&d, v[i]->mode);
            pb_puts(&d, "\n");
            add_mode(modes, sizeof modes, v[i]->mode);
            first = 0;
        }
        pb_printf(&d, "%d %.9g %.9g %.9g\n", v[i]->workers, sp, isfinite(lo) ? lo : sp,
                  isfinite(hi) ? hi : sp);
    }
    rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    free(v);
    if (rc) return rc;
    job_common_vars(c, j, path, "Speedup vs workers", wlt, s, s->source);
    pb_puts(&j->vars, "footnote=footnote.' | bars from the 95% CI of each wall time'; ");
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    /* y from every series of this workload: from below the lowest speedup
     * (and 1) to above the highest (and the ideal line at the right edge) */
    double smin = isfinite(r.smin) && r.smin < 1 ? r.smin : 1;
    double smax = r.smax * 1.3 > xmax ? r.smax * 1.3 : xmax;
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; cpus=%d; ybase=%d; ymin=%.6g; ymax=%.6g; ", xmin,
              xmax, m->src[s->source].cpus, smin < 0.1 ? 10 : 2, smin / 1.3, smax);
    snprintf(j->caption, sizeof j->caption,
             "Speedup over the sequential run (median seq wall time / median wall time) per "
             "mode; the dashed line is linear scaling, the dotted red line the host's CPUs.");
    return 0;
}

/* ---- 8: a scanned parameter on the x axis --------------------------------- */

#define SCAN_MAX_MODES 16

/* One value of the scanned key: its canonical text, its x (the number, or
 * its index when some value is not a number: a categorical axis), the
 * position of its first case (scan order). */
typedef struct scan_val {
    const char *text; /* borrowed */
    double x;
    int first;
} scan_val;

static int cmp_val_text(const void *a, const void *b) {
    const scan_val *x = a, *y = b;
    int s = strcmp(x->text, y->text);
    return s ? s : x->first - y->first;
}

/* The position of text t in vals[0..n) sorted by text, or -1. */
static int find_text(const scan_val *vals, int n, const char *t) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(vals[mid].text, t);
        if (!c) return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static int cmp_val_x(const void *a, const void *b) {
    const scan_val *x = a, *y = b;
    return (x->x > y->x) - (x->x < y->x);
}

static int cmp_val_first(const void *a, const void *b) {
    return ((const scan_val *)a)->first - ((const scan_val *)b)->first;
}

static int as_number(const char *t, double *out) {
    char *end;
    double v = strtod(t, &end);
    if (end == t || *end || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* A log x axis for sorted numeric values: all above 0, and either a
 * geometric range (3 or more values, one ratio between neighbours, above
 * 1: 1..64:x2) or a span of 100x or more (1,10,100,1000). */
static int scan_logx(const scan_val *v, int n) {
    if (n < 2 || !(v[0].x > 0)) return 0;
    if (v[n - 1].x / v[0].x >= 100) return 1;
    if (n < 3) return 0;
    double r = v[1].x / v[0].x;
    if (!(r > 1)) return 0;
    for (int i = 2; i < n; i++)
        if (fabs(v[i].x / v[i - 1].x - r) > 1e-6 * r) return 0;
    return 1;
}

/* What chart 8 draws of one series: the key's values, the modes, and per
 * mode and value the fastest case. */
typedef struct scan_sel {
    char held[256];  /* "unit=0.001": the other scanned keys at their first value */
    scan_val *vals;  /* owned; in axis order */
    int nv, numeric; /* nv < 2: nothing to draw */
    char modes[SCAN_MAX_MODES][32];
    int nm, wlo[SCAN_MAX_MODES], whi[SCAN_MAX_MODES]; /* worker counts each mode ran */
    const plot_case **best;                           /* owned: [mode * nv + value] or NULL */
    int reps;
} scan_sel;

static void scan_sel_free(scan_sel *z) {
    free(z->vals);
    free(z->best);
    memset(z, 0, sizeof *z);
}

/* Select the cases of chart 8 for scanned key `key` of workload wl in
 * series s: usable, scanning key, the workload's other scanned keys at the
 * values of its first case that scans key. 0 (z->nv < 2 when there is
 * nothing to draw) or -1 (ENOMEM). O(n log n) in the cases. */
static int scan_select(const plot_model *m, const plot_series *s, const char *wl, const char *key,
                       scan_sel *z) {
    memset(z, 0, sizeof *z);
    const char **keys;
    int nk = plot_workload_scan_keys(m, s, wl, &keys);
    if (nk < 0) return -1;
    const plot_case *first = NULL;
    for (size_t i = 0; i < s->ncases && !first; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (usable(pc) && !strcmp(pc->workload, wl) && plot_case_scan(pc, key)) first = pc;
    }
    const plot_case **v = first ? malloc((s->ncases + 1) * sizeof *v) : NULL;
    scan_val *all = first ? malloc((s->ncases + 1) * sizeof *all) : NULL;
    if (!first || !v || !all) {
        free(keys);
        free(v);
        free(all);
        return first ? -1 : 0;
    }
    for (int k = 0; k < nk; k++) {
        const char *hv = plot_case_scan(first, keys[k]);
        if (!strcmp(keys[k], key) || !hv) continue;
        size_t l = strlen(z->held);
        snprintf(z->held + l, sizeof z->held - l, "%s%s=%s", l ? " " : "", keys[k], hv);
    }
    int n = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (!usable(pc) || strcmp(pc->workload, wl) || !plot_case_scan(pc, key)) continue;
        int same = 1;
        for (int k = 0; k < nk && same; k++) {
            if (!strcmp(keys[k], key)) continue;
            const char *a = plot_case_scan(pc, keys[k]), *b = plot_case_scan(first, keys[k]);
            same = (!a && !b) || (a && b && !strcmp(a, b));
        }
        if (!same) continue;
        all[n] = (scan_val){plot_case_scan(pc, key), 0, n};
        v[n++] = pc;
    }
    free(keys);
    /* the distinct values (by text, each at its first case), then in axis
     * order: by number, or — when some value is not one — in scan order */
    qsort(all, (size_t)n, sizeof *all, cmp_val_text);
    int nv = 0;
    z->numeric = 1;
    for (int i = 0; i < n; i++) {
        if (nv && !strcmp(all[nv - 1].text, all[i].text)) continue;
        all[nv] = all[i];
        z->numeric &= as_number(all[nv].text, &all[nv].x);
        nv++;
    }
    z->vals = malloc((size_t)(nv + 1) * sizeof *z->vals);
    if (!z->vals) {
        free(v);
        free(all);
        return -1;
    }
    memcpy(z->vals, all, (size_t)nv * sizeof *all);
    qsort(z->vals, (size_t)nv, sizeof *z->vals, z->numeric ? cmp_val_x : cmp_val_first);
    /* all[0..nv) stays sorted by text: axis[p] is the axis index of all[p] */
    int *axis = malloc((size_t)(nv + 1) * sizeof *axis);
    if (!axis) {
        free(v);
        free(all);
        return -1;
    }
    for (int q = 0; q < nv; q++) {
        if (!z->numeric) z->vals[q].x = q;
        axis[find_text(all, nv, z->vals[q].text)] = q;
    }
    z->nv = nv;
    /* the modes, in canonical order */
    qsort(v, (size_t)n, sizeof *v, cmp_case);
    for (int i = 0; i < n; i++) {
        int mi = z->nm - 1;
        if (mi < 0 || strcmp(z->modes[mi], v[i]->mode)) {
            if (z->nm == SCAN_MAX_MODES) continue;
            mi = z->nm++;
            snprintf(z->modes[mi], sizeof z->modes[mi], "%s", v[i]->mode);
            z->wlo[mi] = z->whi[mi] = v[i]->workers;
        }
        if (v[i]->workers < z->wlo[mi]) z->wlo[mi] = v[i]->workers;
        if (v[i]->workers > z->whi[mi]) z->whi[mi] = v[i]->workers;
    }
    z->best = calloc((size_t)(z->nm * nv + 1), sizeof *z->best);
    if (!z->best) {
        free(v);
        free(all);
        free(axis);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        int mi = 0;
        while (mi < z->nm && strcmp(z->modes[mi], v[i]->mode))
            mi++;
        if (mi == z->nm) continue;
        int p = find_text(all, nv, plot_case_scan(v[i], key));
        if (p < 0) continue;
        const plot_case **slot = &z->best[mi * nv + axis[p]];
        if (!*slot || v[i]->med < (*slot)->med) *slot = v[i];
        if (v[i]->nreps > z->reps) z->reps = v[i]->nreps;
    }
    free(v);
    free(all);
    free(axis);
    return 0;
}

static const plot_case *sel_best(const scan_sel *z, int mi, int q) {
    return mi >= 0 && mi < z->nm ? z->best[mi * z->nv + q] : NULL;
}

/* The speedup of mode mi at value q: its fastest case's over its seq
 * reference (same params, so the seq case of that value; the case's
 * recorded speedup when there is none); NAN if none. */
static double sel_speedup(const scan_sel *z, int mi, int q, double *lo, double *hi) {
    const plot_case *b = sel_best(z, mi, q);
    *lo = *hi = NAN;
    if (!b || !strcmp(z->modes[mi], "seq")) return NAN;
    double sp = case_speedup(b, lo, hi);
    if (!isfinite(*lo)) *lo = sp;
    if (!isfinite(*hi)) *hi = sp;
    return sp;
}

/* Block header of mode mi, for the key: "thread (best of w1..w4)",
 * "thread (w4)" when it ran one count, "seq". */
static void sel_header(pbuf *d, const scan_sel *z, int mi) {
    char h[160];
    if (!strcmp(z->modes[mi], "seq"))
        snprintf(h, sizeof h, "%s", z->modes[mi]);
    else if (z->wlo[mi] == z->whi[mi])
        snprintf(h, sizeof h, "%s (w%d)", z->modes[mi], z->wlo[mi]);
    else
        snprintf(h, sizeof h, "%s (best of w%d..w%d)", z->modes[mi], z->wlo[mi], z->whi[mi]);
    pb_datastr(d, h);
    pb_puts(d, "\n");
}

/* Start mode mi's block of a scan chart's data file: the blank lines that
 * separate it from the one before (*blocks counts them), its header, and
 * the mode in the chart's list of modes (words, n bytes). */
static void sel_block(pbuf *d, const scan_sel *z, int mi, int *blocks, char *words, size_t n) {
    pb_printf(d, "%s", (*blocks)++ ? "\n\n" : "");
    sel_header(d, z, mi);
    add_mode(words, n, z->modes[mi]);
}

/* The y extent of chart 8 of (wl, key) over every series, so that c and
 * c+gil (or two files) read side by side: wall (lo > 0 only) and speedup.
 * 0 or -1 (ENOMEM). */
static int scan_range(const plot_model *m, const char *wl, const char *key, double *wmin,
                      double *wmax, double *smin, double *smax) {
    *wmin = *smin = INFINITY;
    *wmax = *smax = 0;
    for (size_t si = 0; si < m->nseries; si++) {
        scan_sel z;
        if (scan_select(m, &m->series[si], wl, key, &z)) return -1;
        for (int mi = 0; mi < z.nm; mi++)
            for (int q = 0; q < z.nv; q++) {
                const plot_case *b = sel_best(&z, mi, q);
                if (!b) continue;
                if (b->lo > 0 && b->lo < *wmin) *wmin = b->lo;
                if (b->hi > *wmax) *wmax = b->hi;
                double lo, hi, sp = sel_speedup(&z, mi, q, &lo, &hi);
                if (!isfinite(sp)) continue;
                if (lo > 0 && lo < *smin) *smin = lo;
                if (hi > *smax) *smax = hi;
            }
        scan_sel_free(&z);
    }
    return 0;
}

/* Charts 8 of scanned key `key` of workload wl in series si: wall time and
 * speedup against the key's values (scan_select), y ranges shared by the
 * series (scan_range). */
static int chart_scan(ctx *c, int si, const char *wl, const char *key) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    scan_sel z;
    if (scan_select(m, s, wl, key, &z)) return nomem(c);
    if (z.nv < 2) { /* one value: nothing to draw against */
        scan_sel_free(&z);
        return 0;
    }
    double wmin, wmax, smin, smax;
    if (scan_range(m, wl, key, &wmin, &wmax, &smin, &smax)) {
        scan_sel_free(&z);
        return nomem(c);
    }
    const scan_val *vals = z.vals;
    int nv = z.nv, logx = z.numeric && scan_logx(vals, nv);
    double xmin, xmax;
    if (!z.numeric) {
        xmin = -0.5;
        xmax = nv - 0.5;
    } else if (logx) {
        xmin = vals[0].x / 1.3;
        xmax = vals[nv - 1].x * 1.3;
    } else {
        double pad = (vals[nv - 1].x - vals[0].x) * 0.06;
        xmin = vals[0].x - pad;
        xmax = vals[nv - 1].x + pad;
    }
    const char *held = z.held;
    char wlt[300], xlab[200], modes[512] = "";
    snprintf(wlt, sizeof wlt, "%s%s%s%s", wl, *held ? " [" : "", held, *held ? "]" : "");
    snprintf(xlab, sizeof xlab, "%s.%s%s", wl, key, logx ? " (log scale)" : "");
    const char *xcol = z.numeric ? "value" : "index";

    /* wall time */
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: wall time vs %s, workload %s, %s\n", key, wlt, s->label);
    pb_printf(&d,
              "# one block per mode (header: the mode and the worker counts it ran); columns: "
              "%s \"value\" median_wall_s ci95_lo_s ci95_hi_s workers (the mode's fastest worker "
              "count at that value)\n",
              xcol);
    int blocks = 0;
    for (int mi = 0; mi < z.nm; mi++) {
        int rows = 0;
        for (int q = 0; q < nv; q++) {
            const plot_case *b = sel_best(&z, mi, q);
            if (!b) continue;
            if (!rows++) sel_block(&d, &z, mi, &blocks, modes, sizeof modes);
            pb_printf(&d, "%.9g ", vals[q].x);
            pb_datastr(&d, vals[q].text);
            pb_printf(&d, " %.9g %.9g %.9g %d\n", b->med, b->lo, b->hi, b->workers);
        }
    }
    char name[320], base[200], path[1300];
    snprintf(base, sizeof base, "scan-%s-%s", wl, key);
    name_with_slug(name, sizeof name, base, s);
    plot_job *j = add_job(c, "scan", name, si, wl);
    int rc = j ? write_data(c, j, &d, path, sizeof path) : nomem(c);
    pb_free(&d);
    if (rc) {
        scan_sel_free(&z);
        return rc;
    }
    char what[200];
    snprintf(what, sizeof what, "Wall time vs %s", key);
    job_common_vars(c, j, path, what, wlt, s, s->source);
    pb_printf(&j->vars,
              "footnote=footnote.' | median of %d repetitions at the fastest worker count of "
              "each value (wN), bars: 95%% CI'; ",
              z.reps);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    pb_puts(&j->vars, "; xlab=");
    pb_gpstr(&j->vars, xlab);
    int logy = isfinite(wmin) && wmax / wmin > 20;
    double ymin = logy ? wmin / 1.5 : 0, ymax = logy ? wmax * 1.5 : wmax * 1.15;
    if (!(ymax > ymin)) ymax = ymin > 0 ? ymin * 2 : 1;
    pb_printf(&j->vars,
              "; metric='wall'; logx=%d; categorical=%d; valtics=%d; xmin=%.9g; xmax=%.9g; "
              "logy=%d; ymin=%.9g; ymax=%.9g; ",
              logx, !z.numeric, nv <= 16, xmin, xmax, logy, ymin, ymax);
    pbuf cap = {0};
    pb_printf(&cap,
              "Median wall time (%d repetitions) against %s.%s (%d values%s), one line per mode; "
              "each point is the mode's fastest worker count at that value (labelled wN), bars "
              "the 95%% CI of its median%s%s%s.",
              z.reps, wl, key, nv, logx ? ", log scale" : "",
              *held ? "; the other scanned keys are held at their first value (" : "", held,
              *held ? ")" : "");
    snprintf(j->caption, sizeof j->caption, "%s", cap.s ? cap.s : "");
    pb_free(&cap);

    /* speedup over the seq case of the same value set */
    d = (pbuf){0};
    pb_printf(&d, "# cfbench plot: speedup over seq vs %s, workload %s, %s\n", key, wlt, s->label);
    pb_printf(&d,
              "# one block per mode but seq; columns: %s \"value\" speedup lo hi workers "
              "(seq median of that value / the mode's fastest median there; lo, hi from its "
              "95%% CI)\n",
              xcol);
    modes[0] = '\0';
    blocks = 0;
    for (int mi = 0; mi < z.nm; mi++) {
        int rows = 0;
        for (int q = 0; q < nv; q++) {
            double lo, hi, sp = sel_speedup(&z, mi, q, &lo, &hi);
            if (!isfinite(sp)) continue;
            if (!rows++) sel_block(&d, &z, mi, &blocks, modes, sizeof modes);
            pb_printf(&d, "%.9g ", vals[q].x);
            pb_datastr(&d, vals[q].text);
            pb_printf(&d, " %.9g %.9g %.9g %d\n", sp, lo, hi, sel_best(&z, mi, q)->workers);
        }
    }
    if (!blocks) {
        pb_free(&d);
        scan_sel_free(&z);
        return 0;
    }
    snprintf(base, sizeof base, "scan-speedup-%s-%s", wl, key);
    name_with_slug(name, sizeof name, base, s);
    j = add_job(c, "scan", name, si, wl);
    rc = j ? write_data(c, j, &d, path, sizeof path) : nomem(c);
    pb_free(&d);
    if (rc) {
        scan_sel_free(&z);
        return rc;
    }
    snprintf(what, sizeof what, "Speedup vs %s", key);
    job_common_vars(c, j, path, what, wlt, s, s->source);
    pb_puts(&j->vars, "footnote=footnote.' | seq median / the fastest median at each value (wN), "
                      "bars from its 95% CI'; ");
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    pb_puts(&j->vars, "; xlab=");
    pb_gpstr(&j->vars, xlab);
    if (!isfinite(smin) || smin > 1) smin = 1;
    if (smax < 1) smax = 1;
    logy = smax / smin > 20;
    pb_printf(&j->vars,
              "; metric='speedup'; logx=%d; categorical=%d; valtics=%d; xmin=%.9g; xmax=%.9g; "
              "logy=%d; ymin=%.9g; ymax=%.9g; ",
              logx, !z.numeric, nv <= 16, xmin, xmax, logy, logy ? smin / 1.5 : 0,
              logy ? smax * 1.5 : smax * 1.15);
    cap = (pbuf){0};
    pb_printf(&cap,
              "Speedup over seq against %s.%s: the seq median of each value over the mode's "
              "fastest median there (labelled with its worker count), one line per mode; the "
              "dashed line is seq (1x)%s%s%s.",
              wl, key, *held ? "; the other scanned keys are held at their first value (" : "",
              held, *held ? ")" : "");
    snprintf(j->caption, sizeof j->caption, "%s", cap.s ? cap.s : "");
    pb_free(&cap);
    scan_sel_free(&z);
    return 0;
}

/* ---- 3: best-of-mode bars --------------------------------------------------- */

static int chart_best(ctx *c, int si) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const char **wls;
    int nw = plot_series_workloads(m, s, &wls);
    if (nw < 0) return nomem(c);
    char modes[512] = "";
    int all_seq = 1, any = 0;
    for (int w = 0; w < nw; w++) {
        const plot_case **v;
        int n = collect(m, s, wls[w], &v);
        if (n < 0) {
            free(wls);
            return nomem(c);
        }
        for (int i = 0; i < n; i++)
            add_mode(modes, sizeof modes, v[i]->mode);
        if (n && !isfinite(group_seq_med(v, n))) all_seq = 0;
        any += n;
        free(v);
    }
    if (!any) {
        free(wls);
        return 0;
    }
    /* modes in canonical order */
    char sorted[512] = "";
    for (int r = 0; r <= 6; r++) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", modes);
        for (char *tok = strtok(tmp, " "); tok; tok = strtok(NULL, " "))
            if (plot_mode_rank(tok) == r) add_mode(sorted, sizeof sorted, tok);
    }
    int nm = 0;
    char mlist[8][64];
    {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", sorted);
        for (char *tok = strtok(tmp, " "); tok && nm < 8; tok = strtok(NULL, " "))
            snprintf(mlist[nm++], sizeof mlist[0], "%s", tok);
    }
    double bw = 0.88 / nm;
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: best worker count of each mode per workload, %s\n", s->label);
    pb_printf(&d,
              "# block 0: x \"workload\"; then one block per mode: x %s lo hi workers "
              "\"median wall\"\n",
              all_seq ? "speedup_over_seq" : "median_wall_s");
    for (int w = 0; w < nw; w++) {
        pb_printf(&d, "%d ", w);
        pb_datastr(&d, wls[w]);
        pb_puts(&d, "\n");
    }
    double vmin = INFINITY, vmax = 0;
    char used[512] = "";
    for (int k = 0; k < nm; k++) {
        pbuf blk = {0};
        int rows = 0;
        for (int w = 0; w < nw; w++) {
            const plot_case **v;
            int n = collect(m, s, wls[w], &v);
            if (n < 0) {
                pb_free(&blk);
                pb_free(&d);
                free(wls);
                return nomem(c);
            }
            const plot_case *best = NULL;
            for (int i = 0; i < n; i++)
                if (!strcmp(v[i]->mode, mlist[k]) && (!best || v[i]->med < best->med)) best = v[i];
            if (best) {
                double val = best->med, lo = best->lo, hi = best->hi;
                if (all_seq) {
                    val = case_speedup(best, &lo, &hi);
                    if (!isfinite(lo)) lo = val;
                    if (!isfinite(hi)) hi = val;
                }
                char t[32];
                fmt_secs(t, sizeof t, best->med);
                pb_printf(&blk, "%.6g %.9g %.9g %.9g %d ", w + (k - (nm - 1) / 2.0) * bw, val, lo,
                          hi, best->workers);
                pb_datastr(&blk, t);
                pb_puts(&blk, "\n");
                rows++;
                if (val > 0 && val < vmin) vmin = val;
                if (hi > vmax) vmax = hi;
            }
            free(v);
        }
        if (rows) {
            pb_puts(&d, "\n\n");
            pb_datastr(&d, mlist[k]);
            pb_puts(&d, "\n");
            pb_put(&d, blk.s, blk.len);
            add_mode(used, sizeof used, mlist[k]);
        }
        pb_free(&blk);
    }
    free(wls);
    char name[256];
    name_with_slug(name, sizeof name, "best-of-mode", s);
    plot_job *j = add_job(c, "best", name, si, NULL);
    if (!j) {
        pb_free(&d);
        return nomem(c);
    }
    char path[1300];
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) return rc;
    /* Every bar grows from the bottom of the axis (barbase), so each one —
     * seq's speedup of 1 too — has a height that reads against the others;
     * speedups get a line at 1 (= seq). On a log axis the bottom sits a
     * factor below the smallest value, so the smallest bar is still a bar. */
    int logy = isfinite(vmin) && vmax > 0 && (all_seq || vmin / vmax < 0.05);
    if (!isfinite(vmin)) vmin = vmax > 0 ? vmax : 1;
    if (all_seq && vmin > 1) vmin = 1;
    double ymin = logy ? vmin / 2.5 : 0, ymax = logy ? vmax * 2.5 : vmax * 1.3;
    if (!(ymax > ymin)) ymax = ymin > 0 ? ymin * 4 : 1;
    job_common_vars(c, j, path, "Best of each mode", NULL, s, s->source);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, used);
    pb_printf(&j->vars,
              "; nworkloads=%d; barwidth=%.6g; metric='%s'; logy=%d; ymin=%.6g; ymax=%.6g; "
              "barbase=%.6g; ",
              nw, bw, all_seq ? "speedup" : "wall", logy, ymin, ymax, ymin);
    snprintf(j->caption, sizeof j->caption,
             "For each workload, the best worker count of each mode side by side (%s); the "
             "label gives that worker count and its median wall time.",
             all_seq ? "speedup over seq on a log scale, higher is better; the line at 1 is seq"
                     : "median wall time, lower is better");
    return 0;
}

/* ---- 4: task timelines -------------------------------------------------- */

typedef struct tl_task {
    int task, worker, ok, row;
    double start, end;
    const char *label;
} tl_task;

static int cmp_start(const void *a, const void *b) {
    const tl_task *x = a, *y = b;
    if (x->start != y->start) return (x->start > y->start) - (x->start < y->start);
    return x->task - y->task;
}

static int cmp_task(const void *a, const void *b) {
    return ((const tl_task *)a)->task - ((const tl_task *)b)->task;
}

/* The wall time of the repetition pc's timeline records (its "repetition",
 * against the repetitions' index, else their position); 0 when none. */
static double rep_wall(const plot_case *pc) {
    const json_t *ri = json_object_get(pc->timeline, "repetition");
    size_t r = json_is_integer(ri) ? (size_t)json_integer_value(ri) : 0;
    for (size_t k = 0; k < cfb_rcase_nreps(pc->rc); k++) {
        const cfb_repetition *rep = cfb_rcase_rep(pc->rc, k);
        long long idx = cfb_repetition_index(rep);
        if ((idx >= 0 ? (size_t)idx : k) == r) {
            double w = cfb_repetition_wall_s(rep);
            return isfinite(w) ? w : 0;
        }
    }
    return 0;
}

static int chart_timeline(ctx *c, int si, const plot_case *pc) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const json_t *tasks = json_object_get(pc->timeline, "tasks");
    size_t n = json_array_size(tasks);
    if (!n) return 0;
    tl_task *t = calloc(n, sizeof *t);
    if (!t) return nomem(c);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(tasks, i);
        json_t *st = json_object_get(o, "start_s"), *en = json_object_get(o, "end_s");
        if (!json_is_number(st) || !json_is_number(en)) continue;
        json_t *ti = json_object_get(o, "task"), *wi = json_object_get(o, "worker");
        t[k].task = json_is_integer(ti) ? (int)json_integer_value(ti) : (int)i;
        t[k].worker = json_is_integer(wi) ? (int)json_integer_value(wi) : 0;
        if (t[k].worker < 0) t[k].worker = 0;
        t[k].ok = !json_is_false(json_object_get(o, "ok"));
        t[k].start = json_number_value(st);
        t[k].end = json_number_value(en);
        if (t[k].end < t[k].start) t[k].end = t[k].start;
        const char *l = json_string_value(json_object_get(o, "label"));
        t[k].label = l ? l : "";
        k++;
    }
    n = k;
    if (!n) {
        free(t);
        return 0;
    }
    int is_async = !strcmp(pc->mode, "async"), is_hybrid = !strcmp(pc->mode, "hybrid");
    int nrows = 1;
    if (is_async || is_hybrid) {
        /* event loops run them (one thread, or one per hybrid process): give
         * each in-flight task its own lane
         * (interval partitioning, lowest free lane first) */
        qsort(t, n, sizeof *t, cmp_start);
        double *lane_end = calloc(n, sizeof *lane_end);
        if (!lane_end) {
            free(t);
            return nomem(c);
        }
        nrows = 0;
        for (size_t i = 0; i < n; i++) {
            int l = 0;
            while (l < nrows && lane_end[l] > t[i].start)
                l++;
            if (l == nrows) nrows++;
            lane_end[l] = t[i].end;
            t[i].row = l;
        }
        free(lane_end);
        qsort(t, n, sizeof *t, cmp_task);
    } else {
        json_t *tw = json_object_get(pc->timeline, "workers");
        if (json_is_integer(tw) && json_integer_value(tw) > 0 && json_integer_value(tw) < 4096)
            nrows = (int)json_integer_value(tw);
        for (size_t i = 0; i < n; i++) {
            t[i].row = t[i].worker;
            if (t[i].worker + 1 > nrows) nrows = t[i].worker + 1;
        }
    }
    double wall = rep_wall(pc), xmax = wall;
    for (size_t i = 0; i < n; i++)
        if (t[i].end > xmax) xmax = t[i].end;
    if (xmax <= 0) xmax = 1e-6;
    xmax *= 1.04;
    /* pastel colours cycling with the task number; failed tasks red */
    static const unsigned pal[] = {0xaec7e8, 0xffbb78, 0x98df8a, 0xc5b0d5,
                                   0xc49c94, 0xf7b6d2, 0xdbdb8d, 0x9edae5};
    const double plot_px = 900 * 0.84, char_px = 6.3;
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: task timeline of %s (%s), repetition %lld\n", pc->id, s->label,
              (long long)json_integer_value(json_object_get(pc->timeline, "repetition")));
    pb_puts(&d, "# columns: task \"label\" row start_s end_s rgb \"bar text\"\n");
    /* One kind of bar text per chart: the tasks' labels (country codes,
     * "n=…") where they fit, or — when the tasks have no labels — their
     * numbers. Mixing them put task numbers among country codes. */
    int labelled = 0;
    for (size_t i = 0; i < n && !labelled; i++)
        labelled = t[i].label[0] != '\0';
    for (size_t i = 0; i < n; i++) {
        double px = (t[i].end - t[i].start) / xmax * plot_px;
        char num[32];
        snprintf(num, sizeof num, "%d", t[i].task);
        const char *text = "";
        if (labelled) {
            if (n <= 200 && strlen(t[i].label) * char_px + 6 <= px) text = t[i].label;
        } else if (strlen(num) * char_px + 6 <= px) {
            text = num;
        }
        pb_printf(&d, "%d ", t[i].task);
        pb_datastr(&d, t[i].label);
        pb_printf(&d, " %d %.9g %.9g %u ", t[i].row, t[i].start, t[i].end,
                  t[i].ok ? pal[(unsigned)t[i].task % 8] : 0xe45756u);
        pb_datastr(&d, text);
        pb_puts(&d, "\n");
    }
    free(t);
    char name[256], path[1300];
    snprintf(name, sizeof name, "timeline-%s-%s-w%d%s%s", pc->workload, pc->mode, pc->workers,
             s->slug[0] ? "-" : "", s->slug);
    plot_job *j = add_job(c, "timeline", name, si, pc->workload);
    if (!j) {
        pb_free(&d);
        return nomem(c);
    }
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) return rc;
    char what[128];
    snprintf(what, sizeof what, "Task timeline, %s w%d", pc->mode, pc->workers);
    job_common_vars(c, j, path, what, pc->workload, s, s->source);
    const char *rowname = is_async    ? "in-flight slot (one event-loop thread)"
                          : is_hybrid ? "in-flight slot (event loops in processes)"
                          : !strcmp(pc->mode, "thread")  ? "worker thread"
                          : !strcmp(pc->mode, "process") ? "worker process"
                          : !strcmp(pc->mode, "mpi")     ? "worker rank (rank - 1)"
                                                         : "worker";
    pb_printf(&j->vars, "nrows=%d; rowname='%s'; xmax=%.9g; wall=%.9g; minhalf=%.9g; bars=%zu; ",
              nrows, rowname, xmax, wall, xmax * 0.002, n);
    time_unit(&j->vars, xmax);
    snprintf(j->caption, sizeof j->caption,
             "%s with %s, %d workers: one row per %s, one bar per task from start to end (first "
             "measured repetition, %zu tasks; bars carry the task's %s where it fits; the "
             "dashed line is the repetition's wall time).",
             pc->workload, pc->mode, pc->workers,
             is_async || is_hybrid ? "concurrent operation" : "worker", n,
             labelled ? "label" : "number");
    return 0;
}

static int charts_timelines(ctx *c, int si, const char *wl, int which) {
    if (which == CFB_PLOT_TIMELINES_NONE) return 0;
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect(m, s, wl, &v);
    if (n < 0) return nomem(c);
    int target = m->src[s->source].cpus > 0 ? m->src[s->source].cpus : 4;
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        if (!v[i]->timeline) continue;
        if (which == CFB_PLOT_TIMELINES_ONE) {
            /* per mode, the case whose workers is closest to the CPU count */
            int keep = 1;
            for (int k = 0; k < n; k++) {
                if (k == i || !v[k]->timeline || strcmp(v[k]->mode, v[i]->mode)) continue;
                int dk = abs(v[k]->workers - target), di = abs(v[i]->workers - target);
                if (dk < di || (dk == di && v[k]->workers < v[i]->workers)) keep = 0;
            }
            if (!keep) continue;
        }
        rc = chart_timeline(c, si, v[i]);
    }
    free(v);
    return rc;
}

/* ---- 5: latency CDF ----------------------------------------------------- */

static int has_latency(const plot_case *pc) {
    return (pc->timeline && json_array_size(json_object_get(pc->timeline, "tasks"))) ||
           isfinite(pc->lat[0]);
}

/* The worker count the latency chart shows for every mode but seq: the
 * largest count that every such mode ran (with latency data), so that the
 * modes are compared at the same concurrency — picking each mode's fastest
 * count instead showed threads under the GIL at 1 worker, where the GIL
 * costs nothing. 0 when the modes share no count (each then shows its
 * largest). v sorted by mode then workers. */
static int latency_workers(const plot_case **v, int n) {
    int best = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(v[i]->mode, "seq") || !has_latency(v[i]) || v[i]->workers <= best) continue;
        int w = v[i]->workers, everywhere = 1;
        for (int k = 0; k < n && everywhere; k++) {
            if (!strcmp(v[k]->mode, "seq") || (k && !strcmp(v[k]->mode, v[k - 1]->mode)))
                continue; /* once per mode: its first case */
            int found = 0;
            for (int q = k; q < n && !strcmp(v[q]->mode, v[k]->mode) && !found; q++)
                found = v[q]->workers == w && has_latency(v[q]);
            everywhere = found;
        }
        if (everywhere) best = w;
    }
    return best;
}

static int chart_latency(ctx *c, int si, const char *wl) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect(m, s, wl, &v);
    if (n < 0) return nomem(c);
    int common = latency_workers(v, n);
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: per-task latency CDF, workload %s, %s\n", wl, s->label);
    if (common)
        pb_printf(&d,
                  "# one block per mode at %d workers (the largest count every mode ran; "
                  "seq: 1); columns: latency_s fraction\n",
                  common);
    else
        pb_puts(&d, "# one block per mode at its largest worker count (the modes share none); "
                    "columns: latency_s fraction\n");
    char modes[512] = "", kinds[256] = "";
    /* extent of all the points, and of the curves' medians and p90s */
    double lmin = INFINITY, lmax = 0, medmin = INFINITY, medmax = 0, p90max = 0;
    int curves = 0, from_tl = 0;
    for (int i = 0; i < n; i++) {
        if (i && !strcmp(v[i]->mode, v[i - 1]->mode)) continue;
        /* this mode's case at the common count (seq: its only one), else its
         * largest with latency data */
        const plot_case *pick = NULL;
        for (int k = i; k < n && !strcmp(v[k]->mode, v[i]->mode); k++) {
            if (!has_latency(v[k])) continue;
            if (common && strcmp(v[k]->mode, "seq") && v[k]->workers != common) continue;
            if (!pick || v[k]->workers > pick->workers) pick = v[k];
        }
        if (!pick) continue;
        const plot_case *best = pick;
        json_t *tasks = best->timeline ? json_object_get(best->timeline, "tasks") : NULL;
        size_t nt = json_array_size(tasks);
        double *lat = nt ? malloc(nt * sizeof *lat) : NULL;
        size_t nl = 0;
        for (size_t k = 0; lat && k < nt; k++) {
            json_t *o = json_array_get(tasks, k);
            json_t *st = json_object_get(o, "start_s"), *en = json_object_get(o, "end_s");
            if (json_is_number(st) && json_is_number(en)) {
                double x = json_number_value(en) - json_number_value(st);
                lat[nl++] = x > 1e-9 ? x : 1e-9; /* 1 ns: below the clock */
            }
        }
        char title[128];
        if (nl) {
            qsort(lat, nl, sizeof *lat, cmp_double_asc);
            snprintf(title, sizeof title, "%s w%d (%zu tasks)", best->mode, best->workers, nl);
            pb_printf(&d, "%s", curves ? "\n\n" : "");
            pb_datastr(&d, title);
            pb_printf(&d, "\n%.9g 0\n", lat[0]);
            for (size_t k = 0; k < nl; k++)
                pb_printf(&d, "%.9g %.9g\n", lat[k], (double)(k + 1) / (double)nl);
            if (lat[0] < lmin) lmin = lat[0];
            if (lat[nl - 1] > lmax) lmax = lat[nl - 1];
            double med = lat[(nl - 1) / 2], p90 = lat[(nl * 9 - 1) / 10];
            if (med < medmin) medmin = med;
            if (med > medmax) medmax = med;
            if (p90 > p90max) p90max = p90;
            size_t l = strlen(kinds);
            snprintf(kinds + l, sizeof kinds - l, "%ssteps", l ? " " : "");
            from_tl++;
        } else if (isfinite(best->lat[0])) {
            static const double frac[PLOT_LAT_N] = {0.5, 0.9, 0.99, 1.0};
            snprintf(title, sizeof title, "%s w%d (p50/p90/p99/max)", best->mode, best->workers);
            pb_printf(&d, "%s", curves ? "\n\n" : "");
            pb_datastr(&d, title);
            pb_puts(&d, "\n");
            for (int q = 0; q < PLOT_LAT_N; q++) {
                double x = best->lat[q];
                if (!isfinite(x)) continue;
                if (x < 1e-9) x = 1e-9;
                pb_printf(&d, "%.9g %.9g\n", x, frac[q]);
                if (x < lmin) lmin = x;
                if (x > lmax) lmax = x;
                if (q == 0 && x < medmin) medmin = x;
                if (q == 0 && x > medmax) medmax = x;
                if (q == 1 && x > p90max) p90max = x;
            }
            size_t l = strlen(kinds);
            snprintf(kinds + l, sizeof kinds - l, "%spct", l ? " " : "");
        } else {
            free(lat);
            continue;
        }
        free(lat);
        size_t l = strlen(modes);
        snprintf(modes + l, sizeof modes - l, "%s%s", l ? " " : "", best->mode);
        curves++;
    }
    free(v);
    if (!curves) {
        pb_free(&d);
        return 0;
    }
    char name[256], base[160], path[1300];
    snprintf(base, sizeof base, "latency-%s", wl);
    name_with_slug(name, sizeof name, base, s);
    plot_job *j = add_job(c, "latency", name, si, wl);
    if (!j) {
        pb_free(&d);
        return nomem(c);
    }
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) return rc;
    /* Log x when the modes' typical latencies differ by more than 20x, or
     * when on a linear axis the largest latency (a straggler, a slow mode)
     * would squash every curve against x = 0: no curve's 90th percentile
     * reaching a quarter of the way. The log axis starts at most 100x below
     * the smallest median, so that a few near-zero tasks (loiter's task 0
     * sleeps 0 s) do not stretch it over decades of nothing. */
    int logx = medmax / medmin > 20 || p90max < 0.25 * lmax;
    double xmin, xmax;
    if (logx) {
        xmin = (lmin > medmin / 100 ? lmin : medmin / 100) / 1.5;
        xmax = lmax * 1.5;
    } else {
        double pad = (lmax - lmin) * 0.06;
        if (pad < lmax * 0.02) pad = lmax * 0.02;
        xmin = lmin - pad > 0 && lmin / lmax > 0.3 ? lmin - pad : 0;
        xmax = lmax + pad;
    }
    job_common_vars(c, j, path, "Task latency CDF", wl, s, s->source);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    pb_puts(&j->vars, "; kinds=");
    pb_gpstr(&j->vars, kinds);
    pb_printf(&j->vars, "; logx=%d; xmin=%.9g; xmax=%.9g; ", logx, xmin, xmax);
    time_unit(&j->vars, xmax);
    char at[160];
    if (common)
        snprintf(at, sizeof at, "at %d workers, the largest count every mode ran (seq: 1)", common);
    else
        snprintf(at, sizeof at, "at its largest worker count (the modes share none)");
    snprintf(j->caption, sizeof j->caption,
             "Distribution of per-task latency (task start to end) for each mode %s: %s.", at,
             from_tl == curves ? "every task of the timeline"
             : from_tl         ? "steps: every task of the timeline; points: p50/p90/p99/max, "
                                 "medians over the repetitions"
                               : "p50/p90/p99/max, medians over the repetitions");
    return 0;
}

/* ---- 6: several sources side by side ------------------------------------- */

/* A results document (the model) holding the cases v[0..n-1] (copies of
 * their repetitions) under one impl and without params, so that
 * cfb_compare_docs() matches two series by (workload, mode, workers) as the
 * chart does. Owned by the caller, or NULL when out of memory. */
static cfb_results *series_doc(const plot_case **v, int n) {
    cfb_results *doc = cfb_results_new();
    for (int i = 0; doc && i < n; i++) {
        cfb_rcase *c =
            cfb_rcase_new(v[i]->id, v[i]->workload, v[i]->mode, v[i]->workers, v[i]->tasks);
        int rc = !c || cfb_rcase_set_impl(c, "series");
        for (size_t k = 0; !rc && k < cfb_rcase_nreps(v[i]->rc); k++)
            rc = cfb_rcase_add_rep(c, cfb_repetition_copy(cfb_rcase_rep(v[i]->rc, k)));
        if (rc) cfb_rcase_free(c);
        if (rc || cfb_results_add_case(doc, c)) {
            cfb_results_free(doc);
            doc = NULL;
        }
    }
    return doc;
}

/* cfbench compare's verdict (results/compare.c: Mann–Whitney U, Holm over
 * the cases, bootstrap CI of the ratio against a 5% band) on the wall time
 * of series b against series a, case by case: a "cfbench-compare" report (a
 * new reference; its cases[] hold mode, workers, verdict), or NULL when
 * nothing could be compared or out of memory (no mark is drawn then). */
static json_t *series_verdicts(const plot_case **a, int na, const plot_case **b, int nb) {
    cfb_results *da = series_doc(a, na), *db = series_doc(b, nb);
    json_t *rep = NULL;
    if (da && db) {
        cfb_compare_opts o;
        cfb_compare_opts_default(&o);
        char err[256];
        if (cfb_compare_docs(da, db, "a", "b", &o, &rep, err, sizeof err)) rep = NULL;
    }
    cfb_results_free(da);
    cfb_results_free(db);
    return rep;
}

/* The verdict of (mode, workers) in a series_verdicts() report; "" if none. */
static const char *verdict_of(json_t *rep, const char *mode, int workers) {
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "cases"), i, row) {
        if (!strcmp(json_string_value(json_object_get(row, "mode")), mode) &&
            json_integer_value(json_object_get(row, "workers")) == workers) {
            const char *v = json_string_value(json_object_get(row, "verdict"));
            return v ? v : "";
        }
    }
    return "";
}

static int significant(const char *verdict) {
    return !strcmp(verdict, "regression") || !strcmp(verdict, "improvement");
}

static int chart_compare(ctx *c, const char *wl) {
    const plot_model *m = c->m;
    size_t ns = m->nseries;
    const plot_case ***per = calloc(ns, sizeof *per);
    int *cnt = calloc(ns, sizeof *cnt);
    /* keys: (mode, workers) present in >= 2 series, collected from all */
    const plot_case **keys = malloc((m->ncases + 1) * sizeof *keys);
    int rc = 0, nk = 0;
    if (!per || !cnt || !keys) {
        rc = nomem(c);
        goto out;
    }
    for (size_t si = 0; si < ns; si++) {
        cnt[si] = collect(m, &m->series[si], wl, &per[si]);
        if (cnt[si] < 0) {
            cnt[si] = 0;
            rc = nomem(c);
            goto out;
        }
    }
    for (size_t si = 0; si < ns; si++)
        for (int i = 0; i < cnt[si]; i++) {
            const plot_case *pc = per[si][i];
            int in = 0, dup = 0;
            for (size_t sj = 0; sj < ns; sj++)
                for (int k = 0; k < cnt[sj]; k++)
                    if (!strcmp(per[sj][k]->mode, pc->mode) && per[sj][k]->workers == pc->workers) {
                        in++;
                        break;
                    }
            for (int k = 0; k < nk && !dup; k++)
                dup = !strcmp(keys[k]->mode, pc->mode) && keys[k]->workers == pc->workers;
            if (in >= 2 && !dup) keys[nk++] = pc;
        }
    if (nk == 0) goto out;
    qsort(keys, (size_t)nk, sizeof *keys, cmp_case);
    int used = 0;
    for (size_t si = 0; si < ns; si++)
        used += cnt[si] > 0;
    double bw = 0.8 / used;
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: the same cases of workload %s from several sources\n", wl);
    pb_puts(&d, "# block 0: x \"case\"; then one block per source: x median_s lo_s hi_s "
                "\"ratio to the first source\" \"verdict\"\n");
    pb_puts(&d, "# ratio text ends in '*' when cfbench compare's verdict on the wall times is "
                "significant (regression or improvement: Mann-Whitney U p < 0.05, Holm over the "
                "cases, bootstrap CI of the ratio beyond +-5%); verdict: compare's, \"\" for "
                "the first source\n");
    for (int k = 0; k < nk; k++) {
        pb_printf(&d, "%d ", k);
        char lab[96];
        snprintf(lab, sizeof lab, "%s w%d", keys[k]->mode, keys[k]->workers);
        pb_datastr(&d, lab);
        pb_puts(&d, "\n");
    }
    double vmin = INFINITY, vmax = 0;
    int b = 0, nsig = 0, nverdict = 0, minreps = 1 << 30;
    const plot_case **firstv = NULL;
    int firstn = 0;
    pbuf labels = {0};
    for (size_t si = 0; si < ns; si++) {
        if (!cnt[si]) continue;
        if (!firstv) {
            firstv = per[si];
            firstn = cnt[si];
        }
        pb_puts(&d, "\n\n");
        pb_datastr(&d, m->series[si].label);
        pb_puts(&d, "\n");
        if (labels.len) pb_puts(&labels, " vs ");
        pb_puts(&labels, m->series[si].label);
        json_t *rep = per[si] != firstv ? series_verdicts(firstv, firstn, per[si], cnt[si]) : NULL;
        for (int k = 0; k < nk; k++)
            for (int i = 0; i < cnt[si]; i++) {
                const plot_case *pc = per[si][i];
                if (strcmp(pc->mode, keys[k]->mode) || pc->workers != keys[k]->workers) continue;
                char ratio[32] = "";
                const char *verdict = "";
                if (per[si] != firstv)
                    for (int f = 0; f < firstn; f++)
                        if (!strcmp(firstv[f]->mode, pc->mode) &&
                            firstv[f]->workers == pc->workers && firstv[f]->med > 0) {
                            verdict = verdict_of(rep, pc->mode, pc->workers);
                            snprintf(ratio, sizeof ratio, "%.2fx%s", pc->med / firstv[f]->med,
                                     significant(verdict) ? "*" : "");
                            nsig += significant(verdict);
                            nverdict += *verdict != '\0';
                            int r = pc->nreps < firstv[f]->nreps ? pc->nreps : firstv[f]->nreps;
                            if (r < minreps) minreps = r;
                        }
                pb_printf(&d, "%.6g %.9g %.9g %.9g ", k + (b - (used - 1) / 2.0) * bw, pc->med,
                          pc->lo, pc->hi);
                pb_datastr(&d, ratio);
                pb_puts(&d, " ");
                pb_datastr(&d, verdict);
                pb_puts(&d, "\n");
                if (pc->lo > 0 && pc->lo < vmin) vmin = pc->lo;
                if (pc->hi > vmax) vmax = pc->hi;
            }
        json_decref(rep);
        b++;
    }
    char name[256], path[1300];
    snprintf(name, sizeof name, "compare-%s", wl);
    plot_job *j = add_job(c, "compare", name, -1, wl);
    if (!j) {
        pb_free(&d);
        pb_free(&labels);
        rc = nomem(c);
        goto out;
    }
    rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (!rc) {
        int logy = isfinite(vmin) && vmax / vmin > 20;
        job_common_vars(c, j, path, "Same cases side by side", wl, NULL, m->series[0].source);
        pbuf fn = {0};
        pb_puts(&fn, "sources:");
        for (size_t k = 0; k < m->nsrc; k++)
            pb_printf(&fn, "%s%s (%s, %d CPUs)", k ? "; " : " ", base_name(m->src[k].path),
                      m->src[k].hostname, m->src[k].cpus);
        pb_puts(&fn, " | medians, bars: 95% CI | * significant (cfbench compare)");
        pb_puts(&j->vars, "footnote=");
        pb_gpstr(&j->vars, fn.s ? fn.s : "");
        pb_puts(&j->vars, "; ");
        pb_free(&fn);
        pb_printf(&j->vars, "nsources=%d; ncases=%d; barwidth=%.6g; logy=%d; ymax=%.9g; ", used, nk,
                  bw, logy, logy ? vmax * 5 : vmax * 1.35);
        snprintf(j->caption, sizeof j->caption,
                 "The same %s cases from %s: median wall time with its 95%% confidence interval; "
                 "the label is the ratio to the first source, with * where cfbench compare finds "
                 "the difference significant (%d of %d ratios%s).",
                 wl, labels.s ? labels.s : "", nsig, nverdict,
                 minreps < 5 ? "; with fewer than 5 repetitions a side it can't tell" : "");
    }
    pb_free(&labels);
out:
    if (per)
        for (size_t si = 0; si < ns; si++)
            free(per[si]);
    free(per);
    free(cnt);
    free(keys);
    return rc;
}

/* ---- 7: crossover: an I/O-bound and a CPU-bound workload on one plot ------ */

/* Distinct worker counts of the non-seq cases of v with a speedup. */
static int speedup_counts(const plot_case **v, int n) {
    int k = 0;
    int *seen = malloc((size_t)(n + 1) * sizeof *seen);
    if (!seen) return 0;
    for (int i = 0; i < n; i++) {
        double lo, hi;
        if (!strcmp(v[i]->mode, "seq") || !isfinite(case_speedup(v[i], &lo, &hi))) continue;
        int dup = 0;
        for (int q = 0; q < k && !dup; q++)
            dup = seen[q] == v[i]->workers;
        if (!dup) seen[k++] = v[i]->workers;
    }
    free(seen);
    return k;
}

/* The workload of series s with the given bound that has the most worker
 * counts with a speedup (at least 2; ties: document order), or NULL. */
static const char *pick_bound(const plot_model *m, const plot_series *s, const char **wls, int nw,
                              int bound, int *oom) {
    const char *best = NULL;
    int bestn = 1;
    for (int w = 0; w < nw; w++) {
        const plot_case **v;
        int n = collect(m, s, wls[w], &v);
        if (n < 0) {
            *oom = 1;
            return NULL;
        }
        if (n && v[0]->bound == bound) {
            int k = speedup_counts(v, n);
            if (k > bestn) {
                best = wls[w];
                bestn = k;
            }
        }
        free(v);
    }
    return best;
}

static int chart_crossover(ctx *c, int si) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const char **wls;
    int nw = plot_series_workloads(m, s, &wls);
    if (nw < 0) return nomem(c);
    int oom = 0;
    const char *pick[2];
    pick[0] = pick_bound(m, s, wls, nw, PLOT_BOUND_IO, &oom);
    pick[1] = oom ? NULL : pick_bound(m, s, wls, nw, PLOT_BOUND_CPU, &oom);
    free(wls);
    if (oom) return nomem(c);
    if (!pick[0] || !pick[1]) return 0; /* needs one of each */
    pbuf d = {0};
    pb_printf(&d,
              "# cfbench plot: crossover, speedup over seq vs workers of an I/O-bound and a "
              "CPU-bound workload, %s\n",
              s->label);
    pb_puts(&d, "# one block per workload and mode (header: \"workload mode (bound)\"); columns: "
                "workers speedup lo hi (lo, hi from the 95% CI of the wall time)\n");
    char bounds[512] = "", bmodes[512] = "";
    int blocks = 0, wmax = 1;
    double smin = 1, smax = 1;
    for (int k = 0; k < 2; k++) {
        const plot_case **v;
        int n = collect(m, s, pick[k], &v);
        if (n < 0) {
            pb_free(&d);
            return nomem(c);
        }
        const char *prev = NULL; /* mode of the block being written */
        for (int i = 0; i < n; i++) {
            double lo, hi, sp = case_speedup(v[i], &lo, &hi);
            if (!strcmp(v[i]->mode, "seq") || !isfinite(sp)) continue;
            if (!isfinite(lo)) lo = sp;
            if (!isfinite(hi)) hi = sp;
            if (!prev || strcmp(prev, v[i]->mode)) {
                prev = v[i]->mode;
                char head[256];
                snprintf(head, sizeof head, "%s %s (%s)", pick[k], v[i]->mode,
                         plot_bound_name(v[i]->bound));
                pb_printf(&d, "%s", blocks ? "\n\n" : "");
                pb_datastr(&d, head);
                pb_puts(&d, "\n");
                size_t l = strlen(bounds);
                snprintf(bounds + l, sizeof bounds - l, "%s%s", l ? " " : "", k ? "cpu" : "io");
                l = strlen(bmodes);
                snprintf(bmodes + l, sizeof bmodes - l, "%s%s", l ? " " : "", v[i]->mode);
                blocks++;
            }
            pb_printf(&d, "%d %.9g %.9g %.9g\n", v[i]->workers, sp, lo, hi);
            if (v[i]->workers > wmax) wmax = v[i]->workers;
            if (lo > 0 && lo < smin) smin = lo;
            if (hi > smax) smax = hi;
        }
        free(v);
    }
    char name[256], path[1300];
    name_with_slug(name, sizeof name, "crossover", s);
    plot_job *j = add_job(c, "crossover", name, si, NULL);
    if (!j) {
        pb_free(&d);
        return nomem(c);
    }
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) return rc;
    char what[200];
    snprintf(what, sizeof what, "I/O-bound %s vs CPU-bound %s", pick[0], pick[1]);
    job_common_vars(c, j, path, what, NULL, s, s->source);
    pb_puts(&j->vars,
            "footnote=footnote.' | speedup = seq median / median; bars from the 95% CI'; ");
    pb_puts(&j->vars, "bounds=");
    pb_gpstr(&j->vars, bounds);
    pb_puts(&j->vars, "; bmodes=");
    pb_gpstr(&j->vars, bmodes);
    double xmax = wmax * 1.4;
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; cpus=%d; ybase=%d; ymin=%.6g; ymax=%.6g; ", 0.8,
              xmax, m->src[s->source].cpus, smin < 0.1 ? 10 : 2, smin / 1.3,
              smax * 1.3 > xmax ? smax * 1.3 : xmax);
    snprintf(j->caption, sizeof j->caption,
             "Speedup over seq against the worker count of %s (I/O-bound, blue) and %s "
             "(CPU-bound, red) on one log-log plot, one line per mode: work that waits can "
             "keep speeding up past the host's %d CPUs (dotted red line), work that computes "
             "cannot; the dashed diagonal is linear scaling.",
             pick[0], pick[1], m->src[s->source].cpus);
    return 0;
}

/* The workload's own measurement against workers, one line per mode (the
 * spinner's largest gap between ticks: how responsive each mode stays),
 * drawn with wall.gp and its own y label. Only for workloads whose cases
 * carry a metric. */
static int chart_metric(ctx *c, int si, const char *wl) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect(m, s, wl, &v);
    if (n < 0) return nomem(c);
    const char *mname = NULL;
    double ymax = 0, xmin = 1, xmax = 1;
    int reps = 0;
    for (int i = 0; i < n; i++) {
        if (!v[i]->metric_name) continue;
        if (!mname) mname = v[i]->metric_name;
        if (v[i]->metric_hi > ymax) ymax = v[i]->metric_hi;
        if (v[i]->workers > xmax) xmax = v[i]->workers;
        if (v[i]->nreps > reps) reps = v[i]->nreps;
    }
    if (!mname) {
        free(v);
        return 0;
    }
    char name[256], base[160], path[1300], modes[512] = "";
    snprintf(base, sizeof base, "metric-%s", wl);
    name_with_slug(name, sizeof name, base, s);
    plot_job *j = add_job(c, "wall", name, si, wl);
    if (!j) {
        free(v);
        return nomem(c);
    }
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: %s vs workers, workload %s, %s\n", mname, wl, s->label);
    pb_puts(&d, "# one block per mode; columns: workers median ci95_lo ci95_hi\n");
    mode_blocks(&d, v, n, 1, modes, sizeof modes);
    free(v);
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) return rc;
    char what[160];
    snprintf(what, sizeof what, "%s vs workers", mname);
    job_common_vars(c, j, path, what, wl, s, s->source);
    pb_printf(&j->vars, "footnote=footnote.' | median of %d repetitions, bars: 95%% CI'; ", reps);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    char ylab[200];
    snprintf(ylab, sizeof ylab, "%s per repetition (lower is more responsive)", mname);
    pb_puts(&j->vars, "; ylab=");
    pb_gpstr(&j->vars, ylab);
    if (!(ymax > 0)) ymax = 1;
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; logy=0; ymin=0; ymax=%.9g; seqwall=0; ",
              xmin / 1.3, xmax * 1.3, ymax * 1.1);
    snprintf(j->caption, sizeof j->caption,
             "The workload's own measurement, %s (median of %d repetitions, 95%% CI), against "
             "the worker count, one line per mode.",
             mname, reps);
    return 0;
}

/* ---- the plan ------------------------------------------------------------- */

static int cmp_strp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* --x workers: charts 1-2 of each value set of a scanned workload (the
 * first PLOT_MAX_SETS, in document order; the log says when there are more),
 * or of its cases when it is not scanned. */
static int charts_per_set(ctx *c, int si, const char *wl) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const char *sets[PLOT_MAX_SETS];
    const char **all = malloc((s->ncases + 1) * sizeof *all);
    if (!all) return nomem(c);
    int ns = 0;
    size_t na = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (!usable(pc) || strcmp(pc->workload, wl)) continue;
        all[na++] = pc->scan;
        int seen = 0;
        for (int k = 0; k < ns && !seen; k++)
            seen = !strcmp(sets[k], pc->scan);
        if (!seen && ns < PLOT_MAX_SETS) sets[ns++] = pc->scan;
    }
    /* how many value sets there are, to say how many are left out */
    qsort(all, na, sizeof *all, cmp_strp);
    size_t distinct = 0;
    for (size_t i = 0; i < na; i++)
        distinct += !i || strcmp(all[i], all[i - 1]);
    free(all);
    if (distinct > (size_t)ns && c->log)
        fprintf(c->log, "%s: charts of the first %d of %zu value sets only\n", wl, ns, distinct);
    int rc = 0;
    for (int k = 0; k < ns && !rc; k++)
        rc = chart_wall_speedup(c, si, wl, sets[k], 1);
    return rc;
}

/* Charts 1-2 and 8 of one workload, as --x asks (see the top comment). */
static int charts_x(ctx *c, int si, const char *wl) {
    if (c->x_key && !strcmp(c->x_key, "workers")) return charts_per_set(c, si, wl);
    const char **keys;
    int nk = plot_workload_scan_keys(c->m, &c->m->series[si], wl, &keys);
    if (nk < 0) return nomem(c);
    int here = 0; /* this workload scans the --x key */
    for (int k = 0; k < nk && c->x_key; k++)
        here |= plot_x_matches(c->x_key, wl, keys[k]);
    int rc = here ? 0 : chart_wall_speedup(c, si, wl, NULL, 0);
    for (int k = 0; k < nk && !rc; k++)
        if (!here || plot_x_matches(c->x_key, wl, keys[k])) rc = chart_scan(c, si, wl, keys[k]);
    free(keys);
    return rc;
}

int plot_charts_plan(const plot_model *m, const char *data_dir, int timelines, const char *x_key,
                     FILE *log, plot_plan *plan, char *err, size_t errlen) {
    memset(plan, 0, sizeof *plan);
    ctx c = {m, data_dir, x_key, log, plan, err, errlen};
    int rc = 0;
    for (size_t si = 0; si < m->nseries && !rc; si++) {
        const char **wls;
        int nw = plot_series_workloads(m, &m->series[si], &wls);
        if (nw < 0) {
            rc = nomem(&c);
            break;
        }
        for (int w = 0; w < nw && !rc; w++) {
            rc = charts_x(&c, (int)si, wls[w]);
            if (!rc) rc = chart_latency(&c, (int)si, wls[w]);
            if (!rc) rc = chart_metric(&c, (int)si, wls[w]);
            if (!rc) rc = charts_timelines(&c, (int)si, wls[w], timelines);
        }
        if (!rc) rc = chart_best(&c, (int)si);
        if (!rc) rc = chart_crossover(&c, (int)si);
        free(wls);
    }
    if (!rc && m->nseries > 1) {
        /* workloads of every series, in order of first appearance */
        const char **all = malloc((m->ncases + 1) * sizeof *all);
        int na = 0;
        if (!all) rc = nomem(&c);
        for (size_t i = 0; all && i < m->ncases; i++) {
            int seen = 0;
            for (int k = 0; k < na && !seen; k++)
                seen = !strcmp(all[k], m->cases[i].workload);
            if (!seen) all[na++] = m->cases[i].workload;
        }
        for (int k = 0; k < na && !rc; k++)
            rc = chart_compare(&c, all[k]);
        free(all);
    }
    if (rc) plot_plan_free(plan);
    return rc;
}

void plot_plan_free(plot_plan *plan) {
    for (size_t i = 0; i < plan->njobs; i++)
        pb_free(&plan->jobs[i].vars);
    free(plan->jobs);
    memset(plan, 0, sizeof *plan);
}
