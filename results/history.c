/* history.c — series over many results files and their change points
 * (E-divisive means + magnitude filter + newest-points check); see
 * history.h and docs/cli-history.md. */
#include "history.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "results_io.h"
#include "rstats.h"

void cfb_cpd_opts_default(cfb_cpd_opts *o) {
    memset(o, 0, sizeof *o);
    o->threshold = 0.05;
    o->alpha = 0.01;
    o->permutations = 499;
    o->min_size = 5;
    o->recent = 5;
    o->higher_is_better = 0;
    o->seed = 1;
}

void cfb_history_opts_default(cfb_history_opts *o) {
    memset(o, 0, sizeof *o);
    o->metric = CFB_METRIC_WALL;
    cfb_cpd_opts_default(&o->cpd);
    o->order = CFB_HISTORY_BY_TIME;
}

/* ---- the detector ------------------------------------------------------------ */

/* The best split of v[0..len-1]: the tau in [min_size, len - min_size]
 * maximising the energy statistic Q (history.h). Returns Q (-INFINITY when
 * len < 2 x min_size) and *tau. O(len^2) time, no memory. */
static double best_split(const double *v, size_t len, size_t min_size, size_t *tau) {
    *tau = 0;
    if (len < 2 * min_size) return -INFINITY;
    double total = 0.0;
    for (size_t a = 0; a < len; a++)
        for (size_t b = a + 1; b < len; b++)
            total += fabs(v[a] - v[b]);
    double wx = 0.0, wy = total, best = -INFINITY;
    for (size_t p = 0; p + min_size < len; p++) {
        /* point p moves from Y to X: now X = v[0..p], Y = v[p+1..] */
        for (size_t a = 0; a < p; a++)
            wx += fabs(v[a] - v[p]);
        for (size_t b = p + 1; b < len; b++)
            wy -= fabs(v[p] - v[b]);
        size_t t = p + 1;
        if (t < min_size) continue;
        double m = (double)t, k = (double)(len - t);
        double between = total - wx - wy;
        double e =
            2.0 * between / (m * k) - wx / (m * (m - 1.0) / 2.0) - wy / (k * (k - 1.0) / 2.0);
        double q = m * k / (m + k) * e;
        if (q > best) {
            best = q;
            *tau = t;
        }
    }
    return best;
}

/* Permutation p-value of the best split q_obs of v[0..len-1] (borrowed).
 * Stops as soon as p > alpha is certain (then the value returned is only a
 * lower bound, > alpha). NAN when out of memory. */
static double permutation_p(const double *v, size_t len, double q_obs, const cfb_cpd_opts *o,
                            cfb_rng *rng) {
    double *w = malloc(len * sizeof *w);
    if (!w) return NAN;
    memcpy(w, v, len * sizeof *w);
    double allowed = floor(o->alpha * (double)(o->permutations + 1)) - 1.0;
    size_t count = 0, tau;
    for (size_t i = 0; i < o->permutations; i++) {
        for (size_t j = len - 1; j > 0; j--) {
            size_t r = cfb_rng_below(rng, j + 1);
            double t = w[j];
            w[j] = w[r];
            w[r] = t;
        }
        if (best_split(w, len, o->min_size, &tau) >= q_obs - 1e-12 * fabs(q_obs)) {
            count++;
            if ((double)count > allowed) break; /* p > alpha whatever follows */
        }
    }
    free(w);
    return (1.0 + (double)count) / (1.0 + (double)o->permutations);
}

/* 1 / C(n, k) in floating point. */
static double inv_binom(size_t n, size_t k) {
    double c = 1.0;
    for (size_t i = 1; i <= k; i++)
        c = c * (double)(n - k + i) / (double)i;
    return 1.0 / c;
}

/* The factor by which a and b differ, >= 1: max(a/b, b/a) when both are
 * > 0, else 1 + |a - b| / max(|a|, |b|) (metrics such as overhead may be
 * negative). */
static double change_factor(double a, double b) {
    if (a > 0 && b > 0) return a > b ? a / b : b / a;
    double d = fmax(fabs(a), fabs(b));
    return d > 0 ? 1.0 + fabs(a - b) / d : 1.0;
}

