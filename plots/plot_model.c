/*
 * plot_model.c — results documents → sources, cases and series for charting.
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
#include "results_io.h"

int plot_mode_rank(const char *mode) {
    static const char *const order[] = {"seq", "thread", "process", "async", "hybrid", "mpi"};
    for (int i = 0; i < 6; i++)
        if (!strcmp(mode, order[i])) return i;
    return 6;
}

static const char *str_or(json_t *o, const char *key, const char *dflt) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

static double num_or_nan(json_t *v) {
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the finite values of repetitions[].latency_s.<key>; NAN if none. */
static double rep_latency_median(json_t *reps, const char *key) {
    size_t n = json_array_size(reps), k = 0;
    if (!n) return NAN;
    double *v = malloc(n * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++) {
        double x =
            num_or_nan(json_object_get(json_object_get(json_array_get(reps, i), "latency_s"), key));
        if (isfinite(x)) v[k++] = x;
    }
    double r = NAN;
    if (k) {
        qsort(v, k, sizeof *v, cmp_double);
        r = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
    }
    free(v);
    return r;
}

/* "io", "I/O", "io-bound", "I/O-bound" → IO; "cpu", "CPU-bound" → CPU; else 0. */
static int parse_bound(const char *s) {
    if (!s) return PLOT_BOUND_UNKNOWN;
    if (!strncasecmp(s, "io", 2) || !strncasecmp(s, "i/o", 3)) return PLOT_BOUND_IO;
    if (!strncasecmp(s, "cpu", 3)) return PLOT_BOUND_CPU;
    return PLOT_BOUND_UNKNOWN;
}

