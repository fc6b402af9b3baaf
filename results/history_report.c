/* history_report.c — the JSON report and the text / markdown renderings of
 * a cfb_history (see history.h and docs/cli-history.md). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "history.h"

static json_t *num(double v) {
    return isfinite(v) ? json_real(v) : json_null();
}

/* The status of a series: "regression" (its last change is a recent
 * regression), "changed", "stable", or "short" (too few points to detect
 * anything). Static string. */
static const char *series_status(const cfb_history *h, const cfb_history_series *s) {
    if (s->regressed) return "regression";
    if (s->nchanges) return "changed";
    if (s->npoints < h->opts.cpd.min_size + 1) return "short";
    return "stable";
}

static json_t *change_json(const cfb_history *h, const cfb_history_series *s, const cfb_change *c) {
    const cfb_history_source *src = &h->sources[s->points[c->index].source];
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:b}", "index",
                     (json_int_t)c->index, "source", (json_int_t)s->points[c->index].source, "path",
                     src->path, "commit", src->commit, "created", src->created, "before",
                     num(c->before), "after", num(c->after), "ratio", num(c->ratio), "p_value",
                     num(c->p), "direction", c->regression ? "regression" : "improvement",
                     "detector", c->newest ? "newest" : "e-divisive", "recent", c->recent);
}

/* A series' params as the report's object (a new reference, or NULL). */
static json_t *params_json(const cfb_history_series *s) {
    json_t *o = json_object();
    for (size_t i = 0; o && i < s->nparams; i++) {
        const cfb_history_param *p = &s->params[i];
        if (json_object_set_new(o, p->key, p->value ? json_string(p->value) : json_null())) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

json_t *cfb_history_report(const cfb_history *h) {
    const cfb_cpd_opts *d = &h->opts.cpd;
    json_t *rep = json_object(), *srcs = json_array(), *cases = json_array();
    if (!rep || !srcs || !cases) goto oom;
    json_object_set_new(rep, "schema", json_string("cfbench-history"));
    json_object_set_new(rep, "schema_version", json_integer(1));
    json_object_set_new(rep, "metric", json_string(cfb_metric_name(h->metric)));
    json_object_set_new(rep, "unit", json_string(cfb_metric_unit(h->metric)));
    json_object_set_new(rep, "higher_is_better", json_boolean(d->higher_is_better));
    json_object_set_new(rep, "detector",
                        json_pack("{s:s, s:f, s:f, s:I, s:I, s:I, s:I}", "method",
                                  "e-divisive means", "threshold", d->threshold, "alpha", d->alpha,
                                  "permutations", (json_int_t)d->permutations, "min_size",
                                  (json_int_t)d->min_size, "recent", (json_int_t)d->recent, "seed",
                                  (json_int_t)d->seed));
    json_object_set_new(rep, "order",
                        json_string(h->opts.order == CFB_HISTORY_BY_NAME ? "name" : "time"));
    for (size_t i = 0; i < h->nsources; i++) {
        const cfb_history_source *s = &h->sources[i];
        if (json_array_append_new(srcs, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "index",
                                                  (json_int_t)i, "path", s->path, "created",
                                                  s->created, "commit", s->commit, "hostname",
                                                  s->hostname, "cpu_model", s->cpu_model)))
            goto oom;
    }
    json_object_set_new(rep, "sources", srcs);
    srcs = NULL;
    size_t nchanges = 0, nreg = 0, nimp = 0, nrecent = 0;
    for (size_t i = 0; i < h->nseries; i++) {
        const cfb_history_series *s = &h->series[i];
        json_t *pts = json_array(), *chs = json_array();
        json_t *row = json_pack("{s:s, s:s, s:s, s:I, s:s, s:o, s:s, s:o, s:o}", "id", s->id,
                                "workload", s->workload, "mode", s->mode, "workers",
                                (json_int_t)s->workers, "impl", s->impl, "params", params_json(s),
                                "status", series_status(h, s), "points", pts, "changes", chs);
        if (!row || json_array_append_new(cases, row)) goto oom;
        for (size_t k = 0; k < s->npoints; k++) {
            const cfb_history_point *p = &s->points[k];
            if (json_array_append_new(
                    pts, json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o}", "source",
                                   (json_int_t)p->source, "median", num(p->median), "n",
                                   (json_int_t)p->n, "min", num(p->min), "max", num(p->max), "mad",
                                   num(p->mad), "segment_median", num(p->seg_median))))
                goto oom;
        }
        for (size_t k = 0; k < s->nchanges; k++) {
            if (json_array_append_new(chs, change_json(h, s, &s->changes[k]))) goto oom;
            nchanges++;
            if (s->changes[k].regression)
                nreg++;
            else
                nimp++;
        }
        nrecent += (size_t)s->regressed;
    }
    json_object_set_new(rep, "cases", cases);
    cases = NULL;
    json_object_set_new(rep, "notes", json_deep_copy(h->notes));
    json_object_set_new(rep, "summary",
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "cases", (json_int_t)h->nseries,
                                  "files", (json_int_t)h->nsources, "changes", (json_int_t)nchanges,
                                  "regressions", (json_int_t)nreg, "improvements", (json_int_t)nimp,
                                  "recent_regressions", (json_int_t)nrecent));
    return rep;