/* Sum of |x_i - median| over x[a..b). */
static double l1_cost(const double *x, size_t a, size_t b) {
    double m = cfb_median(x + a, b - a), sum = 0.0;
    for (size_t i = a; i < b; i++)
        sum += fabs(x[i] - m);
    return sum;
}

/* The newest-points check (history.h, step 3) of x[0..n-1] against the
 * points from `last` on. 1 with *out filled (index, p, newest), else 0. */
static int newest_check(const double *x, size_t n, size_t last, const cfb_cpd_opts *o,
                        cfb_change *out) {
    for (size_t t = o->min_size - 1; t >= 1; t--) {
        if (n < last + t + o->min_size) continue;
        size_t r = n - t - last;
        double p = inv_binom(r + t, t);
        if (p > o->alpha) continue;
        double rmin = INFINITY, rmax = -INFINITY, tmin = INFINITY, tmax = -INFINITY;
        for (size_t i = last; i < n - t; i++) {
            rmin = fmin(rmin, x[i]);
            rmax = fmax(rmax, x[i]);
        }
        for (size_t i = n - t; i < n; i++) {
            tmin = fmin(tmin, x[i]);
            tmax = fmax(tmax, x[i]);
        }
        if (!(tmin > rmax || tmax < rmin)) continue;
        double mr = cfb_median(x + last, r), mt = cfb_median(x + n - t, t);
        if (change_factor(mr, mt) < 1.0 + o->threshold) continue;
        *out = (cfb_change){.index = n - t, .p = p, .newest = 1};
        return 1;
    }
    return 0;
}

typedef struct segment {
    size_t s, e; /* [s, e) */
    double q;    /* best Q, -INFINITY when it cannot be split */
    size_t tau;  /* absolute index of the best split */
} segment;

static void seg_eval(const double *x, segment *g, size_t min_size) {
    size_t t;
    g->q = best_split(x + g->s, g->e - g->s, min_size, &t);
    g->tau = g->s + t;
}

/* Fill before/after of changes c[0..nc-1] from the segments they bound. */
static void measure_changes(const double *x, size_t n, cfb_change *c, size_t nc, double hib) {
    for (size_t i = 0; i < nc; i++) {
        size_t s = i ? c[i - 1].index : 0, e = i + 1 < nc ? c[i + 1].index : n;
        c[i].before = cfb_median(x + s, c[i].index - s);
        c[i].after = cfb_median(x + c[i].index, e - c[i].index);
        c[i].ratio = c[i].before > 0 ? c[i].after / c[i].before : NAN;
        c[i].regression = hib ? c[i].after < c[i].before : c[i].after > c[i].before;
    }
}

