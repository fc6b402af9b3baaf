/*
 * plot_report.c — OUT/report.html: every drawn chart inlined as a data: URI
 * (SVG when drawn, else PNG) and a summary table per workload, plain HTML +
 * CSS with no script and no external asset, so it reads offline.
 *
 * Layout (issue 16; tests/report and tests/findings rely on it): the <h1>
 * title and a one-line subtitle, then <section id="findings"> — an <h2>
 * Findings and a <ul> of <li class="finding"> sentences computed from the
 * data by results/findings.h (<li class="finding unsupported"> when the data
 * do not carry one, saying why) — then <section id="key-charts"> with the
 * 3-4 charts that show them (every "crossover" chart, the speedup of an
 * I/O-bound and of a CPU-bound workload, the GIL comparison of the heaviest
 * CPU-bound workload), then the details: sources, the host floors (<section
 * id="floors">, only when a file has host.floors), and per series and
 * workload the table and charts (a parameter scan's charts after the
 * speedup ones).
 *
 * No workload is named here: which one tells the GIL story and which one
 * the executor's overhead is read from the results (the case's bound, as
 * plot_model.c settles it, and the per-task times; see heaviest_cpu() and
 * overhead_case()).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "findings.h"
#include "plot_internal.h"

static const char CSS[] =
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;"
    "max-width:1880px;padding:0 1.2em;color:#222;background:#fff;overflow-wrap:break-word}"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2.2em;border-bottom:2px solid #ddd;"
    "padding-bottom:.2em}h3{margin-top:1.6em}"
    ".note{background:#fff4e5;border-left:4px solid #f0a030;padding:.6em 1em}"
    ".muted{color:#666}"
    ".charts{display:flex;flex-wrap:wrap;gap:1.2em}"
    "figure{margin:0;flex:0 1 900px;max-width:100%;min-width:0}figure img{width:100%;"
    "height:auto;border:1px solid #e2e2e2;box-sizing:border-box}"
    "figcaption{font-size:.88em;color:#444;margin-top:.3em}"
    /* Nothing wider than the window (tests/report checks it at 1280 px): numbers
     * stay on one line, text cells (paths, CPU model, commit, errors) wrap, at
     * any character when a word is too long; a table that still does not fit
     * (narrow window) scrolls inside itself instead of widening the page. */
    "table{border-collapse:collapse;margin:.8em 0;font-size:.9em;display:block;max-width:100%;"
    "width:max-content;overflow-x:auto}"
    "th,td{border:1px solid #ddd;padding:.28em .6em;text-align:right;white-space:nowrap}"
    "th{background:#f3f5f7}td.l,th.l{text-align:left}"
    "td.l{white-space:normal;overflow-wrap:anywhere;min-width:5em}"
    "td.l:first-child{white-space:nowrap}td.l.wrap{white-space:normal}"
    "tr:nth-child(even) td{background:#fafbfc}"
    "td.err{color:#b00020;text-align:left;white-space:normal;overflow-wrap:anywhere;"
    "min-width:20em}"
    "details{margin:1em 0}summary{cursor:pointer;font-weight:600}"
    "nav a{margin-right:1em}code{background:#f3f3f3;padding:0 .25em}";

/* The findings and key charts (not part of CSS[]). */
static const char FINDINGS_CSS[] = "#findings h2,#key-charts h2{margin-top:.8em}"
                                   "#findings ul{margin:.3em 0 .6em;padding-left:1.3em}"
                                   "li.finding{margin:.2em 0}"
                                   "li.finding.unsupported{color:#7a4b00;list-style-type:'? '}";

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void td_num(pbuf *b, double v, const char *fmt) {
    pb_puts(b, "<td>");
    if (isfinite(v))
        pb_printf(b, fmt, v);
    else
        pb_puts(b, "–");
    pb_puts(b, "</td>");
}

static void td_secs(pbuf *b, double v) {
    pb_puts(b, "<td>");
    pb_seconds(b, v);
    pb_puts(b, "</td>");
}