oom:
    json_decref(rep);
    json_decref(srcs);
    json_decref(cases);
    return NULL;
}

/* ---- text and markdown ---------------------------------------------------------- */

static void fmt_pct(char *buf, size_t len, double ratio) {
    if (isfinite(ratio))
        snprintf(buf, len, "%+.1f%%", (ratio - 1.0) * 100.0);
    else
        snprintf(buf, len, "-");
}

static void fmt_val(char *buf, size_t len, double v) {
    if (isfinite(v))
        snprintf(buf, len, "%.4g", v);
    else
        snprintf(buf, len, "-");
}

/* "2026-11-22T10:00:00Z" → "2026-11-22 10:00"; others unchanged. */
static void fmt_when(char *buf, size_t len, const char *created) {
    if (strlen(created) >= 16 && created[10] == 'T')
        snprintf(buf, len, "%.10s %.5s", created, created + 11);
    else
        snprintf(buf, len, "%s", *created ? created : "-");
}

static void header(const cfb_history *h, FILE *out, int md) {
    const cfb_cpd_opts *d = &h->opts.cpd;
    const char *unit = cfb_metric_unit(h->metric);
    const cfb_history_source *a = &h->sources[0], *b = &h->sources[h->nsources - 1];
    char wa[32], wb[32];
    fmt_when(wa, sizeof wa, a->created);
    fmt_when(wb, sizeof wb, b->created);
    fprintf(out,
            "%smetric %s%s%s%s (%s is better); %zu results files by %s, %s (%s) … %s (%s)\n%s"
            "change points: E-divisive means, alpha %g, %zu permutations, seed %llu, "
            "segments >= %zu points, threshold %g%%; recent = the newest %zu points\n",
            md ? "" : "cfbench history: ", cfb_metric_name(h->metric), *unit ? " [" : "", unit,
            *unit ? "]" : "", d->higher_is_better ? "higher" : "lower", h->nsources,
            h->opts.order == CFB_HISTORY_BY_NAME ? "file name" : "run time", wa,
            *a->commit ? a->commit : "?", wb, *b->commit ? b->commit : "?", md ? "\n" : "",
            d->alpha, d->permutations, (unsigned long long)d->seed, d->min_size,
            d->threshold * 100.0, d->recent);
}

static void status_cell(const cfb_history_series *s, const char *st, char *buf, size_t len,
                        int md) {
    if (!s->nchanges) {
        snprintf(buf, len, "%s", st);
        return;
    }
    const cfb_change *c = &s->changes[s->nchanges - 1];
    char pct[32];
    fmt_pct(pct, sizeof pct, c->ratio);
    const char *b = md && s->regressed ? "**" : "";
    snprintf(buf, len, "%s%s%s (last: %s %s at point %zu%s)", b, s->regressed ? "REGRESSION" : st,
             b, c->regression ? "regression" : "improvement", pct, c->index + 1,
             c->recent ? ", recent" : "");
}