int cfb_history_detect(const double *x, size_t n, const cfb_cpd_opts *o, cfb_change **out,
                       size_t *nout) {
    *out = NULL;
    *nout = 0;
    if (o->min_size < 2 || !(o->alpha > 0 && o->alpha < 1) || !o->permutations ||
        !(o->threshold >= 0) || n > CFB_HISTORY_MAX_POINTS)
        return -1;
    if (n < o->min_size + 1) return 0;
    cfb_change *c = calloc(n + 1, sizeof *c);
    segment *segs = calloc(n + 1, sizeof *segs);
    if (!c || !segs) {
        free(c);
        free(segs);
        return -2;
    }
    size_t nc = 0, ns = 1;
    cfb_rng rng;
    cfb_rng_seed(&rng, o->seed);

    /* 1. E-divisive: test the best split over all segments; stop at the first
     *    that is not significant. */
    segs[0] = (segment){0, n, 0, 0};
    seg_eval(x, &segs[0], o->min_size);
    for (;;) {
        size_t bi = ns;
        for (size_t i = 0; i < ns; i++)
            if (isfinite(segs[i].q) && (bi == ns || segs[i].q > segs[bi].q)) bi = i;
        if (bi == ns) break;
        segment g = segs[bi];
        double p = permutation_p(x + g.s, g.e - g.s, g.q, o, &rng);
        if (isnan(p)) {
            free(c);
            free(segs);
            return -2;
        }
        if (p > o->alpha) break;
        size_t k = 0; /* insert the change in index order */
        while (k < nc && c[k].index < g.tau)
            k++;
        memmove(c + k + 1, c + k, (nc - k) * sizeof *c);
        c[k] = (cfb_change){.index = g.tau, .p = p};
        nc++;
        segs[bi] = (segment){g.s, g.tau, 0, 0};
        segs[ns] = (segment){g.tau, g.e, 0, 0};
        seg_eval(x, &segs[bi], o->min_size);
        seg_eval(x, &segs[ns], o->min_size);
        ns++;
    }
    free(segs);

    /* 2. Magnitude filter: drop the weakest change below 1 + threshold,
     *    re-measure its neighbours, repeat. */
    while (nc) {
        measure_changes(x, n, c, nc, o->higher_is_better);
        size_t wi = 0;
        double wf = INFINITY;
        for (size_t i = 0; i < nc; i++) {
            double f = change_factor(c[i].before, c[i].after);
            if (f < wf) {
                wf = f;
                wi = i;
            }
        }
        if (wf >= 1.0 + o->threshold) break;
        memmove(c + wi, c + wi + 1, (nc - wi - 1) * sizeof *c);
        nc--;
    }

    /* 3. The newest points, which no split can isolate: against the last
     *    segment; and when the last change lies within the newest
     *    2 x min_size - 1 points (where e-divisive could not place it any
     *    nearer the end), also against the segment before it — a step found
     *    there, later than that change, replaces it. */
    cfb_change nw;
    int found = newest_check(x, n, nc ? c[nc - 1].index : 0, o, &nw);
    if (!found && nc && c[nc - 1].index + 2 * o->min_size > n) {
        size_t prev = nc >= 2 ? c[nc - 2].index : 0, at = c[nc - 1].index;
        /* ... and fits the points better (L1 around the segment medians) */
        if (newest_check(x, n, prev, o, &nw) && nw.index > at &&
            l1_cost(x, prev, nw.index) + l1_cost(x, nw.index, n) <
                l1_cost(x, prev, at) + l1_cost(x, at, n)) {
            nc--;
            found = 1;
        }
    }
    if (found) c[nc++] = nw;
    measure_changes(x, n, c, nc, o->higher_is_better);
    for (size_t i = 0; i < nc; i++)
        c[i].recent = c[i].index + o->recent >= n;
    if (!nc) {
        free(c);
        c = NULL;
    }
    *out = c;
    *nout = nc;
    return 0;
}

/* ---- loading ----------------------------------------------------------------- */

static char *xstrdup(const char *s) {
    return strdup(s ? s : "");
}

static const char *str_or(const char *s) {
    return s ? s : "";
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)" → seconds since the
 * epoch; NAN when it does not parse. */
static double parse_iso(const char *s) {
    int Y, M, D, h, m, used = 0;
    double sec;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &Y, &M, &D, &h, &m, &sec, &used) != 6) return NAN;
    const char *z = s + used;
    long off = 0;
    if (*z == '+' || *z == '-') {
        int oh = 0, om = 0;
        if (sscanf(z + 1, "%2d:%2d", &oh, &om) < 1) return NAN;
        off = (*z == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    } else if (*z != 'Z' && *z != '\0') {
        return NAN;
    }
    struct tm tm = {0};
    tm.tm_year = Y - 1900;
    tm.tm_mon = M - 1;
    tm.tm_mday = D;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = 0;
    time_t t = timegm(&tm);
    if (t == (time_t)-1) return NAN;
    return (double)t + sec - (double)off;
}

/* A growable list of strings (paths). */
typedef struct strlist {
    char **v;
    size_t n, cap;
} strlist;

static int sl_push(strlist *l, const char *s) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return -2;
        l->v = nv;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s))) return -2;
    l->n++;
    return 0;
}