int plot_case_bound(json_t *doc, json_t *jc, const char *workload) {
    static const char *const keys[] = {"bound", "kind"};
    for (int i = 0; i < 2; i++) {
        int b = parse_bound(json_string_value(json_object_get(jc, keys[i])));
        if (b) return b;
    }
    json_t *lw =
        json_object_get(json_object_get(json_object_get(doc, "config"), "ladders"), workload);
    return parse_bound(json_string_value(json_object_get(lw, "bound")));
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

/* Fill c from the case object; 0 or -1 with err naming what is missing. */
static int load_case(plot_case *c, json_t *doc, json_t *jc, const char *path, size_t idx, char *err,
                     size_t errlen) {
    memset(c, 0, sizeof *c);
    const char *id = json_string_value(json_object_get(jc, "id"));
    char where[256];
    snprintf(where, sizeof where, "%s: case %zu%s%s%s", path, idx, id ? " (" : "", id ? id : "",
             id ? ")" : "");
    if (!json_is_object(jc)) {
        snprintf(err, errlen, "%s: not an object", where);
        return -1;
    }
    static const char *const strs[] = {"id", "workload", "mode"};
    for (int i = 0; i < 3; i++)
        if (!json_is_string(json_object_get(jc, strs[i]))) {
            snprintf(err, errlen, "%s: missing field '%s' (a string)", where, strs[i]);
            return -1;
        }
    json_t *w = json_object_get(jc, "workers");
    if (!json_is_integer(w) || json_integer_value(w) < 1) {
        snprintf(err, errlen, "%s: missing field 'workers' (an integer >= 1)", where);
        return -1;
    }
    c->id = id;
    c->workload = str_or(jc, "workload", "");
    c->mode = str_or(jc, "mode", "");
    c->impl = str_or(jc, "impl", "c");
    c->workers = (int)json_integer_value(w);
    json_t *t = json_object_get(jc, "tasks");
    c->tasks = json_is_integer(t) ? (int)json_integer_value(t) : -1;
    c->error = json_string_value(json_object_get(jc, "error"));
    c->bound = plot_case_bound(doc, jc, c->workload);
    c->obj = jc;
    size_t sl = 0; /* "key=value key=value" of case.scan, in its order */
    const char *sk;
    json_t *sv;
    json_object_foreach(json_object_get(jc, "scan"), sk, sv) {
        if (!json_is_string(sv) || sl >= sizeof c->scan) continue;
        int nw = snprintf(c->scan + sl, sizeof c->scan - sl, "%s%s=%s", sl ? " " : "", sk,
                          json_string_value(sv));
        if (nw > 0) sl += (size_t)nw;
    }
    json_t *reps = json_object_get(jc, "repetitions");
    c->nreps = (int)json_array_size(reps);
    c->med = c->lo = c->hi = c->cpu_med = c->tps_med = c->speedup = c->efficiency = NAN;
    for (int i = 0; i < PLOT_LAT_N; i++)
        c->lat[i] = NAN;
    json_t *sum = json_object_get(jc, "summary");
    json_t *wall = json_object_get(sum, "wall_s");
    json_t *med = json_object_get(wall, "median");
    if (c->error && !json_is_number(med))
        return 0; /* a failed case: listed in the report, not charted */
    if (!json_is_array(reps)) {
        snprintf(err, errlen, "%s: missing field 'repetitions' (an array)", where);
        return -1;
    }
    if (!json_is_object(sum) || !json_is_object(wall) || !json_is_number(med)) {
        snprintf(err, errlen, "%s: missing field 'summary.wall_s.median' (a number)", where);
        return -1;
    }
    c->med = json_number_value(med);
    json_t *ci = json_object_get(wall, "ci95");
    if (json_is_array(ci) && json_array_size(ci) == 2 && json_is_number(json_array_get(ci, 0)) &&
        json_is_number(json_array_get(ci, 1))) {
        c->lo = json_number_value(json_array_get(ci, 0));
        c->hi = json_number_value(json_array_get(ci, 1));
    } else { /* "ci95": null (n = 1) or absent: the bar spans [min, max] */
        c->lo = num_or_nan(json_object_get(wall, "min"));
        c->hi = num_or_nan(json_object_get(wall, "max"));
    }
    if (!isfinite(c->lo) || c->lo > c->med) c->lo = c->med;
    if (!isfinite(c->hi) || c->hi < c->med) c->hi = c->med;
    c->cpu_med = num_or_nan(json_object_get(json_object_get(sum, "cpu_s"), "median"));
    c->tps_med = num_or_nan(json_object_get(json_object_get(sum, "throughput_tps"), "median"));
    c->speedup = num_or_nan(json_object_get(sum, "speedup"));
    c->efficiency = num_or_nan(json_object_get(sum, "efficiency"));
    static const char *const lat[PLOT_LAT_N] = {"p50", "p90", "p99", "max"};
    for (int i = 0; i < PLOT_LAT_N; i++)
        c->lat[i] = rep_latency_median(reps, lat[i]);
    c->metric_name = json_string_value(json_object_get(jc, "metric_name"));
    c->metric_med = c->metric_lo = c->metric_hi = NAN;
    json_t *ms = json_object_get(sum, "metric");
    if (c->metric_name && json_is_object(ms)) {
        c->metric_med = num_or_nan(json_object_get(ms, "median"));
        json_t *mci = json_object_get(ms, "ci95");
        if (json_is_array(mci) && json_array_size(mci) == 2) {
            c->metric_lo = num_or_nan(json_array_get(mci, 0));
            c->metric_hi = num_or_nan(json_array_get(mci, 1));
        } else {
            c->metric_lo = num_or_nan(json_object_get(ms, "min"));
            c->metric_hi = num_or_nan(json_object_get(ms, "max"));
        }
        if (!isfinite(c->metric_lo) || c->metric_lo > c->metric_med) c->metric_lo = c->metric_med;
        if (!isfinite(c->metric_hi) || c->metric_hi < c->metric_med) c->metric_hi = c->metric_med;
    }
    if (!isfinite(c->metric_med)) c->metric_name = NULL;
    json_t *tl = json_object_get(jc, "timeline");
    if (json_is_object(tl)) {
        if (!json_is_array(json_object_get(tl, "tasks"))) {
            snprintf(err, errlen, "%s: timeline without a 'tasks' array", where);
            return -1;
        }
        c->timeline = tl;
    }
    return 0;
}

static int load_source(plot_source *s, const char *path, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->path = path;
    if (cfb_results_load(path, &s->doc, err, errlen) || !s->doc) {
        if (!err[0]) snprintf(err, errlen, "%s: cannot load results", path);
        s->doc = NULL;
        return -1;
    }
    json_t *d = s->doc;
    if (!json_is_array(json_object_get(d, "cases"))) {
        snprintf(err, errlen, "%s: missing field 'cases' (an array)", path);
        return -1;
    }
    /* host and created only label the charts: tolerated when absent */
    json_t *host = json_object_get(d, "host");
    s->created = str_or(d, "created", "unknown date");
    s->hostname = str_or(host, "hostname", "unknown host");
    s->cpu_model = str_or(host, "cpu_model", "");
    json_t *cpus = json_object_get(host, "cpus");
    s->cpus = json_is_integer(cpus) ? (int)json_integer_value(cpus) : 0;
    s->commit = str_or(json_object_get(d, "tool"), "commit", "unknown");
    s->complete = json_is_true(json_object_get(d, "complete"));
    s->interrupted = json_is_true(json_object_get(d, "interrupted"));
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
        json_t *cases = json_object_get(m->src[i].doc, "cases");
        size_t n = json_array_size(cases);
        plot_case *nc = realloc(m->cases, (m->ncases + n + 1) * sizeof *nc);
        if (!nc) goto nomem;
        m->cases = nc;
        for (size_t j = 0; j < n; j++) {
            if (load_case(&m->cases[m->ncases], m->src[i].doc, json_array_get(cases, j), paths[i],
                          j, err, errlen))
                goto bad;
            m->cases[m->ncases++].source = (int)i;
        }
    }
    if (!m->ncases) {
        snprintf(err, errlen, "%s: no cases to plot", paths[0]);
        goto bad;
    }
    settle_bounds(m);
    if (build_series(m)) goto nomem;
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
        json_decref(m->src[i].doc);
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
    return json_string_value(json_object_get(json_object_get(c->obj, "params"), key));
}

const char *plot_case_scan(const plot_case *c, const char *key) {
    return json_string_value(json_object_get(json_object_get(c->obj, "scan"), key));
}

int plot_workload_scan_keys(const plot_model *m, const plot_series *s, const char *wl,
                            const char ***out) {
    size_t cap = 8, n = 0;
    const char **k = malloc(cap * sizeof *k);
    if (!k) return -1;
    for (size_t i = 0; i < s->ncases; i++) {
        const plot_case *c = &m->cases[s->cases[i]];
        if (!c->scan[0] || strcmp(c->workload, wl)) continue;
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(c->obj, "scan"), key, v) {
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
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(c->obj, "scan"), k, v) {
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
        json_t *params = json_object_get(c->obj, "params");
        json_object_foreach(params, k, v) {
            if (!plot_x_matches(x_key, c->workload, k) || !json_is_string(v)) continue;
            if (!value || strcmp(value, json_string_value(v))) values++;
            value = json_string_value(v);
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
