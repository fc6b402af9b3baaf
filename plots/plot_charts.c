/*
 * plot_charts.c — the six charts: write each chart's data file (columns
 * described in its header and in the matching plots/<script>.gp) and plan
 * the gnuplot job that draws it.
 *
 *   1 wall-<wl>        wall time vs workers, one line per mode (log2 x, CI bars)
 *   2 speedup-<wl>     speedup over seq vs workers per mode, ideal line
 *   3 best             best-of-mode bars per workload
 *   4 timeline-<case>  task timeline: one row per worker, one bar per task
 *   5 latency-<wl>     per-task latency CDF per mode
 *   6 compare-<wl>     several sources (files / impls): the same case side by side
 *
 * Charts 1–5 are drawn per series (a results file × impl); a name gets the
 * series slug as suffix when there is more than one series.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"

typedef struct ctx {
    const plot_model *m;
    const char *data_dir;
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
    pb_printf(&t, " - %s, %s", src->hostname, date);
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

/* Cases of series s for a workload, not failed, sorted by mode then workers;
 * a later duplicate (mode, workers) is dropped. *out malloc'd (caller frees),
 * entries borrowed from m. Returns the count or -1 (ENOMEM). */
static int collect(const plot_model *m, const plot_series *s, const char *workload,
                   const plot_case ***out) {
    const plot_case **v = malloc((s->ncases + 1) * sizeof *v);
    if (!v) return -1;
    int n = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *pc = &m->cases[s->cases[i]];
        if (pc->error || !isfinite(pc->med) || strcmp(pc->workload, workload)) continue;
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

static const plot_case *seq_case(const plot_case **v, int n) {
    for (int i = 0; i < n; i++)
        if (!strcmp(v[i]->mode, "seq")) return v[i];
    return NULL;
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

static double case_speedup(const plot_case *pc, const plot_case *seq, double *lo, double *hi) {
    if (seq && isfinite(seq->med) && pc->med > 0) {
        *lo = pc->hi > 0 ? seq->med / pc->hi : NAN;
        *hi = pc->lo > 0 ? seq->med / pc->lo : NAN;
        return seq->med / pc->med;
    }
    *lo = *hi = pc->speedup;
    return pc->speedup;
}

static void x_range(const plot_case **v, int n, double *xmin, double *xmax) {
    int lo = v[0]->workers, hi = v[0]->workers;
    for (int i = 1; i < n; i++) {
        if (v[i]->workers < lo) lo = v[i]->workers;
        if (v[i]->workers > hi) hi = v[i]->workers;
    }
    if (lo == hi) {
        *xmin = lo / 2.0;
        *xmax = hi * 2.0;
    } else {
        *xmin = lo / 1.3;
        *xmax = hi * 1.3;
    }
}

static void name_with_slug(char *out, size_t n, const char *base, const plot_series *s) {
    if (s->slug[0])
        snprintf(out, n, "%s-%s", base, s->slug);
    else
        snprintf(out, n, "%s", base);
}

/* ---- 1 + 2: wall time and speedup vs workers ------------------------------ */

static int chart_wall_speedup(ctx *c, int si, const char *wl) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect(m, s, wl, &v);
    if (n < 0) return nomem(c);
    if (n == 0) {
        free(v);
        return 0;
    }
    const plot_case *seq = seq_case(v, n);
    double xmin, xmax;
    x_range(v, n, &xmin, &xmax);
    int reps = 0;
    for (int i = 0; i < n; i++)
        if (v[i]->nreps > reps) reps = v[i]->nreps;

    /* chart 1 */
    char name[256], base[160], path[1300], modes[512] = "";
    snprintf(base, sizeof base, "wall-%s", wl);
    name_with_slug(name, sizeof name, base, s);
    plot_job *j = add_job(c, "wall", name, si, wl);
    if (!j) {
        free(v);
        return nomem(c);
    }
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: wall time vs workers, workload %s, %s\n", wl, s->label);
    pb_puts(&d, "# one block per mode; columns: workers median_wall_s ci95_lo_s ci95_hi_s\n");
    double ymin = INFINITY, ymax = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || strcmp(v[i]->mode, v[i - 1]->mode)) {
            pb_printf(&d, "%s", i ? "\n\n" : "");
            pb_datastr(&d, v[i]->mode);
            pb_puts(&d, "\n");
            add_mode(modes, sizeof modes, v[i]->mode);
        }
        pb_printf(&d, "%d %.9g %.9g %.9g\n", v[i]->workers, v[i]->med, v[i]->lo, v[i]->hi);
        if (v[i]->lo > 0 && v[i]->lo < ymin) ymin = v[i]->lo;
        if (v[i]->hi > ymax) ymax = v[i]->hi;
    }
    int rc = write_data(c, j, &d, path, sizeof path);
    pb_free(&d);
    if (rc) {
        free(v);
        return rc;
    }
    job_common_vars(c, j, path, "Wall time vs workers", wl, s, s->source);
    pb_printf(&j->vars, "footnote=footnote.' | median of %d repetitions, bars: 95%% CI'; ", reps);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; logy=%d; seqwall=%.9g; ", xmin, xmax,
              isfinite(ymin) && ymax / ymin > 20, seq ? seq->med : 0.0);
    snprintf(j->caption, sizeof j->caption,
             "Median wall time per repetition (%d repetitions) against the worker count, one "
             "line per mode; error bars are the 95%% confidence interval of the median.",
             reps);

    /* chart 2 */
    int have = 0;
    double smin = INFINITY;
    for (int i = 0; i < n; i++) {
        double lo, hi, sp = case_speedup(v[i], seq, &lo, &hi);
        if (isfinite(sp)) {
            have++;
            if (sp < smin) smin = sp;
            if (isfinite(lo) && lo < smin) smin = lo;
        }
    }
    if (!have) {
        free(v);
        return 0;
    }
    snprintf(base, sizeof base, "speedup-%s", wl);
    name_with_slug(name, sizeof name, base, s);
    j = add_job(c, "speedup", name, si, wl);
    if (!j) {
        free(v);
        return nomem(c);
    }
    pb_printf(&d, "# cfbench plot: speedup over seq vs workers, workload %s, %s\n", wl, s->label);
    pb_puts(&d, "# one block per mode; columns: workers speedup lo hi "
                "(seq median / this median; lo, hi from this case's 95% CI)\n");
    modes[0] = '\0';
    int first = 1;
    for (int i = 0; i < n; i++) {
        double lo, hi, sp = case_speedup(v[i], seq, &lo, &hi);
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
    job_common_vars(c, j, path, "Speedup vs workers", wl, s, s->source);
    pb_puts(&j->vars, "footnote=footnote.' | bars from the 95% CI of each wall time'; ");
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, modes);
    pb_printf(&j->vars, "; xmin=%.6g; xmax=%.6g; cpus=%d; ybase=%d; ", xmin, xmax,
              m->src[s->source].cpus, smin < 0.1 ? 10 : 2);
    snprintf(j->caption, sizeof j->caption,
             "Speedup over the sequential run (median seq wall time / median wall time) per "
             "mode; the dashed line is linear scaling, the dotted red line the host's CPUs.");
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
        if (n && !seq_case(v, n)) all_seq = 0;
        any += n;
        free(v);
    }
    if (!any) {
        free(wls);
        return 0;
    }
    /* modes in canonical order */
    char sorted[512] = "";
    for (int r = 0; r <= 5; r++) {
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
            const plot_case *best = NULL, *seq = seq_case(v, n);
            for (int i = 0; i < n; i++)
                if (!strcmp(v[i]->mode, mlist[k]) && (!best || v[i]->med < best->med)) best = v[i];
            if (best) {
                double val = best->med, lo = best->lo, hi = best->hi;
                if (all_seq) {
                    val = case_speedup(best, seq, &lo, &hi);
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
    int logy = isfinite(vmin) && vmax > 0 && vmin / vmax < 0.05;
    job_common_vars(c, j, path, "Best of each mode", NULL, s, s->source);
    pb_puts(&j->vars, "modes=");
    pb_gpstr(&j->vars, used);
    pb_printf(&j->vars,
              "; nworkloads=%d; barwidth=%.6g; metric='%s'; logy=%d; ymin=%.6g; ymax=%.6g; ", nw,
              bw, all_seq ? "speedup" : "wall", logy, logy ? vmin / 5 : 0,
              logy ? vmax * 5 : vmax * 1.3);
    snprintf(j->caption, sizeof j->caption,
             "For each workload, the best worker count of each mode side by side (%s); the "
             "label gives that worker count and its median wall time.",
             all_seq ? "speedup over seq, higher is better" : "median wall time, lower is better");
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

static double rep_wall(const plot_model *m, const plot_case *pc) {
    json_t *cases = json_object_get(m->src[pc->source].doc, "cases");
    for (size_t i = 0; i < json_array_size(cases); i++) {
        json_t *jc = json_array_get(cases, i);
        if (json_object_get(jc, "timeline") != pc->timeline) continue;
        json_t *ri = json_object_get(pc->timeline, "repetition");
        size_t r = json_is_integer(ri) ? (size_t)json_integer_value(ri) : 0;
        json_t *reps = json_object_get(jc, "repetitions");
        for (size_t k = 0; k < json_array_size(reps); k++) {
            json_t *rep = json_array_get(reps, k);
            json_t *idx = json_object_get(rep, "index");
            if ((json_is_integer(idx) ? (size_t)json_integer_value(idx) : k) == r)
                return json_number_value(json_object_get(rep, "wall_s"));
        }
    }
    return 0;
}

static int chart_timeline(ctx *c, int si, const plot_case *pc) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    json_t *tasks = json_object_get(pc->timeline, "tasks");
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
    int is_async = !strcmp(pc->mode, "async");
    int nrows = 1;
    if (is_async) {
        /* one thread runs them all: give each in-flight task its own lane
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
    double wall = rep_wall(m, pc), xmax = wall;
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
    for (size_t i = 0; i < n; i++) {
        double px = (t[i].end - t[i].start) / xmax * plot_px;
        char num[32];
        snprintf(num, sizeof num, "%d", t[i].task);
        const char *text = "";
        if (n <= 200 && strlen(t[i].label) * char_px + 12 <= px)
            text = t[i].label;
        else if (strlen(num) * char_px + 6 <= px)
            text = num;
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
    const char *rowname = is_async                       ? "in-flight slot (one event-loop thread)"
                          : !strcmp(pc->mode, "thread")  ? "worker thread"
                          : !strcmp(pc->mode, "process") ? "worker process"
                          : !strcmp(pc->mode, "mpi")     ? "worker rank (rank - 1)"
                                                         : "worker";
    pb_printf(&j->vars, "nrows=%d; rowname='%s'; xmax=%.9g; wall=%.9g; minhalf=%.9g; ", nrows,
              rowname, xmax, wall, xmax * 0.002);
    time_unit(&j->vars, xmax);
    snprintf(j->caption, sizeof j->caption,
             "%s with %s, %d workers: one row per %s, one bar per task from start to end (first "
             "measured repetition, %zu tasks; bars are numbered or labelled where they fit; the "
             "dashed line is the repetition's wall time).",
             pc->workload, pc->mode, pc->workers, is_async ? "concurrent operation" : "worker", n);
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

static int chart_latency(ctx *c, int si, const char *wl) {
    const plot_model *m = c->m;
    const plot_series *s = &m->series[si];
    const plot_case **v;
    int n = collect(m, s, wl, &v);
    if (n < 0) return nomem(c);
    pbuf d = {0};
    pb_printf(&d, "# cfbench plot: per-task latency CDF, workload %s, %s\n", wl, s->label);
    pb_puts(&d, "# one block per mode (its best worker count); columns: latency_s fraction\n");
    char modes[512] = "", kinds[256] = "";
    double lmin = INFINITY, lmax = 0, medmin = INFINITY, medmax = 0; /* medians of the curves */
    int curves = 0, from_tl = 0;
    for (int i = 0; i < n; i++) {
        if (i && !strcmp(v[i]->mode, v[i - 1]->mode)) continue;
        const plot_case *best = v[i];
        for (int k = i + 1; k < n && !strcmp(v[k]->mode, v[i]->mode); k++)
            if (v[k]->med < best->med) best = v[k];
        json_t *tasks = best->timeline ? json_object_get(best->timeline, "tasks") : NULL;
        size_t nt = json_array_size(tasks);
        double *lat = nt ? malloc(nt * sizeof *lat) : NULL;
        size_t nl = 0;
        for (size_t k = 0; lat && k < nt; k++) {
            json_t *o = json_array_get(tasks, k);
            json_t *st = json_object_get(o, "start_s"), *en = json_object_get(o, "end_s");
            if (json_is_number(st) && json_is_number(en)) {
                double x = json_number_value(en) - json_number_value(st);
                lat[nl++] = x > 1e-7 ? x : 1e-7;
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
            if (lat[nl / 2] < medmin) medmin = lat[nl / 2];
            if (lat[nl / 2] > medmax) medmax = lat[nl / 2];
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
                if (x < 1e-7) x = 1e-7;
                pb_printf(&d, "%.9g %.9g\n", x, frac[q]);
                if (x < lmin) lmin = x;
                if (x > lmax) lmax = x;
                if (q == 0 && x < medmin) medmin = x;
                if (q == 0 && x > medmax) medmax = x;
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
    /* log x only when the modes' typical latencies differ by orders of
     * magnitude; a few near-zero tasks alone read fine on a linear axis */
    int logx = medmax / medmin > 20;
    double xmin, xmax;
    if (logx) {
        xmin = lmin / 1.5;
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
    snprintf(j->caption, sizeof j->caption,
             "Distribution of per-task latency (task start to end) for each mode at its best "
             "worker count: %s.",
             from_tl == curves ? "every task of the timeline"
             : from_tl         ? "steps: every task of the timeline; points: p50/p90/p99/max, "
                                 "medians over the repetitions"
                               : "p50/p90/p99/max, medians over the repetitions");
    return 0;
}

/* ---- 6: several sources side by side ------------------------------------- */

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
                "\"ratio to the first source\"\n");
    for (int k = 0; k < nk; k++) {
        pb_printf(&d, "%d ", k);
        char lab[96];
        snprintf(lab, sizeof lab, "%s w%d", keys[k]->mode, keys[k]->workers);
        pb_datastr(&d, lab);
        pb_puts(&d, "\n");
    }
    double vmin = INFINITY, vmax = 0;
    int b = 0;
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
        for (int k = 0; k < nk; k++)
            for (int i = 0; i < cnt[si]; i++) {
                const plot_case *pc = per[si][i];
                if (strcmp(pc->mode, keys[k]->mode) || pc->workers != keys[k]->workers) continue;
                char ratio[32] = "";
                if (per[si] != firstv)
                    for (int f = 0; f < firstn; f++)
                        if (!strcmp(firstv[f]->mode, pc->mode) &&
                            firstv[f]->workers == pc->workers && firstv[f]->med > 0)
                            snprintf(ratio, sizeof ratio, "%.2fx", pc->med / firstv[f]->med);
                pb_printf(&d, "%.6g %.9g %.9g %.9g ", k + (b - (used - 1) / 2.0) * bw, pc->med,
                          pc->lo, pc->hi);
                pb_datastr(&d, ratio);
                pb_puts(&d, "\n");
                if (pc->lo > 0 && pc->lo < vmin) vmin = pc->lo;
                if (pc->hi > vmax) vmax = pc->hi;
            }
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
        pb_puts(&fn, " | medians, bars: 95% CI");
        pb_puts(&j->vars, "footnote=");
        pb_gpstr(&j->vars, fn.s ? fn.s : "");
        pb_puts(&j->vars, "; ");
        pb_free(&fn);
        pb_printf(&j->vars, "nsources=%d; ncases=%d; barwidth=%.6g; logy=%d; ymax=%.9g; ", used, nk,
                  bw, logy, logy ? vmax * 4 : vmax * 1.25);
        snprintf(j->caption, sizeof j->caption,
                 "The same %s cases from %s: median wall time with its 95%% confidence interval; "
                 "the label is the ratio to the first source.",
                 wl, labels.s ? labels.s : "");
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

/* ---- the plan ------------------------------------------------------------- */

int plot_charts_plan(const plot_model *m, const char *data_dir, int timelines, FILE *log,
                     plot_plan *plan, char *err, size_t errlen) {
    memset(plan, 0, sizeof *plan);
    ctx c = {m, data_dir, log, plan, err, errlen};
    int rc = 0;
    for (size_t si = 0; si < m->nseries && !rc; si++) {
        const char **wls;
        int nw = plot_series_workloads(m, &m->series[si], &wls);
        if (nw < 0) {
            rc = nomem(&c);
            break;
        }
        for (int w = 0; w < nw && !rc; w++) {
            rc = chart_wall_speedup(&c, (int)si, wls[w]);
            if (!rc) rc = chart_latency(&c, (int)si, wls[w]);
            if (!rc) rc = charts_timelines(&c, (int)si, wls[w], timelines);
        }
        if (!rc) rc = chart_best(&c, (int)si);
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