/* Inline one chart (SVG preferred, else PNG). Returns 0, or -1 if it could
 * not be read (then a note is written instead). */
static void figure(pbuf *b, const plot_job *j, const char *out_dir, const char *lead) {
    if (!j->drawn) return;
    const char *ext = (j->drawn & CFB_PLOT_SVG) ? "svg" : "png";
    const char *mime = (j->drawn & CFB_PLOT_SVG) ? "image/svg+xml" : "image/png";
    char path[1400];
    snprintf(path, sizeof path, "%s/%s.%s", out_dir, j->name, ext);
    unsigned char *data;
    size_t len;
    pb_puts(b, "<figure>");
    if (plot_read_file(path, &data, &len)) {
        pb_printf(b, "<p class=note>cannot read %s</p>", path);
    } else {
        pb_printf(b, "<img alt=\"");
        pb_html(b, j->caption);
        pb_printf(b, "\" src=\"data:%s;base64,", mime);
        pb_base64(b, data, len);
        pb_puts(b, "\">");
        free(data);
    }
    pb_puts(b, "<figcaption>");
    if (lead) {
        pb_puts(b, "<b>");
        pb_html(b, lead);
        pb_puts(b, "</b> ");
    }
    pb_html(b, j->caption);
    pb_printf(b, " <span class=muted>(<a href=\"%s.%s\">%s.%s</a>)</span></figcaption></figure>\n",
              j->name, ext, j->name, ext);
}

static void figures(pbuf *b, const plot_plan *p, const char *out_dir, int series,
                    const char *workload, const char *script) {
    int any = 0;
    for (size_t i = 0; i < p->njobs; i++) {
        const plot_job *j = &p->jobs[i];
        if (j->series != series || strcmp(j->script, script) || !j->drawn) continue;
        if (workload && strcmp(j->workload, workload)) continue;
        if (!any) pb_puts(b, "<div class=charts>\n");
        any = 1;
        figure(b, j, out_dir, NULL);
    }
    if (any) pb_puts(b, "</div>\n");
}

static int count_jobs(const plot_plan *p, int series, const char *workload, const char *script) {
    int n = 0;
    for (size_t i = 0; i < p->njobs; i++) {
        const plot_job *j = &p->jobs[i];
        n += j->series == series && !strcmp(j->script, script) && j->drawn &&
             (!workload || !strcmp(j->workload, workload));
    }
    return n;
}

static void case_table(pbuf *b, const plot_model *m, const plot_series *s, const char *wl) {
    pb_puts(b, "<table><tr><th class=l>case</th><th class=l>mode</th><th>workers</th>"
               "<th>tasks</th><th>reps</th><th>median wall</th><th>95% CI of median</th>"
               "<th>speedup</th><th>efficiency</th><th>throughput (tasks/s)</th>"
               "<th>CPU time</th></tr>\n");
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *c = &m->cases[s->cases[i]];
        if (strcmp(c->workload, wl)) continue;
        pb_puts(b, "<tr><td class=l>");
        pb_html(b, c->id);
        pb_puts(b, "</td><td class=l>");
        pb_html(b, c->mode);
        pb_printf(b, "</td><td>%d</td>", c->workers);
        if (c->tasks >= 0)
            pb_printf(b, "<td>%d</td>", c->tasks);
        else
            pb_puts(b, "<td>–</td>");
        pb_printf(b, "<td>%d</td>", c->nreps);
        if (c->error && !isfinite(c->med)) {
            pb_puts(b, "<td class=err colspan=6>failed: ");
            pb_html(b, c->error);
            pb_puts(b, "</td></tr>\n");
            continue;
        }
        td_secs(b, c->med);
        pb_puts(b, "<td>");
        pb_seconds(b, c->lo);
        pb_puts(b, " – ");
        pb_seconds(b, c->hi);
        pb_puts(b, "</td>");
        td_num(b, c->speedup, "%.2f×");
        td_num(b, c->efficiency, "%.2f");
        td_num(b, c->tps_med, "%.4g");
        td_secs(b, c->cpu_med);
        pb_puts(b, "</tr>\n");
    }
    pb_puts(b, "</table>\n");
}

