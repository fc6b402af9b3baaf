/*
 * plot_model.c — results documents → sources, cases and series for charting.
 *
 * Each file is read into the results model (cfb_results_read: the schema's
 * checks and messages) and every field through its accessors; the seq
 * reference of a case is the model's (cfb_results_seq_of). Only a case's
 * timeline, a section the model keeps as JSON, is read as JSON.
 *
 * Nothing here names a workload: what bounds one (CPU or I/O) is what the
 * results record (case.bound, config.ladders.<wl>.bound), else what their
 * CPU and wall times say (settle_bounds); a scanned case carries its value
 * set (case.scan) as the label "key=value key=value".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plot_internal.h"

int plot_mode_rank(const char *mode) {
    static const char *const order[] = {"seq", "thread", "process", "async", "hybrid", "mpi"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(mode, order[i])) return i;
    return 6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..k) (sorted here); NAN when k is 0. */
static double median_of(double *v, size_t k) {
    if (!k) return NAN;
    qsort(v, k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
}

/* Medians of the finite p50/p90/p99/max of the repetitions' latency_s
 * (cfb_repetition_latency) into lat[]; NAN where none. */
static void rep_latency_medians(const cfb_rcase *rc, double lat[PLOT_LAT_N]) {
    size_t n = cfb_rcase_nreps(rc), k[PLOT_LAT_N] = {0};
    for (int i = 0; i < PLOT_LAT_N; i++)
        lat[i] = NAN;
    if (!n) return;
    double *v = malloc(PLOT_LAT_N * n * sizeof *v);
    if (!v) return;
    for (size_t r = 0; r < n; r++) {
        cfb_latency l;
        if (!cfb_repetition_latency(cfb_rcase_rep(rc, r), &l)) continue;
        const double x[PLOT_LAT_N] = {l.p50, l.p90, l.p99, l.max};
        for (int i = 0; i < PLOT_LAT_N; i++)
            if (isfinite(x[i])) v[i * n + k[i]++] = x[i];
    }
    for (int i = 0; i < PLOT_LAT_N; i++)
        lat[i] = median_of(v + i * n, k[i]);
    free(v);
}

/* "io", "I/O", "io-bound", "I/O-bound" → IO; "cpu", "CPU-bound" → CPU; else 0. */
static int parse_bound(const char *s) {
    if (!s) return PLOT_BOUND_UNKNOWN;
    if (!strncasecmp(s, "io", 2) || !strncasecmp(s, "i/o", 3)) return PLOT_BOUND_IO;
    if (!strncasecmp(s, "cpu", 3)) return PLOT_BOUND_CPU;
    return PLOT_BOUND_UNKNOWN;
}

int plot_case_bound(const cfb_results *doc, const cfb_rcase *c) {
    int b = parse_bound(cfb_rcase_bound(c));
    if (!b) b = parse_bound(json_string_value(cfb_rcase_extension(c, "kind")));
    if (b) return b;
    return parse_bound(cfb_results_ladder_bound(doc, cfb_rcase_workload(c)));
}

/* Files written before the bound was recorded: a workload's bound from its
 * numbers. Its seq cases (else, when it has none, its 1-worker cases) of the
 * same file: the median CPU time over the median wall time, at least 0.5 →
 * CPU-bound (the task computes), below → I/O-bound (it mostly waits: a
 * sleep, a download). Cases without cpu_s stay unknown. Every unknown case
 * of the workload in that file gets the answer. */
static void settle_bounds(plot_model *m) {
    for (size_t i = 0; i < m->ncases; i++) {
        plot_case *c = &m->cases[i];
        if (c->bound != PLOT_BOUND_UNKNOWN) continue;
        double cpu = 0, wall = 0;
        for (int pass = 0; pass < 2 && !(wall > 0); pass++)
            for (size_t k = 0; k < m->ncases; k++) {
                const plot_case *q = &m->cases[k];
                if (q->source != c->source || strcmp(q->workload, c->workload) ||
                    !isfinite(q->cpu_med) || !(q->med > 0))
                    continue;
                if (pass == 0 ? strcmp(q->mode, "seq") : q->workers != 1) continue;
                cpu += q->cpu_med;
                wall += q->med;
            }
        /* -1: cannot tell (each workload is looked at once) */
        int b = !(wall > 0) ? -1 : cpu / wall >= 0.5 ? PLOT_BOUND_CPU : PLOT_BOUND_IO;
        for (size_t k = i; k < m->ncases; k++)
            if (m->cases[k].source == c->source && m->cases[k].bound == PLOT_BOUND_UNKNOWN &&
                !strcmp(m->cases[k].workload, c->workload))
                m->cases[k].bound = b;
    }
    for (size_t i = 0; i < m->ncases; i++)
        if (m->cases[i].bound < 0) m->cases[i].bound = PLOT_BOUND_UNKNOWN;
}

const char *plot_bound_name(int bound) {
    return bound == PLOT_BOUND_IO ? "I/O-bound" : bound == PLOT_BOUND_CPU ? "CPU-bound" : "";
}

/* The median of statistic w of rc and its 95% CI, else [min, max], the
 * bounds clamped to the median (lo <= med <= hi): false when rc has no
 * such statistic or its median is not a number (all three NAN then). */
static bool stat_bar(const cfb_rcase *rc, cfb_stat_which w, double *med, double *lo, double *hi) {
    cfb_stat_summary s;
    *med = *lo = *hi = NAN;
    if (!cfb_rcase_stat(rc, w, &s) || !isfinite(s.st.median)) return false;
    *med = s.st.median;
    if (isfinite(s.st.ci_lo) && isfinite(s.st.ci_hi)) {
        *lo = s.st.ci_lo;
        *hi = s.st.ci_hi;
    } else { /* "ci95": null (n = 1) or absent: the bar spans [min, max] */
        *lo = s.st.min;
        *hi = s.st.max;
    }
    if (!isfinite(*lo) || *lo > *med) *lo = *med;
    if (!isfinite(*hi) || *hi < *med) *hi = *med;
    return true;
}

/* Fill c from case rc of doc (cfb_results_read() checked the schema's
 * required fields); 0 or -1 with err naming what plots need and is missing. */
static int load_case(plot_case *c, const cfb_results *doc, const cfb_rcase *rc, const char *path,
                     size_t idx, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    const char *id = cfb_rcase_id(rc);
    char where[256];
    snprintf(where, sizeof where, "%s: case %zu%s%s%s", path, idx, id ? " (" : "", id ? id : "",
             id ? ")" : "");
    const char *const strs[] = {"id", "workload", "mode"};
    const char *const vals[] = {id, cfb_rcase_workload(rc), cfb_rcase_mode(rc)};
    for (int i = 0; i < 3; i++)
        if (!vals[i]) {
            snprintf(err, errlen, "%s: missing field '%s' (a string)", where, strs[i]);
            return -1;
        }
    if (cfb_rcase_workers(rc) < 1) {
        snprintf(err, errlen, "%s: missing field 'workers' (an integer >= 1)", where);
        return -1;
    }
    c->rc = rc;
    c->id = id;
    c->workload = vals[1];
    c->mode = vals[2];
    c->impl = cfb_rcase_impl(rc);
    c->workers = cfb_rcase_workers(rc);
    c->tasks = (int)cfb_rcase_tasks(rc);
    c->error = cfb_rcase_error(rc);
    c->bound = plot_case_bound(doc, rc);
    size_t sl = 0; /* "key=value key=value" of case.scan, in its order */
    for (size_t i = 0; i < cfb_rcase_nscan(rc); i++) {
        const char *sv = cfb_rcase_scan_value(rc, i);
        if (!sv || sl >= sizeof c->scan) continue;
        int nw = snprintf(c->scan + sl, sizeof c->scan - sl, "%s%s=%s", sl ? " " : "",
                          cfb_rcase_scan_key(rc, i), sv);
        if (nw > 0) sl += (size_t)nw;
    }
    c->nreps = (int)cfb_rcase_nreps(rc);
    c->cpu_med = c->tps_med = c->speedup = c->efficiency = c->seq_med = NAN;
    for (int i = 0; i < PLOT_LAT_N; i++)
        c->lat[i] = NAN;
    int have_wall = stat_bar(rc, CFB_STAT_WALL, &c->med, &c->lo, &c->hi);
    if (c->error && !have_wall) return 0; /* a failed case: listed in the report, not charted */
    if (!have_wall) {
        snprintf(err, errlen, "%s: missing field 'summary.wall_s.median' (a number)", where);
        return -1;
    }
    c->cpu_med = cfb_rcase_stat_median(rc, CFB_STAT_CPU);
    c->tps_med = cfb_rcase_stat_median(rc, CFB_STAT_THROUGHPUT);
    c->speedup = cfb_rcase_sum_value(rc, CFB_SUM_SPEEDUP);
    c->efficiency = cfb_rcase_sum_value(rc, CFB_SUM_EFFICIENCY);
    rep_latency_medians(rc, c->lat);
    c->metric_name = cfb_rcase_metric_name(rc);
    c->metric_med = c->metric_lo = c->metric_hi = NAN;
    if (c->metric_name) stat_bar(rc, CFB_STAT_METRIC, &c->metric_med, &c->metric_lo, &c->metric_hi);
    if (!isfinite(c->metric_med)) c->metric_name = NULL;
    const json_t *tl = cfb_rcase_timeline(rc);
    if (json_is_object(tl)) {
        if (!json_is_array(json_object_get(tl, "tasks"))) {
            snprintf(err, errlen, "%s: timeline without a 'tasks' array", where);
            return -1;
        }
        c->timeline = tl;
    }
    return 0;
}

/* The seq reference of every case (the model's one definition,
 * cfb_results_seq_of, for a whole document at once: cfb_results_seq_refs):
 * its median wall time. The cases of m are the documents' in order. 0 or
 * -1 (out of memory). */
static int settle_seq(plot_model *m) {
    size_t k = 0;
    for (size_t si = 0; si < m->nsrc; si++) {
        const cfb_results *d = m->src[si].doc;
        size_t n = cfb_results_ncases(d);
        const cfb_rcase **refs = malloc((n + 1) * sizeof *refs);
        if (!refs || cfb_results_seq_refs(d, refs)) {
            free(refs);
            return -1;
        }
        for (size_t j = 0; j < n && k < m->ncases; j++, k++)
            m->cases[k].seq_med = refs[j] ? cfb_rcase_median_wall(refs[j]) : NAN;
        free(refs);
    }
    return 0;
}

static int load_source(plot_source *s, const char *path, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->path = path;
    if (cfb_results_read(path, &s->doc, err, errlen) || !s->doc) {
        if (!err[0]) snprintf(err, errlen, "%s: cannot load results", path);
        cfb_results_free(s->doc);
        s->doc = NULL;
        return -1;
    }
    const cfb_results *d = s->doc;
    /* host and created only label the charts: tolerated when absent */
    const char *v;
    s->created = (v = cfb_results_created(d)) ? v : "unknown date";
    s->hostname = (v = cfb_results_hostname(d)) ? v : "unknown host";
    s->cpu_model = (v = cfb_results_cpu_model(d)) ? v : "";
    int cpus = cfb_results_cpus(d);
    s->cpus = cpus > 0 ? cpus : 0;
    s->commit = (v = cfb_results_tool_commit(d)) ? v : "unknown";
    s->complete = cfb_results_complete(d);
    s->interrupted = cfb_results_interrupted(d);
    return 0;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static int build_series(plot_model *m) {
    for (size_t i = 0; i < m->ncases; i++) {
        plot_case *c = &m->cases[i];
        size_t k = 0;
        for (; k < m->nseries; k++)
            if (m->series[k].source == c->source && !strcmp(m->series[k].impl, c->impl)) break;
        if (k == m->nseries) {
            plot_series *ns = realloc(m->series, (m->nseries + 1) * sizeof *ns);
            if (!ns) return -1;
            m->series = ns;
            memset(&ns[k], 0, sizeof ns[k]);
            ns[k].source = c->source;
            ns[k].impl = c->impl;
            m->nseries++;
        }
        plot_series *s = &m->series[k];
        size_t *nc = realloc(s->cases, (s->ncases + 1) * sizeof *nc);
        if (!nc) return -1;
        s->cases = nc;
        s->cases[s->ncases++] = i;
    }
    /* Labels "impl @commit", with the file name when there are several
     * files (every series says which file it is), and the file's number
     * when that still leaves two alike. */
    for (size_t k = 0; k < m->nseries; k++) {
        plot_series *s = &m->series[k];
        if (m->nsrc > 1)
            snprintf(s->label, sizeof s->label, "%s @%.12s (%.100s)", s->impl,
                     m->src[s->source].commit, base_name(m->src[s->source].path));
        else
            snprintf(s->label, sizeof s->label, "%s @%.12s", s->impl, m->src[s->source].commit);
        snprintf(s->brief, sizeof s->brief, "%.60s", s->impl);
        for (size_t j = 0; j < m->nseries; j++)
            if (j != k && !strcmp(m->series[j].impl, s->impl))
                snprintf(s->brief, sizeof s->brief, "%.60s, file %d", s->impl, s->source + 1);
    }
    /* decide every collision first, then rename: renaming one of a pair
     * must not make the other look unique */
    char *dup = calloc(m->nseries + 1, 1);
    if (!dup) return -1;
    for (size_t k = 0; k < m->nseries; k++)
        for (size_t j = 0; j < m->nseries; j++)
            if (j != k && !strcmp(m->series[k].label, m->series[j].label)) dup[k] = 1;
    for (size_t k = 0; k < m->nseries; k++)
        if (dup[k]) {
            plot_series *s = &m->series[k];
            snprintf(s->label, sizeof s->label, "%s @%.12s (%.100s #%d)", s->impl,
                     m->src[s->source].commit, base_name(m->src[s->source].path), s->source + 1);
        }
    free(dup);
    for (size_t k = 0; k < m->nseries; k++) {
        plot_series *s = &m->series[k];
        if (m->nseries == 1) {
            s->slug[0] = '\0';
            continue;
        }
        plot_slug(s->slug, sizeof s->slug, s->impl);
        for (size_t j = 0; j < m->nseries; j++)
            if (j != k && !strcmp(m->series[j].impl, s->impl) && m->nsrc > 1) {
                size_t l = strlen(s->slug);
                snprintf(s->slug + l, sizeof s->slug - l, "-%d", s->source + 1);
                break;
            }
    }
    return 0;
}

int plot_model_load(plot_model *m, const char *const *paths, size_t npaths, char *err,
                    size_t errlen) {
    memset(m, 0, sizeof *m);
    if (err && errlen) err[0] = '\0';
    if (!npaths) {
        snprintf(err, errlen, "no results file given");
        return CFB_PLOT_EINPUT;
    }
    m->src = calloc(npaths, sizeof *m->src);
    if (!m->src) goto nomem;
    for (size_t i = 0; i < npaths; i++) {
        m->nsrc = i + 1;
        if (load_source(&m->src[i], paths[i], err, errlen)) goto bad;
        const cfb_results *doc = m->src[i].doc;
        size_t n = cfb_results_ncases(doc);
        plot_case *nc = realloc(m->cases, (m->ncases + n + 1) * sizeof *nc);
        if (!nc) goto nomem;
        m->cases = nc;
        for (size_t j = 0; j < n; j++) {
            if (load_case(&m->cases[m->ncases], doc, cfb_results_case(doc, j), paths[i], j, err,
                          errlen))
                goto bad;
            m->cases[m->ncases++].source = (int)i;
        }
    }
    if (!m->ncases) {
        snprintf(err, errlen, "%s: no cases to plot", paths[0]);
        goto bad;
    }
    settle_bounds(m);
    if (settle_seq(m) || build_series(m)) goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    plot_model_free(m);
    return CFB_PLOT_ENOMEM;
bad:
    plot_model_free(m);
    return CFB_PLOT_EINPUT;
}

void plot_model_free(plot_model *m) {
    for (size_t i = 0; i < m->nsrc; i++)
        cfb_results_free(m->src[i].doc);
    for (size_t k = 0; k < m->nseries; k++)
        free(m->series[k].cases);
    free(m->src);
    free(m->cases);
    free(m->series);
    memset(m, 0, sizeof *m);
}

int plot_series_workloads(const plot_model *m, const plot_series *s, const char ***out) {
    const char **w = malloc((s->ncases + 1) * sizeof *w);
    if (!w) return -1;
    int n = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const char *wl = m->cases[s->cases[i]].workload;
        int seen = 0;
        for (int j = 0; j < n && !seen; j++)
            seen = !strcmp(w[j], wl);
        if (!seen) w[n++] = wl;
    }
    *out = w;
    return n;
}

const char *plot_case_param(const plot_case *c, const char *key) {
    return cfb_rcase_param(c->rc, key);
}

const char *plot_case_scan(const plot_case *c, const char *key) {
    for (size_t i = 0; key && i < cfb_rcase_nscan(c->rc); i++)
        if (!strcmp(cfb_rcase_scan_key(c->rc, i), key)) return cfb_rcase_scan_value(c->rc, i);
    return NULL;
}

int plot_workload_scan_keys(const plot_model *m, const plot_series *s, const char *wl,
                            const char ***out) {
    size_t cap = 8, n = 0;
    const char **k = malloc(cap * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *c = &m->cases[s->cases[i]];
        if (!c->scan[0] || strcmp(c->workload, wl)) continue;
        for (size_t ki = 0; ki < cfb_rcase_nscan(c->rc); ki++) {
            const char *key = cfb_rcase_scan_key(c->rc, ki);
            int seen = 0;
            for (size_t j = 0; j < n && !seen; j++)
                seen = !strcmp(k[j], key);
            if (seen) continue;
            if (n == cap) {
                const char **nk = realloc(k, 2 * cap * sizeof *nk);
                if (!nk) {
                    free(k);
                    return -1;
                }
                k = nk;
                cap *= 2;
            }
            k[n++] = key;
        }
    }
    *out = k;
    return (int)n;
}

int plot_x_matches(const char *x_key, const char *wl, const char *key) {
    size_t wn = strlen(wl);
    return !strcmp(x_key, key) ||
           (!strncmp(x_key, wl, wn) && x_key[wn] == '.' && !strcmp(x_key + wn + 1, key));
}

int plot_x_check(const plot_model *m, const char *x_key, char *err, size_t errlen) {
    if (!x_key || !strcmp(x_key, "workers")) return 0;
    /* scanned somewhere? and the scanned keys, for the message */
    pbuf keys = {0};
    const char *value = NULL;
    int scanned = 0, values = 0;
    for (size_t i = 0; i < m->ncases; i++) {
        const plot_case *c = &m->cases[i];
        for (size_t ki = 0; ki < cfb_rcase_nscan(c->rc); ki++) {
            const char *k = cfb_rcase_scan_key(c->rc, ki);
            if (plot_x_matches(x_key, c->workload, k)) scanned = 1;
            char full[200];
            snprintf(full, sizeof full, "%s.%s", c->workload, k);
            char padded[1100];
            snprintf(padded, sizeof padded, ", %s, ", keys.s ? keys.s : "");
            char probe[210];
            snprintf(probe, sizeof probe, ", %s, ", full);
            if (!strstr(padded, probe) && keys.len < 800)
                pb_printf(&keys, "%s%s", keys.len ? ", " : "", full);
        }
        for (size_t ki = 0; ki < cfb_rcase_nparams(c->rc); ki++) {
            const char *k = cfb_rcase_param_key(c->rc, ki), *v = cfb_rcase_param_value(c->rc, ki);
            if (!plot_x_matches(x_key, c->workload, k) || !v) continue;
            if (!value || strcmp(value, v)) values++;
            value = v;
        }
    }
    int rc = 0;
    if (scanned) {
        rc = 0;
    } else if (value) {
        snprintf(err, errlen,
                 "--x %s: not scanned, so it has one value (%s%s): scan it (-p %s=A,B,...) or "
                 "pick a scanned key%s%s, or --x workers",
                 x_key, values > 1 ? "e.g. " : "", value, x_key, keys.s ? ": " : " (none here)",
                 keys.s ? keys.s : "");
        rc = CFB_PLOT_EINPUT;
    } else {
        snprintf(err, errlen,
                 "--x %s: no case has a parameter '%s' (scanned keys%s%s; or --x "
                 "workers)",
                 x_key, x_key, keys.s ? ": " : ": none", keys.s ? keys.s : "");
        rc = CFB_PLOT_EINPUT;
    }
    if (keys.oom) {
        snprintf(err, errlen, "out of memory");
        rc = CFB_PLOT_ENOMEM;
    }
    pb_free(&keys);
    return rc;
}