static void sl_free(strlist *l) {
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.json names of a directory, sorted, as "dir/name". */
static int list_dir(const char *dir, strlist *out, char *err, size_t errlen) {
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "%s: cannot read directory: %s", dir, strerror(errno));
        return -1;
    }
    strlist names = {0};
    struct dirent *de;
    int rc = 0;
    while (!rc && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > 5 && !strcmp(de->d_name + len - 5, ".json") && de->d_name[0] != '.')
            rc = sl_push(&names, de->d_name);
    }
    closedir(d);
    if (!rc) {
        if (names.n) qsort(names.v, names.n, sizeof *names.v, cmp_str);
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/')
            dl--;
        for (size_t i = 0; !rc && i < names.n; i++) {
            size_t len = dl + strlen(names.v[i]) + 2;
            char *p = malloc(len);
            if (!p) {
                rc = -2;
                break;
            }
            snprintf(p, len, "%.*s/%s", (int)dl, dir, names.v[i]);
            rc = sl_push(out, p);
            free(p);
        }
    }
    sl_free(&names);
    if (rc == -2) snprintf(err, errlen, "out of memory");
    return rc;
}

/* Series under construction: a hash of case keys to series indexes. */
typedef struct builder {
    cfb_history_series *s;
    size_t n, cap;
    size_t *slots; /* index + 1, 0 = empty */
    size_t nslots;
    size_t *pcap; /* capacity of each series' points */
} builder;