/* The findings of every source, one <li> each. */
static void findings_section(pbuf *b, const plot_model *m, const char *note) {
    pb_puts(b, "<section id=\"findings\">\n<h2>Findings</h2>\n<ul>\n");
    int any = 0;
    for (size_t i = 0; i < m->nsrc; i++) {
        cfb_findings f;
        if (cfb_findings_compute(m->src[i].doc, &f)) {
            b->oom = 1;
            cfb_findings_free(&f);
            return;
        }
        for (size_t k = 0; k < f.n; k++) {
            pb_puts(b, f.items[k].supported ? "<li class=\"finding\">"
                                            : "<li class=\"finding unsupported\">");
            if (m->nsrc > 1) {
                pb_html(b, base_name(m->src[i].path));
                pb_puts(b, ": ");
            }
            pb_html(b, f.items[k].text);
            pb_puts(b, "</li>\n");
            any = 1;
        }
        cfb_findings_free(&f);
    }
    if (!any)
        pb_puts(b, "<li class=\"finding unsupported\">Not supported by the data: no case with "
                   "a median wall time to read.</li>\n");
    pb_puts(b, "</ul>\n");
    if (note) {
        pb_puts(b, "<p class=note>");
        pb_html(b, note);
        pb_puts(b, "</p>\n");
    }
    for (size_t i = 0; i < m->nsrc; i++)
        if (!m->src[i].complete) {
            pb_puts(b, "<p class=note>");
            pb_html(b, m->src[i].path);
            pb_puts(b, m->src[i].interrupted ? ": the sweep was interrupted"
                                             : ": the run is incomplete (a case failed)");
            pb_puts(b, " — what finished is shown.</p>\n");
        }
    pb_puts(b, "</section>\n");
}

/* The drawn job of script (and workload, when not NULL) in series si (-1:
 * cross-series); NULL when there is none. */
static const plot_job *find_job(const plot_plan *p, const char *script, const char *workload,
                                int si) {
    for (size_t i = 0; i < p->njobs; i++) {
        const plot_job *j = &p->jobs[i];
        if (j->drawn && !strcmp(j->script, script) && j->series == si &&
            (!workload || !strcmp(j->workload, workload)))
            return j;
    }
    return NULL;
}

/* The series of source 0 with impl. -2 when none. */
static int series_of(const plot_model *m, const char *impl) {
    for (size_t k = 0; k < m->nseries; k++)
        if (m->series[k].source == 0 && !strcmp(m->series[k].impl, impl)) return (int)k;
    return -2;
}

/* The workload of kind `kind` the key charts show from source 0's findings:
 * prefer (when given) the workload named `prefer`, else the supported one
 * with the highest speedup, else any of that kind. into wl / impl. */
static bool pick_workload(const cfb_findings *f, cfb_finding_kind kind, const char *prefer,
                          char *wl, size_t wln, char *impl, size_t impln) {
    const cfb_finding *best = NULL;
    double top = -1;
    for (size_t i = 0; i < f->n; i++) {
        const cfb_finding *x = &f->items[i];
        if (x->kind != kind) continue;
        double sp = 0;
        for (size_t k = 0; k < x->nmodes; k++)
            if (strcmp(x->modes[k].mode, "seq") && isfinite(x->modes[k].speedup) &&
                x->modes[k].speedup > sp)
                sp = x->modes[k].speedup;
        double score =
            (prefer && !strcmp(x->workload, prefer) ? 1e9 : 0) + (x->supported ? 1e6 : 0) + sp;
        if (score > top) {
            top = score;
            best = x;
        }
    }
    if (!best) return false;
    snprintf(wl, wln, "%s", best->workload);
    snprintf(impl, impln, "%s", best->impl);
    return true;
}