static void changes_list(const cfb_history *h, FILE *out, int md) {
    size_t total = 0;
    for (size_t i = 0; i < h->nseries; i++)
        total += h->series[i].nchanges;
    if (!total) {
        fprintf(out, md ? "\nNo change points.\n" : "\nno change points\n");
        return;
    }
    if (md)
        fprintf(out,
                "\n#### Change points\n\n| case | point | file | commit | run | before | after "
                "| change | p | found by |\n| --- | ---: | --- | --- | --- | ---: | ---: | "
                "---: | ---: | --- |\n");
    else
        fprintf(out, "\nchange points (point = index in the case's series, 1 = oldest):\n");
    for (int pass = 0; pass < 2; pass++) /* regressions first, then improvements */
        for (size_t i = 0; i < h->nseries; i++) {
            const cfb_history_series *s = &h->series[i];
            for (size_t k = 0; k < s->nchanges; k++) {
                const cfb_change *c = &s->changes[k];
                if (c->regression != !pass) continue;
                const cfb_history_source *src = &h->sources[s->points[c->index].source];
                const char *base = strrchr(src->path, '/');
                base = base ? base + 1 : src->path;
                char pct[32], bv[32], av[32], when[32], p[32];
                fmt_pct(pct, sizeof pct, c->ratio);
                fmt_val(bv, sizeof bv, c->before);
                fmt_val(av, sizeof av, c->after);
                fmt_when(when, sizeof when, src->created);
                snprintf(p, sizeof p, "%.3g", c->p);
                const char *what = c->regression
                                       ? (c->recent ? "REGRESSION (recent)" : "regression")
                                       : "improvement";
                if (md)
                    fprintf(out,
                            "| `%s` | %zu | `%s` | `%s` | %s | %s | %s | %s%s%s %s | %s | %s |\n",
                            s->id, c->index + 1, base, *src->commit ? src->commit : "?", when, bv,
                            av, c->regression ? "**" : "", pct, c->regression ? "**" : "", what, p,
                            c->newest ? "newest points" : "e-divisive");
                else
                    fprintf(out,
                            "  %-28s point %3zu  %s (commit %s, %s)  %s -> %s  %s  %s  p=%s%s\n",
                            s->id, c->index + 1, base, *src->commit ? src->commit : "?", when, bv,
                            av, pct, what, p, c->newest ? "  [newest points]" : "");
            }
        }
}

static void summary(const cfb_history *h, FILE *out, int md) {
    size_t nreg = 0, nimp = 0;
    for (size_t i = 0; i < h->nseries; i++)
        for (size_t k = 0; k < h->series[i].nchanges; k++) {
            if (h->series[i].changes[k].regression)
                nreg++;
            else
                nimp++;
        }
    size_t recent = cfb_history_regressed(h);
    fprintf(out,
            "\n%s%zu cases over %zu files: %zu change point%s (%zu regression%s, %zu "
            "improvement%s); %zu case%s with a recent regression\n",
            md ? "**Summary:** " : "summary: ", h->nseries, h->nsources, nreg + nimp,
            nreg + nimp == 1 ? "" : "s", nreg, nreg == 1 ? "" : "s", nimp, nimp == 1 ? "" : "s",
            recent, recent == 1 ? "" : "s");
    size_t i;
    json_t *n;
    json_array_foreach(h->notes, i, n) {
        fprintf(out, "%snote: %s\n", md ? "- " : "", json_string_value(n));
    }
}

int cfb_history_render_text(const cfb_history *h, FILE *out) {
    header(h, out, 0);
    size_t idw = 16;
    for (size_t i = 0; i < h->nseries; i++)
        if (strlen(h->series[i].id) > idw) idw = strlen(h->series[i].id);
    fprintf(out, "\n%-*s  %6s  %11s  %11s  %7s  %s\n", (int)idw, "case", "points", "first median",
            "last median", "changes", "status");
    for (size_t i = 0; i < h->nseries; i++) {
        const cfb_history_series *s = &h->series[i];
        char first[32], last[32], st[160];
        fmt_val(first, sizeof first, s->points[0].median);
        fmt_val(last, sizeof last, s->points[s->npoints - 1].median);
        status_cell(s, series_status(h, s), st, sizeof st, 0);
        fprintf(out, "%-*s  %6zu  %11s  %11s  %7zu  %s\n", (int)idw, s->id, s->npoints, first, last,
                s->nchanges, st);
    }
    changes_list(h, out, 0);
    summary(h, out, 0);
    return ferror(out) ? -1 : 0;
}

int cfb_history_render_markdown(const cfb_history *h, FILE *out) {
    fprintf(out, "### cfbench history\n\n");
    header(h, out, 1);
    fprintf(out, "\n| case | points | first median | last median | changes | status |\n"
                 "| --- | ---: | ---: | ---: | ---: | --- |\n");
    for (size_t i = 0; i < h->nseries; i++) {
        const cfb_history_series *s = &h->series[i];
        char first[32], last[32], st[160];
        fmt_val(first, sizeof first, s->points[0].median);
        fmt_val(last, sizeof last, s->points[s->npoints - 1].median);
        status_cell(s, series_status(h, s), st, sizeof st, 1);
        fprintf(out, "| `%s` | %zu | %s | %s | %zu | %s |\n", s->id, s->npoints, first, last,
                s->nchanges, st);
    }
    changes_list(h, out, 1);
    summary(h, out, 1);
    return ferror(out) ? -1 : 0;
}