static uint64_t hash_str(const char *s) {
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int b_rehash(builder *b) {
    size_t ns = b->nslots ? 2 * b->nslots : 256;
    size_t *slots = calloc(ns, sizeof *slots);
    if (!slots) return -2;
    for (size_t i = 0; i < b->n; i++) {
        size_t h = (size_t)hash_str(b->s[i].key) & (ns - 1);
        while (slots[h])
            h = (h + 1) & (ns - 1);
        slots[h] = i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = ns;
    return 0;
}

/* Copy c's params into s (document order; a value that is no string,
 * outside the schema, as NULL). 0 or -2. */
static int copy_params(cfb_history_series *s, const cfb_rcase *c) {
    size_t n = cfb_rcase_nparams(c);
    s->params = calloc(n ? n : 1, sizeof *s->params);
    if (!s->params) return -2;
    for (size_t i = 0; i < n; i++) {
        const char *v = cfb_rcase_param_value(c, i);
        cfb_history_param *p = &s->params[s->nparams++];
        p->key = xstrdup(cfb_rcase_param_key(c, i));
        p->value = v ? strdup(v) : NULL;
        if (!p->key || (v && !p->value)) return -2;
    }
    return 0;
}

/* The series of key (taking ownership of key), created from case c when
 * new. Index, or -2 out of memory (key freed). */
static long b_series(builder *b, char *key, const cfb_rcase *c) {
    if ((b->n + 1) * 10 >= b->nslots * 7 && b_rehash(b)) {
        free(key);
        return -2;
    }
    size_t h = (size_t)hash_str(key) & (b->nslots - 1);
    while (b->slots[h]) {
        if (!strcmp(b->s[b->slots[h] - 1].key, key)) {
            free(key);
            return (long)(b->slots[h] - 1);
        }
        h = (h + 1) & (b->nslots - 1);
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        cfb_history_series *ns = realloc(b->s, cap * sizeof *ns);
        size_t *pc = ns ? realloc(b->pcap, cap * sizeof *pc) : NULL;
        if (ns) b->s = ns;
        if (!pc) {
            free(key);
            return -2;
        }
        b->pcap = pc;
        b->cap = cap;
    }
    cfb_history_series *s = &b->s[b->n];
    memset(s, 0, sizeof *s);
    s->key = key;
    s->id = xstrdup(cfb_rcase_id(c));
    s->workload = xstrdup(cfb_rcase_workload(c));
    s->mode = xstrdup(cfb_rcase_mode(c));
    s->impl = xstrdup(cfb_rcase_impl(c));
    s->workers = cfb_rcase_workers(c);
    b->pcap[b->n] = 0;
    b->slots[h] = ++b->n;
    if (!s->id || !s->workload || !s->mode || !s->impl || copy_params(s, c)) return -2;
    return (long)(b->n - 1);
}

static void series_free(cfb_history_series *s) {
    free(s->key);
    free(s->id);
    free(s->workload);
    free(s->mode);
    free(s->impl);
    for (size_t i = 0; i < s->nparams; i++) {
        free(s->params[i].key);
        free(s->params[i].value);
    }
    free(s->params);
    free(s->points);
    free(s->changes);
}

static int case_selected(const cfb_rcase *c, const cfb_history_opts *o) {
    if (!o->ncase_globs) return 1;
    for (size_t i = 0; i < o->ncase_globs; i++)
        if (!fnmatch(o->case_globs[i], str_or(cfb_rcase_id(c)), 0)) return 1;
    return 0;
}

/* Add the points of document doc (borrowed; source index src) to the
 * builder: a series for every selected case, a point where the case has the
 * metric. *selected counts the selected cases. 0 or -2. */
static int add_doc(builder *b, const cfb_results *doc, size_t src, const cfb_history_opts *o,
                   size_t *selected) {
    size_t nc = cfb_results_ncases(doc);
    for (size_t i = 0; i < nc; i++) {
        const cfb_rcase *c = cfb_results_case(doc, i);
        if (!case_selected(c, o)) continue;
        (*selected)++;
        char *key = cfb_case_key(c);
        if (!key) return -2;
        long si = b_series(b, key, c);
        if (si < 0) return -2;
        double *v = NULL;
        size_t nv = 0;
        const char *why = NULL;
        int r = cfb_metric_values(doc, c, o->metric, &v, &nv, &why);
        if (r < 0) return -2;
        if (r > 0) continue;
        cfb_history_series *s = &b->s[si];
        if (s->npoints == b->pcap[si]) {
            size_t cap = b->pcap[si] ? 2 * b->pcap[si] : 8;
            cfb_history_point *np = realloc(s->points, cap * sizeof *np);
            if (!np) {
                free(v);
                return -2;
            }
            s->points = np;
            b->pcap[si] = cap;
        }
        cfb_history_point *pt = &s->points[s->npoints++];
        memset(pt, 0, sizeof *pt);
        pt->source = src;
        pt->n = nv;
        pt->median = cfb_median(v, nv);
        pt->min = pt->max = v[0];
        for (size_t k = 0; k < nv; k++) {
            pt->min = fmin(pt->min, v[k]);
            pt->max = fmax(pt->max, v[k]);
            v[k] = fabs(v[k] - pt->median);
        }
        pt->mad = cfb_median(v, nv);
        pt->seg_median = NAN;
        free(v);
        if (isnan(pt->median)) return -2;
    }
    return 0;
}

typedef struct src_sort {
    cfb_history_source src;
    size_t orig;
    int by_name;
} src_sort;

static int cmp_src(const void *pa, const void *pb) {
    const src_sort *a = pa, *b = pb;
    if (!a->by_name && a->src.time != b->src.time) return a->src.time < b->src.time ? -1 : 1;
    return strcmp(a->src.path, b->src.path);
}

static int cmp_point(const void *pa, const void *pb) {
    const cfb_history_point *a = pa, *b = pb;
    return a->source < b->source ? -1 : a->source > b->source;
}

static int cmp_series(const void *pa, const void *pb) {
    const cfb_history_series *a = pa, *b = pb;
    int r = strcmp(a->id, b->id);
    return r ? r : strcmp(a->key, b->key);
}

static void source_free(cfb_history_source *s) {
    free(s->path);
    free(s->created);
    free(s->commit);
    free(s->hostname);
    free(s->cpu_model);
}

void cfb_history_free(cfb_history *h) {
    if (!h) return;
    for (size_t i = 0; i < h->nsources; i++)
        source_free(&h->sources[i]);
    free(h->sources);
    for (size_t i = 0; i < h->nseries; i++)
        series_free(&h->series[i]);
    free(h->series);
    json_decref(h->notes);
    memset(h, 0, sizeof *h);
}

static int note(json_t *notes, const char *fmt, const char *a, const char *b) {
    char line[1200];
    snprintf(line, sizeof line, fmt, a, b);
    return json_array_append_new(notes, json_string(line)) ? -2 : 0;
}

/* Read one path of the expanded list into the model: a named file must be
 * a results document; a file found in a directory that is not one (not
 * JSON, or JSON without "schema": "cfbench-results") is skipped (*doc NULL,
 * a note). 0, -1 (err: cfb_results_read()'s messages) or -2. */
static int read_doc(const char *path, int from_dir, cfb_results **doc, json_t *notes, char *err,
                    size_t errlen) {
    *doc = NULL;
    if (!from_dir) return cfb_results_read(path, doc, err, errlen);
    json_error_t je;
    json_t *d = json_load_file(path, 0, &je);
    if (!d || !cfb_results_json_is_results(d)) {
        json_decref(d);
        return note(notes, "skipped %s: %s", path,
                    d ? "not a cfbench results document" : "not JSON");
    }
    char why[512];
    int r = cfb_results_decode(d, doc, why, sizeof why);
    json_decref(d);
    if (r) snprintf(err, errlen, "%s: %s", path, why);
    return r ? -1 : 0;
}

int cfb_history_load(const char *const *paths, size_t npaths, const cfb_history_opts *o,
                     cfb_history *h, char *err, size_t errlen) {
    memset(h, 0, sizeof *h);
    if (errlen) err[0] = 0;
    strlist files = {0};
    char *from_dir = NULL;
    src_sort *ss = NULL;
    size_t nss = 0, selected = 0;
    builder b = {0};
    json_t *notes = json_array();
    int rc = -2;
    cfb_cpd_opts cpd = o->cpd;
    cpd.higher_is_better = cfb_metric_higher_is_better(o->metric);
    if (cpd.min_size < 2 || !(cpd.alpha > 0 && cpd.alpha < 1) || !cpd.permutations ||
        !(cpd.threshold >= 0)) {
        snprintf(err, errlen, "bad detector options");
        rc = -1;
        goto out;
    }
    if (!notes) goto out;
    /* expand directories */
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        size_t before = files.n;
        int is_dir = !stat(paths[i], &st) && S_ISDIR(st.st_mode);
        if (is_dir) {
            int r = list_dir(paths[i], &files, err, errlen);
            if (r) {
                rc = r;
                goto out;
            }
            if (files.n == before &&
                note(notes, "%s: no *.json file in this directory%s", paths[i], ""))
                goto out;
        } else if (sl_push(&files, paths[i])) {
            goto out;
        }
        char *fd = realloc(from_dir, files.n + 1);
        if (!fd) goto out;
        from_dir = fd;
        memset(from_dir + before, is_dir, files.n - before);
    }
    ss = calloc(files.n + 1, sizeof *ss);
    if (!ss) goto out;
    for (size_t i = 0; i < files.n; i++) {
        cfb_results *doc = NULL;
        int r = read_doc(files.v[i], from_dir[i], &doc, notes, err, errlen);
        if (r) {
            rc = r;
            goto out;
        }
        if (!doc) continue;
        src_sort *s = &ss[nss];
        s->orig = nss;
        s->by_name = o->order == CFB_HISTORY_BY_NAME;
        s->src.path = xstrdup(files.v[i]);
        s->src.created = xstrdup(cfb_results_created(doc));
        s->src.commit = xstrdup(cfb_results_tool_commit(doc));
        s->src.hostname = xstrdup(cfb_results_hostname(doc));
        s->src.cpu_model = xstrdup(cfb_results_cpu_model(doc));
        s->src.time = parse_iso(s->src.created);
        nss++;
        if (!s->src.path || !s->src.created || !s->src.commit || !s->src.hostname ||
            !s->src.cpu_model) {
            cfb_results_free(doc);
            goto out;
        }
        if (o->order == CFB_HISTORY_BY_TIME && isnan(s->src.time)) {
            snprintf(err, errlen,
                     "%s: no run time ('created' %s%s%s); order by file name with --order name",
                     files.v[i], *s->src.created ? "is '" : "is missing", s->src.created,
                     *s->src.created ? "'" : "");
            cfb_results_free(doc);
            rc = -1;
            goto out;
        }
        r = add_doc(&b, doc, s->orig, o, &selected);
        cfb_results_free(doc);
        if (r) goto out;
    }
    if (nss < 2) {
        snprintf(err, errlen, "needs at least 2 results files, found %zu", nss);
        rc = -1;
        goto out;
    }
    if (!b.n) {
        snprintf(err, errlen, "no case%s in the %zu results files",
                 o->ncase_globs ? " matches --case" : "", nss);
        rc = -1;
        goto out;
    }
    /* run order: sort the sources, renumber the points */
    qsort(ss, nss, sizeof *ss, cmp_src);
    size_t *rank = malloc(nss * sizeof *rank);
    if (!rank) goto out;
    for (size_t i = 0; i < nss; i++)
        rank[ss[i].orig] = i;
    h->sources = calloc(nss, sizeof *h->sources);
    if (!h->sources) {
        free(rank);
        goto out;
    }
    for (size_t i = 0; i < nss; i++)
        h->sources[i] = ss[i].src;
    h->nsources = nss;
    nss = 0; /* owned by h now */
    for (size_t i = 0; i < b.n; i++) {
        cfb_history_series *s = &b.s[i];
        for (size_t k = 0; k < s->npoints; k++)
            s->points[k].source = rank[s->points[k].source];
        if (s->npoints) qsort(s->points, s->npoints, sizeof *s->points, cmp_point);
    }
    free(rank);
    qsort(b.s, b.n, sizeof *b.s, cmp_series);
    /* drop the series without a point; detect in the others */
    size_t kept = 0;
    for (size_t i = 0; i < b.n; i++) {
        cfb_history_series *s = &b.s[i];
        if (!s->npoints) {
            int r = note(notes, "%s: metric '%s' not available in any file", s->id,
                         cfb_metric_name(o->metric));
            series_free(s);
            if (r) {
                for (size_t k = i + 1; k < b.n; k++)
                    series_free(&b.s[k]);
                b.n = kept;
                goto out;
            }
            continue;
        }
        b.s[kept++] = *s;
    }
    b.n = kept;
    if (!kept) {
        snprintf(err, errlen, "metric '%s' is not available in any of the %zu selected cases",
                 cfb_metric_name(o->metric), selected);
        rc = -1;
        goto out;
    }
    for (size_t i = 0; i < b.n; i++) {
        cfb_history_series *s = &b.s[i];
        if (s->npoints > CFB_HISTORY_MAX_POINTS) {
            snprintf(err, errlen, "%s: %zu points, more than the %d this detector takes", s->id,
                     s->npoints, CFB_HISTORY_MAX_POINTS);
            rc = -1;
            goto out;
        }
        double *x = malloc(s->npoints * sizeof *x);
        if (!x) goto out;
        for (size_t k = 0; k < s->npoints; k++)
            x[k] = s->points[k].median;
        int r = cfb_history_detect(x, s->npoints, &cpd, &s->changes, &s->nchanges);
        if (r) {
            free(x);
            if (r == -1) {
                snprintf(err, errlen, "bad detector options");
                rc = -1;
            }
            goto out;
        }
        for (size_t k = 0, ci = 0; k < s->npoints; ci++) {
            size_t e = ci < s->nchanges ? s->changes[ci].index : s->npoints;
            double m = cfb_median(x + k, e - k);
            for (; k < e; k++)
                s->points[k].seg_median = m;
        }
        free(x);
        s->regressed = s->nchanges && s->changes[s->nchanges - 1].regression &&
                       s->changes[s->nchanges - 1].recent;
    }
    h->metric = o->metric;
    h->opts = *o;
    h->opts.cpd = cpd;
    h->opts.case_globs = NULL;
    h->series = b.s;
    h->nseries = b.n;
    h->notes = notes;
    b.s = NULL;
    b.n = 0;
    notes = NULL;
    rc = 0;
out:
    if (rc == -2 && errlen) snprintf(err, errlen, "out of memory");
    for (size_t i = 0; i < nss; i++)
        source_free(&ss[i].src);
    free(ss);
    sl_free(&files);
    free(from_dir);
    for (size_t i = 0; i < b.n; i++)
        series_free(&b.s[i]);
    free(b.s);
    free(b.slots);
    free(b.pcap);
    json_decref(notes);
    if (rc) cfb_history_free(h);
    return rc;
}

size_t cfb_history_regressed(const cfb_history *h) {
    size_t k = 0;
    for (size_t i = 0; i < h->nseries; i++)
        k += (size_t)h->series[i].regressed;
    return k;
}