/* Per-task cost of a case: median wall time over its tasks; NAN when unknown. */
static double per_task(const plot_case *c) {
    return c->tasks > 0 && isfinite(c->med) && !c->error ? c->med / c->tasks : NAN;
}

/* The CPU-bound workload of source 0 with the heaviest tasks (the largest
 * per-task time of its seq cases, else of its 1-worker cases), among the
 * cases of impl (NULL: any impl) — where a GIL shows; primes, not noop,
 * whose tasks are empty. Borrowed from m; NULL when none is CPU-bound. */
static const char *heaviest_cpu(const plot_model *m, const char *impl) {
    const char *best = NULL;
    double top = -1;
    for (int pass = 0; pass < 2 && !best; pass++)
        for (size_t i = 0; i < m->ncases; i++) {
            const plot_case *c = &m->cases[i];
            if (c->source != 0 || c->bound != PLOT_BOUND_CPU || (impl && strcmp(c->impl, impl)))
                continue;
            if (pass == 0 ? strcmp(c->mode, "seq") : c->workers != 1) continue;
            double t = per_task(c);
            if (isfinite(t) && t > top) {
                top = t;
                best = c->workload;
            }
        }
    return best;
}

/* The key charts, at most four, in this order: the crossover charts (at
 * most two: c and c+gil), the heaviest CPU-bound workload under the GIL,
 * the speedup of the I/O-bound workload that scaled most, the speedup of a
 * CPU-bound one (the heaviest first). */
#define KEY_CHARTS_MAX 4

static void key_charts(pbuf *b, const plot_model *m, const plot_plan *p, const char *out_dir) {
    const plot_job *keys[8];
    char leads[8][128];
    size_t nk = 0;
    for (size_t i = 0; i < p->njobs && nk < 2; i++)
        if (p->jobs[i].drawn && !strcmp(p->jobs[i].script, "crossover")) {
            snprintf(leads[nk], sizeof leads[nk], "I/O-bound against CPU-bound.");
            keys[nk++] = &p->jobs[i];
        }
    cfb_findings f;
    memset(&f, 0, sizeof f);
    if (m->nsrc && cfb_findings_compute(m->src[0].doc, &f) == 0) {
        char wl[64], impl[32];
        const plot_job *j;
        /* the GIL: a CPU-bound workload c against c+gil side by side, else
         * its c+gil speedup */
        const char *gil = heaviest_cpu(m, "c+gil");
        if (gil && ((series_of(m, "c+gil") >= 0 && (j = find_job(p, "compare", gil, -1))) ||
                    (j = find_job(p, "speedup", gil, series_of(m, "c+gil"))))) {
            snprintf(leads[nk], sizeof leads[nk], "%.60s under the GIL (c+gil).", gil);
            keys[nk++] = j;
        }
        if (pick_workload(&f, CFB_FINDING_IO_SCALING, NULL, wl, sizeof wl, impl, sizeof impl) &&
            (j = find_job(p, "speedup", wl, series_of(m, impl)))) {
            snprintf(leads[nk], sizeof leads[nk], "%s, I/O-bound (%s).", wl, impl);
            keys[nk++] = j;
        }
        if (pick_workload(&f, CFB_FINDING_CPU_PLATEAU, heaviest_cpu(m, NULL), wl, sizeof wl, impl,
                          sizeof impl) &&
            (j = find_job(p, "speedup", wl, series_of(m, impl)))) {
            snprintf(leads[nk], sizeof leads[nk], "%s, CPU-bound (%s).", wl, impl);
            keys[nk++] = j;
        }
    }
    cfb_findings_free(&f);
    if (!nk) return;
    pb_puts(b, "<section id=\"key-charts\">\n<h2>Key charts</h2>\n<div class=charts>\n");
    for (size_t i = 0, shown = 0; i < nk && shown < KEY_CHARTS_MAX; i++) {
        bool dup = false;
        for (size_t q = 0; q < i; q++)
            dup |= keys[q] == keys[i];
        if (dup) continue;
        figure(b, keys[i], out_dir, leads[i]);
        shown++;
    }
    pb_puts(b, "</div>\n</section>\n");
}

/* ---- host floors (issue 15: host.floors, docs/results-schema.md) ---------- */

/* The floors a results file may carry, in table order: JSON key, column
 * label. The executor overheads are read against FLOOR_FUTEX (thread) and
 * FLOOR_PIPE (process). */
enum { FLOOR_FUTEX, FLOOR_PIPE, FLOOR_FORK, FLOOR_HTTP, FLOOR_N };
static const char *const floor_key[FLOOR_N] = {"futex_wake", "pipe_rt", "fork_exit_wait",
                                               "http_loopback"};
static const char *const floor_label[FLOOR_N] = {"futex wake-up round trip", "pipe round trip",
                                                 "fork+exit+wait", "HTTP request (loopback)"};

/* The document's host.floors (borrowed from the host section, which the
 * model keeps as JSON: cfb_results_host), or NULL when it has none. */
static const json_t *source_floors(const plot_source *src) {
    const json_t *f = json_object_get(cfb_results_host(src->doc), "floors");
    return json_is_object(f) ? f : NULL;
}

/* Median of floor k in floors (borrowed), NAN when absent or not positive. */
static double floor_median(const json_t *floors, int k) {
    json_t *v = json_object_get(json_object_get(floors, floor_key[k]), "median_s");
    double x = json_is_number(v) ? json_number_value(v) : NAN;
    return isfinite(x) && x > 0 ? x : NAN;
}

/* The case of series s the executor's overhead in mode is read from: at 1
 * worker, of the workload with the cheapest tasks there (the smallest
 * per-task time: empty tasks, the noop workload) — provided its tasks are
 * empty enough for the time to be the executor's: its seq case's per-task
 * time is below the floor fl, or, without a seq case, its own is below 100
 * floors (a task that computes or sleeps costs thousands). NULL when none. */
static const plot_case *overhead_case(const plot_model *m, const plot_series *s, const char *mode,
                                      double fl) {
    const plot_case *best = NULL;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *c = &m->cases[s->cases[i]];
        if (c->workers == 1 && isfinite(per_task(c)) && !strcmp(c->mode, mode) &&
            (!best || per_task(c) < per_task(best)))
            best = c;
    }
    if (!best) return NULL;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *c = &m->cases[s->cases[i]];
        if (!strcmp(c->workload, best->workload) && !strcmp(c->mode, "seq") &&
            isfinite(per_task(c)))
            return per_task(c) < fl ? best : NULL;
    }
    return per_task(best) < 100 * fl ? best : NULL;
}

/* <section id="floors">: a row of floors per source that has them, then the
 * executor overheads (median wall / tasks at 1 worker of the workload with
 * the cheapest tasks, overhead_case()) in units of the matching floor. Nothing at all when no
 * source has floors. */
static void floors_section(pbuf *b, const plot_model *m) {
    size_t with = 0;
    for (size_t i = 0; i < m->nsrc; i++)
        with += source_floors(&m->src[i]) != NULL;
    if (!with) return;
    pb_puts(b, "<section id=\"floors\">\n<h2>Host floors</h2>\n<p>What this host's cheapest "
               "round trips cost, measured by <code>cfbench run</code> before the sweep "
               "(medians; <code>host.floors</code>): read absolute figures against "
               "them.</p>\n<table><tr><th class=l>file</th>");
    for (int k = 0; k < FLOOR_N; k++)
        pb_printf(b, "<th>%s</th>", floor_label[k]);
    pb_puts(b, "<th class=l>measured</th></tr>\n");
    for (size_t i = 0; i < m->nsrc; i++) {
        const json_t *f = source_floors(&m->src[i]);
        if (!f) continue;
        pb_puts(b, "<tr class=floor><td class=l>");
        pb_html(b, m->src[i].path);
        pb_puts(b, "</td>");
        for (int k = 0; k < FLOOR_N; k++)
            td_secs(b, floor_median(f, k));
        const char *when = json_string_value(json_object_get(f, "measured"));
        pb_puts(b, "<td class=l>");
        pb_html(b, when ? when : "");
        pb_puts(b, json_is_true(json_object_get(f, "cached")) ? " (cached)" : "");
        pb_puts(b, "</td></tr>\n");
    }
    pb_puts(b, "</table>\n");
    /* the executor overheads against them */
    pbuf rows = {0}, sent = {0};
    static const char *const modes[2] = {"thread", "process"};
    static const int match[2] = {FLOOR_FUTEX, FLOOR_PIPE};
    static const char *const pool[2] = {"thread-pool", "process-pool"};
    for (size_t k = 0; k < m->nseries; k++) {
        const plot_series *s = &m->series[k];
        const json_t *f = source_floors(&m->src[s->source]);
        if (!f) continue;
        for (int q = 0; q < 2; q++) {
            double fl = floor_median(f, match[q]);
            const plot_case *c = isfinite(fl) ? overhead_case(m, s, modes[q], fl) : NULL;
            if (!c) continue;
            double per = c->med / c->tasks, ratio = per / fl;
            pb_puts(&rows, "<tr class=overhead><td class=\"l wrap\">");
            pb_html(&rows, s->label);
            pb_printf(&rows, "</td><td class=l>%s</td>", modes[q]);
            td_secs(&rows, per);
            pb_printf(&rows, "<td class=l>%s</td>", floor_label[match[q]]);
            td_secs(&rows, fl);
            pb_printf(&rows, "<td>%.2f×</td></tr>\n", ratio);
            pb_printf(&sent, "<li>A %s task (", pool[q]);
            pb_html(&sent, c->workload);
            pb_puts(&sent, ", 1 worker, ");
            pb_html(&sent, s->brief);
            pb_printf(&sent, ") costs %.2f× this host's %s.</li>\n", ratio, floor_label[match[q]]);
        }
    }
    if (rows.len) {
        pb_puts(b, "<h3>Executor overheads against the floors</h3>\n<ul>\n");
        pb_put(b, sent.s, sent.len);
        pb_puts(b, "</ul>\n<table><tr><th class=l>series</th><th class=l>mode</th>"
                   "<th>overhead per task</th><th class=l>floor</th><th>floor median</th>"
                   "<th>× floor</th></tr>\n");
        pb_put(b, rows.s, rows.len);
        pb_puts(b, "</table>\n<p class=muted>Overhead per task: the median wall time over "
                   "the task count at 1 worker of the workload with the cheapest tasks (submit, "
                   "run and collect an empty task, the pool's start-up spread over the tasks; many "
                   "tasks are in flight at once, so it can be below one round trip); a thread "
                   "pool is read against the futex wake-up round trip, a process pool against "
                   "the pipe round trip.</p>\n");
    } else if (with) {
        pb_puts(b, "<p class=muted>No case of empty tasks at 1 worker in thread or "
                   "process mode: no executor overhead to set against the floors "
                   "(<code>cfbench run -w noop -m thread,process -j 1</code>).</p>\n");
    }
    if (rows.oom || sent.oom) b->oom = 1;
    pb_free(&rows);
    pb_free(&sent);
    pb_puts(b, "</section>\n");
}

int plot_report_write(const plot_model *m, const plot_plan *p, const char *out_dir,
                      const char *note, char *err, size_t errlen) {
    pbuf b = {0};
    pb_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                "<title>cfbench report</title>\n<style>");
    pb_puts(&b, CSS);
    pb_puts(&b, FINDINGS_CSS);
    pb_puts(&b, "</style></head><body>\n<h1>cfbench report</h1>\n");
    time_t now = time(NULL);
    struct tm tm;
    char when[64];
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
    pb_printf(&b,
              "<p class=muted>Made by <code>cfbench plot</code> on %s from %zu results "
              "file%s; charts drawn by gnuplot from <code>data/</code> "
              "(<code>data/replot.sh</code> redraws them).</p>\n",
              when, m->nsrc, m->nsrc == 1 ? "" : "s");
    findings_section(&b, m, note);
    key_charts(&b, m, p, out_dir);

    /* sources */
    pb_puts(&b, "<h2>Sources</h2>\n<table><tr><th class=l>series</th><th class=l>file</th>"
                "<th class=l>host</th><th>CPUs</th><th class=l>CPU model</th>"
                "<th class=l>commit</th><th class=l>created</th><th>cases</th></tr>\n");
    for (size_t k = 0; k < m->nseries; k++) {
        const plot_series *s = &m->series[k];
        const plot_source *src = &m->src[s->source];
        pb_printf(&b, "<tr><td class=\"l wrap\"><a href=\"#s%zu\">", k); /* labels can be long */
        pb_html(&b, s->label);
        pb_puts(&b, "</a></td><td class=l>");
        pb_html(&b, src->path);
        pb_puts(&b, "</td><td class=l>");
        pb_html(&b, src->hostname);
        pb_printf(&b, "</td><td>%d</td><td class=l>", src->cpus);
        pb_html(&b, src->cpu_model);
        pb_puts(&b, "</td><td class=l>");
        pb_html(&b, src->commit);
        pb_puts(&b, "</td><td class=l>");
        pb_html(&b, src->created);
        pb_printf(&b, "</td><td>%zu</td></tr>\n", s->ncases);
    }
    pb_puts(&b, "</table>\n");
    floors_section(&b, m); /* issue 15: in the details, after the sources */
    if (m->nseries > 1 && count_jobs(p, -1, NULL, "compare"))
        pb_puts(&b, "<p><a href=\"#compare\">Side by side comparison</a></p>\n");

    for (size_t k = 0; k < m->nseries; k++) {
        const plot_series *s = &m->series[k];
        pb_printf(&b, "<h2 id=\"s%zu\">", k);
        pb_html(&b, s->label);
        pb_puts(&b, " <span class=muted>— ");
        pb_html(&b, base_name(m->src[s->source].path));
        pb_puts(&b, "</span></h2>\n");
        figures(&b, p, out_dir, (int)k, NULL, "best");
        const char **wls;
        int nw = plot_series_workloads(m, s, &wls);
        if (nw < 0) {
            pb_free(&b);
            snprintf(err, errlen, "out of memory");
            return CFB_PLOT_ENOMEM;
        }
        for (int w = 0; w < nw; w++) {
            pb_puts(&b, "<h3>");
            pb_html(&b, wls[w]);
            pb_puts(&b, "</h3>\n");
            case_table(&b, m, s, wls[w]);
            figures(&b, p, out_dir, (int)k, wls[w], "wall");
            figures(&b, p, out_dir, (int)k, wls[w], "speedup");
            figures(&b, p, out_dir, (int)k, wls[w], "scan");
            figures(&b, p, out_dir, (int)k, wls[w], "latency");
            int nt = count_jobs(p, (int)k, wls[w], "timeline");
            if (nt) {
                pb_printf(&b, "<details open><summary>Task timelines (%d)</summary>\n", nt);
                figures(&b, p, out_dir, (int)k, wls[w], "timeline");
                pb_puts(&b, "</details>\n");
            }
        }
        free(wls);
    }
    if (count_jobs(p, -1, NULL, "compare")) {
        pb_puts(&b, "<h2 id=\"compare\">Side by side</h2>\n<p>The same cases from each "
                    "source; the label over a bar is its median wall time divided by the "
                    "first source's.</p>\n");
        figures(&b, p, out_dir, -1, NULL, "compare");
    }
    pb_puts(&b, "</body></html>\n");
    char path[1300];
    snprintf(path, sizeof path, "%s/report.html", out_dir);
    int rc = plot_write_buf(path, &b, err, errlen);
    pb_free(&b);
    return rc;
}
