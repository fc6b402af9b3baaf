/* ab.c — the A/B model, its verdicts, its JSON codec and renderers (see
 * ab.h and docs/cli-ab.md). */
#include "ab.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "paired.h"
#include "rstats.h"

typedef struct ab_pair {
    cfb_ab_obs side[2];
    int base_first;
} ab_pair;

typedef struct ab_case {
    char *id;
    ab_pair *pairs;
    size_t npairs, cap;
} ab_case;

typedef struct str_list {
    char **v;
    size_t n;
} str_list;

struct cfb_ab {
    char *label[2], *detail[2];
    json_t *meta; /* object: config, host, tool, … */
    ab_case *cases;
    size_t ncases, cap;
    str_list only[2];
    cfb_ab_verdict *verdicts;
    size_t nverdicts;
    cfb_ab_opts opts; /* of the last analyze (metric_case not kept) */
    int analyzed;
};

static const char *const kind_names[] = {
    [CFB_AB_NA] = "n/a",
    [CFB_AB_NO_CHANGE] = "no change",
    [CFB_AB_IMPROVEMENT] = "improvement",
    [CFB_AB_REGRESSION] = "regression",
    [CFB_AB_CANT_TELL] = "can't tell",
};

const char *cfb_ab_kind_name(cfb_ab_kind k) {
    return (size_t)k < sizeof kind_names / sizeof kind_names[0] ? kind_names[k] : "?";
}

int cfb_ab_metric_parse(const char *s, cfb_ab_metric *m) {
    if (!s) return -1;
    if (!strcmp(s, "wall"))
        *m = CFB_AB_WALL;
    else if (!strcmp(s, "cpu"))
        *m = CFB_AB_CPU;
    else
        return -1;
    return 0;
}

const char *cfb_ab_metric_name(cfb_ab_metric m) {
    return m == CFB_AB_CPU ? "cpu" : "wall";
}

void cfb_ab_opts_default(cfb_ab_opts *o) {
    memset(o, 0, sizeof *o);
    o->metric = CFB_AB_WALL;
    o->threshold = 0.02;
    o->alpha = 0.05;
    o->level = 0.95;
    o->resamples = 4000;
    o->seed = 1;
    o->correction = 1;
}

cfb_ab *cfb_ab_new(void) {
    cfb_ab *ab = calloc(1, sizeof *ab);
    if (!ab) return NULL;
    ab->meta = json_object();
    if (!ab->meta) {
        free(ab);
        return NULL;
    }
    cfb_ab_opts_default(&ab->opts);
    return ab;
}

void cfb_ab_free(cfb_ab *ab) {
    if (!ab) return;
    for (int s = 0; s < 2; s++) {
        free(ab->label[s]);
        free(ab->detail[s]);
        for (size_t i = 0; i < ab->only[s].n; i++)
            free(ab->only[s].v[i]);
        free(ab->only[s].v);
    }
    for (size_t i = 0; i < ab->ncases; i++) {
        free(ab->cases[i].id);
        free(ab->cases[i].pairs);
    }
    free(ab->cases);
    free(ab->verdicts);
    json_decref(ab->meta);
    free(ab);
}

static int set_str(char **dst, const char *s) {
    char *c = strdup(s ? s : "");
    if (!c) return -1;
    free(*dst);
    *dst = c;
    return 0;
}

int cfb_ab_set_side(cfb_ab *ab, int side, const char *label, const char *detail) {
    if (side != CFB_AB_BASE && side != CFB_AB_NEW) return -1;
    return set_str(&ab->label[side], label) || set_str(&ab->detail[side], detail) ? -1 : 0;
}

int cfb_ab_set_meta(cfb_ab *ab, const char *key, json_t *value) {
    if (!value) return -1;
    return json_object_set_new(ab->meta, key, value) ? -1 : 0;
}

int cfb_ab_add_case(cfb_ab *ab, const char *id, size_t *index) {
    if (ab->ncases == ab->cap) {
        size_t cap = ab->cap ? 2 * ab->cap : 16;
        ab_case *c = realloc(ab->cases, cap * sizeof *c);
        if (!c) return -1;
        ab->cases = c;
        ab->cap = cap;
    }
    ab_case *c = &ab->cases[ab->ncases];
    memset(c, 0, sizeof *c);
    if (!(c->id = strdup(id))) return -1;
    *index = ab->ncases++;
    return 0;
}

int cfb_ab_add_only(cfb_ab *ab, int side, const char *id) {
    if (side != CFB_AB_BASE && side != CFB_AB_NEW) return -1;
    str_list *l = &ab->only[side];
    char **v = realloc(l->v, (l->n + 1) * sizeof *v);
    if (!v) return -1;
    l->v = v;
    if (!(v[l->n] = strdup(id))) return -1;
    l->n++;
    return 0;
}

int cfb_ab_add_pair(cfb_ab *ab, size_t index, cfb_ab_obs base, cfb_ab_obs new_obs, int base_first) {
    if (index >= ab->ncases) return -1;
    ab_case *c = &ab->cases[index];
    if (c->npairs == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        ab_pair *p = realloc(c->pairs, cap * sizeof *p);
        if (!p) return -1;
        c->pairs = p;
        c->cap = cap;
    }
    c->pairs[c->npairs++] = (ab_pair){{base, new_obs}, base_first != 0};
    return 0;
}

size_t cfb_ab_ncases(const cfb_ab *ab) {
    return ab->ncases;
}

const char *cfb_ab_case_id(const cfb_ab *ab, size_t index) {
    return index < ab->ncases ? ab->cases[index].id : NULL;
}

size_t cfb_ab_case_npairs(const cfb_ab *ab, size_t index) {
    return index < ab->ncases ? ab->cases[index].npairs : 0;
}

/* ---- verdicts ------------------------------------------------------------ */

static double obs_value(const cfb_ab_obs *o, cfb_ab_metric m) {
    return m == CFB_AB_CPU ? o->cpu_s : o->wall_s;
}

static int metric_for(const char *id, const cfb_ab_opts *o, cfb_ab_metric *m, char *err,
                      size_t errlen) {
    *m = o->metric;
    for (size_t i = 0; i < o->nmetric_case; i++) {
        const char *rule = o->metric_case[i], *eq = strrchr(rule, '=');
        cfb_ab_metric rm;
        if (!eq || eq == rule || cfb_ab_metric_parse(eq + 1, &rm)) {
            snprintf(err, errlen, "bad metric rule '%s' (GLOB=wall or GLOB=cpu)", rule);
            return -1;
        }
        size_t gl = (size_t)(eq - rule);
        char glob[256];
        if (gl >= sizeof glob) {
            snprintf(err, errlen, "metric rule '%s' is too long", rule);
            return -1;
        }
        memcpy(glob, rule, gl);
        glob[gl] = 0;
        if (!fnmatch(glob, id, 0)) *m = rm;
    }
    return 0;
}

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static double median_of(double *v, size_t n) {
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* The smallest n whose exact signed-rank test can reach p <= a. */
static size_t pairs_for_alpha(double a) {
    size_t n = 1;
    while (n < 1000 && cfb_wsr_min_p(n) > a)
        n++;
    return n;
}

/* Phase 1 of a case: ratios, test, interval (no verdict yet). -1 OOM. */
static int measure_case(const ab_case *c, cfb_ab_metric m, const cfb_ab_opts *o, cfb_rng *rng,
                        cfb_ab_verdict *v) {
    size_t n = c->npairs;
    double *r = malloc((n ? n : 1) * sizeof *r), *lr = malloc((n ? n : 1) * sizeof *lr),
           *b = malloc((n ? n : 1) * sizeof *b), *w = malloc((n ? n : 1) * sizeof *w);
    int rc = -1;
    if (!r || !lr || !b || !w) goto out;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double x = obs_value(&c->pairs[i].side[0], m), y = obs_value(&c->pairs[i].side[1], m);
        if (!(x > 0.0) || !(y > 0.0) || !isfinite(x) || !isfinite(y)) continue;
        b[k] = x;
        w[k] = y;
        r[k] = y / x;
        lr[k] = log(r[k]);
        k++;
    }
    v->n = k;
    rc = 0;
    if (k < 2) {
        v->kind = CFB_AB_NA;
        v->why = "fewer than 2 usable pairs";
        goto out;
    }
    cfb_wsr t;
    if (cfb_wsr_test(lr, k, &t) ||
        cfb_bootstrap_median_ci(r, k, o->resamples, o->level, rng, &v->ratio, &v->lo, &v->hi)) {
        rc = -1;
        goto out;
    }
    v->p = v->p_adj = t.p;
    v->noise = cfb_robust_sd(lr, k);
    v->base_med = median_of(b, k);
    v->new_med = median_of(w, k);
    v->kind = CFB_AB_CANT_TELL; /* decided in phase 2 */
out:
    free(r);
    free(lr);
    free(b);
    free(w);
    return rc;
}

/* Pairs needed so that the CI half-width shrinks to the distance between
 * the ratio and the nearest band edge (on the log scale). 0 = beyond cap. */
static size_t need_for_band(const cfb_ab_verdict *v, double t) {
    double lf = log(v->ratio), edge = log(1.0 + t);
    double d = fmin(fabs(lf - edge), fabs(lf + edge));
    if (!(v->noise > 0.0)) return v->n + 1;
    if (!(d > 0.0)) return 0;
    double n = pow(1.96 * 1.2533 * v->noise / d, 2.0);
    if (!(n <= CFB_AB_MAX_PAIRS)) return 0;
    size_t need = (size_t)ceil(n);
    return need > v->n ? need : v->n + 1;
}

int cfb_ab_analyze(cfb_ab *ab, const cfb_ab_opts *o, char *err, size_t errlen) {
    cfb_ab_opts def;
    if (!o) {
        cfb_ab_opts_default(&def);
        o = &def;
    }
    free(ab->verdicts);
    ab->verdicts = NULL;
    ab->nverdicts = 0;
    ab->analyzed = 0;
    cfb_ab_verdict *vs = calloc(ab->ncases ? ab->ncases : 1, sizeof *vs);
    double *ps = malloc((ab->ncases ? ab->ncases : 1) * sizeof *ps);
    if (!vs || !ps) {
        free(vs);
        free(ps);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cfb_rng rng;
    cfb_rng_seed(&rng, o->seed);
    size_t m = 0;
    for (size_t i = 0; i < ab->ncases; i++) {
        cfb_ab_verdict *v = &vs[i];
        v->id = ab->cases[i].id;
        v->ratio = v->lo = v->hi = v->p = v->p_adj = v->base_med = v->new_med = v->noise = NAN;
        if (metric_for(v->id, o, &v->metric, err, errlen)) goto fail;
        if (measure_case(&ab->cases[i], v->metric, o, &rng, v)) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        if (v->kind != CFB_AB_NA) ps[m++] = v->p;
    }
    int holm = o->correction && m > 1;
    if (holm && cfb_holm(ps, m)) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    double a_eff = holm ? o->alpha / (double)m : o->alpha; /* the smallest p Holm must see */
    size_t j = 0;
    for (size_t i = 0; i < ab->ncases; i++) {
        cfb_ab_verdict *v = &vs[i];
        if (v->kind == CFB_AB_NA) continue;
        v->p_adj = ps[j++];
        double hi_edge = 1.0 + o->threshold, lo_edge = 1.0 / hi_edge;
        if (cfb_wsr_min_p(v->n) > a_eff) {
            v->kind = CFB_AB_CANT_TELL;
            v->why = "too few pairs for the test";
            v->need_pairs = pairs_for_alpha(a_eff);
        } else if (v->p_adj < o->alpha && v->lo > hi_edge) {
            v->kind = CFB_AB_REGRESSION;
        } else if (v->p_adj < o->alpha && v->hi < lo_edge) {
            v->kind = CFB_AB_IMPROVEMENT;
        } else if (v->lo >= lo_edge && v->hi <= hi_edge) {
            v->kind = CFB_AB_NO_CHANGE;
        } else {
            v->kind = CFB_AB_CANT_TELL;
            v->need_pairs = need_for_band(v, o->threshold);
            v->why = v->need_pairs ? "the interval straddles the threshold"
                                   : "the noise is too high for this threshold";
        }
    }
    free(ps);
    ab->verdicts = vs;
    ab->nverdicts = ab->ncases;
    ab->opts = *o;
    ab->opts.metric_case = NULL;
    ab->opts.nmetric_case = 0;
    ab->analyzed = 1;
    return 0;
fail:
    free(vs);
    free(ps);
    return -1;
}

const cfb_ab_verdict *cfb_ab_verdicts(const cfb_ab *ab, size_t *n) {
    *n = ab->analyzed ? ab->nverdicts : 0;
    return ab->analyzed ? ab->verdicts : NULL;
}

int cfb_ab_regressions(const cfb_ab *ab) {
    int k = 0;
    for (size_t i = 0; ab->analyzed && i < ab->nverdicts; i++)
        k += ab->verdicts[i].kind == CFB_AB_REGRESSION;
    return k;
}

/* ---- JSON codec ---------------------------------------------------------- */

static json_t *num_or_null(double x) {
    return isfinite(x) ? json_real(x) : json_null();
}

static json_t *verdict_json(const cfb_ab_verdict *v) {
    json_t *o = json_object();
    if (!o) return NULL;
    json_object_set_new(o, "metric", json_string(cfb_ab_metric_name(v->metric)));
    json_object_set_new(o, "verdict", json_string(cfb_ab_kind_name(v->kind)));
    json_object_set_new(o, "pairs", json_integer((json_int_t)v->n));
    json_object_set_new(o, "base_median", num_or_null(v->base_med));
    json_object_set_new(o, "new_median", num_or_null(v->new_med));
    json_object_set_new(o, "ratio", num_or_null(v->ratio));
    json_object_set_new(o, "ci", json_pack("[o, o]", num_or_null(v->lo), num_or_null(v->hi)));
    json_object_set_new(o, "p", num_or_null(v->p));
    json_object_set_new(o, "p_adjusted", num_or_null(v->p_adj));
    json_object_set_new(o, "noise", num_or_null(v->noise));
    json_object_set_new(o, "need_pairs",
                        v->kind == CFB_AB_CANT_TELL ? json_integer((json_int_t)v->need_pairs)
                                                    : json_null());
    json_object_set_new(o, "why", v->why ? json_string(v->why) : json_null());
    return o;
}

static json_t *obs_json(const cfb_ab_obs *o) {
    return json_pack("{s:o, s:o}", "wall_s", num_or_null(o->wall_s), "cpu_s",
                     num_or_null(o->cpu_s));
}

json_t *cfb_ab_to_json(const cfb_ab *ab) {
    json_t *doc = json_object(), *cases = json_array(), *sides = json_object();
    if (!doc || !cases || !sides) goto oom;
    json_object_set_new(doc, "schema", json_string(CFB_AB_SCHEMA));
    json_object_set_new(doc, "schema_version", json_integer(CFB_AB_SCHEMA_VERSION));
    const char *names[2] = {"base", "new"};
    for (int s = 0; s < 2; s++)
        json_object_set_new(sides, names[s],
                            json_pack("{s:s, s:s}", "label", ab->label[s] ? ab->label[s] : names[s],
                                      "detail", ab->detail[s] ? ab->detail[s] : ""));
    json_object_set_new(doc, "sides", sides);
    sides = NULL;
    json_object_update(doc, ab->meta);
    if (ab->analyzed) {
        const cfb_ab_opts *o = &ab->opts;
        json_object_set_new(doc, "analysis",
                            json_pack("{s:f, s:f, s:f, s:I, s:I, s:s}", "threshold", o->threshold,
                                      "alpha", o->alpha, "level", o->level, "resamples",
                                      (json_int_t)o->resamples, "seed", (json_int_t)o->seed,
                                      "correction", o->correction ? "holm" : "none"));
    }
    for (size_t i = 0; i < ab->ncases; i++) {
        const ab_case *c = &ab->cases[i];
        json_t *pairs = json_array(), *jc = json_object();
        if (!pairs || !jc) {
            json_decref(pairs);
            json_decref(jc);
            goto oom;
        }
        for (size_t k = 0; k < c->npairs; k++)
            json_array_append_new(pairs, json_pack("{s:I, s:b, s:o, s:o}", "round", (json_int_t)k,
                                                   "base_first", c->pairs[k].base_first, "base",
                                                   obs_json(&c->pairs[k].side[0]), "new",
                                                   obs_json(&c->pairs[k].side[1])));
        json_object_set_new(jc, "id", json_string(c->id));
        if (ab->analyzed) json_object_set_new(jc, "verdict", verdict_json(&ab->verdicts[i]));
        json_object_set_new(jc, "pairs", pairs);
        json_array_append_new(cases, jc);
    }
    json_object_set_new(doc, "cases", cases);
    cases = NULL;
    for (int s = 0; s < 2; s++) {
        json_t *l = json_array();
        for (size_t i = 0; l && i < ab->only[s].n; i++)
            json_array_append_new(l, json_string(ab->only[s].v[i]));
        json_object_set_new(doc, s ? "only_new" : "only_base", l ? l : json_null());
    }
    json_object_set_new(doc, "regressions", json_integer(cfb_ab_regressions(ab)));
    return doc;
oom:
    json_decref(doc);
    json_decref(cases);
    json_decref(sides);
    return NULL;
}

static int read_obs(const json_t *o, cfb_ab_obs *out) {
    const json_t *w = json_object_get(o, "wall_s"), *c = json_object_get(o, "cpu_s");
    if (!json_is_object(o) || (!json_is_number(w) && !json_is_null(w)) ||
        (!json_is_number(c) && !json_is_null(c)))
        return -1;
    out->wall_s = json_is_number(w) ? json_number_value(w) : NAN;
    out->cpu_s = json_is_number(c) ? json_number_value(c) : NAN;
    return 0;
}

int cfb_ab_from_json(const json_t *doc, cfb_ab **out, char *err, size_t errlen) {
    *out = NULL;
    const char *schema = json_string_value(json_object_get(doc, "schema"));
    json_t *ver = json_object_get(doc, "schema_version"), *cases = json_object_get(doc, "cases");
    if (!schema || strcmp(schema, CFB_AB_SCHEMA)) {
        snprintf(err, errlen, "not a cfbench A/B document (schema is not \"%s\")", CFB_AB_SCHEMA);
        return -1;
    }
    if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
        json_integer_value(ver) > CFB_AB_SCHEMA_VERSION) {
        snprintf(err, errlen, "unsupported A/B schema_version (this cfbench reads 1 to %d)",
                 CFB_AB_SCHEMA_VERSION);
        return -1;
    }
    if (!json_is_array(cases)) {
        snprintf(err, errlen, "missing required field 'cases'");
        return -1;
    }
    cfb_ab *ab = cfb_ab_new();
    if (!ab) goto oom;
    const char *names[2] = {"base", "new"};
    json_t *sides = json_object_get(doc, "sides");
    for (int s = 0; s < 2; s++) {
        json_t *sd = json_object_get(sides, names[s]);
        const char *l = json_string_value(json_object_get(sd, "label")),
                   *d = json_string_value(json_object_get(sd, "detail"));
        if (cfb_ab_set_side(ab, s, l ? l : names[s], d ? d : "")) goto oom;
    }
    const char *meta_keys[] = {"tool", "host", "config", "created", "finished", NULL};
    for (int k = 0; meta_keys[k]; k++) {
        json_t *v = json_object_get(doc, meta_keys[k]);
        if (v && cfb_ab_set_meta(ab, meta_keys[k], json_deep_copy(v))) goto oom;
    }
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        const char *id = json_string_value(json_object_get(c, "id"));
        json_t *pairs = json_object_get(c, "pairs");
        if (!id || !json_is_array(pairs)) {
            snprintf(err, errlen, "case %zu: missing 'id' or 'pairs'", i);
            cfb_ab_free(ab);
            return -1;
        }
        size_t idx, k;
        if (cfb_ab_add_case(ab, id, &idx)) goto oom;
        json_t *p;
        json_array_foreach(pairs, k, p) {
            cfb_ab_obs b, n;
            if (read_obs(json_object_get(p, "base"), &b) ||
                read_obs(json_object_get(p, "new"), &n)) {
                snprintf(err, errlen, "case '%s', pair %zu: needs base and new {wall_s, cpu_s}", id,
                         k);
                cfb_ab_free(ab);
                return -1;
            }
            if (cfb_ab_add_pair(ab, idx, b, n, json_is_true(json_object_get(p, "base_first"))))
                goto oom;
        }
    }
    for (int s = 0; s < 2; s++) {
        json_t *l = json_object_get(doc, s ? "only_new" : "only_base"), *x;
        json_array_foreach(l, i, x) {
            if (json_is_string(x) && cfb_ab_add_only(ab, s, json_string_value(x))) goto oom;
        }
    }
    *out = ab;
    return 0;
oom:
    cfb_ab_free(ab);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* ---- renderers ----------------------------------------------------------- */

static void fmt_time(char *buf, size_t n, double s) {
    if (!isfinite(s))
        snprintf(buf, n, "-");
    else if (s >= 1.0)
        snprintf(buf, n, "%.3f s", s);
    else if (s >= 1e-3)
        snprintf(buf, n, "%.2f ms", s * 1e3);
    else
        snprintf(buf, n, "%.1f us", s * 1e6);
}

static void fmt_pct(char *buf, size_t n, double ratio) {
    if (!isfinite(ratio))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%+.1f%%", (ratio - 1.0) * 100.0);
}

typedef struct row {
    char base[24], new_[24], change[16], ci[40], p[16], noise[16], verdict[96];
} row;

static void make_row(const cfb_ab_verdict *v, row *r) {
    fmt_time(r->base, sizeof r->base, v->base_med);
    fmt_time(r->new_, sizeof r->new_, v->new_med);
    fmt_pct(r->change, sizeof r->change, v->ratio);
    if (isfinite(v->lo) && isfinite(v->hi))
        snprintf(r->ci, sizeof r->ci, "[%+.1f%%, %+.1f%%]", (v->lo - 1) * 100, (v->hi - 1) * 100);
    else
        snprintf(r->ci, sizeof r->ci, "-");
    if (isfinite(v->p_adj))
        snprintf(r->p, sizeof r->p, "%.3g", v->p_adj);
    else
        snprintf(r->p, sizeof r->p, "-");
    if (isfinite(v->noise))
        snprintf(r->noise, sizeof r->noise, "%.1f%%", v->noise * 100);
    else
        snprintf(r->noise, sizeof r->noise, "-");
    if (v->kind == CFB_AB_CANT_TELL && v->need_pairs)
        snprintf(r->verdict, sizeof r->verdict, "can't tell: need ~%zu pairs", v->need_pairs);
    else if (v->kind == CFB_AB_CANT_TELL)
        snprintf(r->verdict, sizeof r->verdict, "can't tell: noise too high (> %d pairs)",
                 CFB_AB_MAX_PAIRS);
    else if (v->kind == CFB_AB_NA)
        snprintf(r->verdict, sizeof r->verdict, "n/a: %s", v->why ? v->why : "");
    else
        snprintf(r->verdict, sizeof r->verdict, "%s", cfb_ab_kind_name(v->kind));
}

static void summary(const cfb_ab *ab, char *buf, size_t n) {
    size_t k[5] = {0};
    for (size_t i = 0; i < ab->nverdicts; i++)
        k[ab->verdicts[i].kind]++;
    snprintf(buf, n,
             "%zu regression%s, %zu improvement%s, %zu no change, %zu can't tell, %zu n/a "
             "(threshold %.3g%%, alpha %.3g%s, paired rounds)",
             k[CFB_AB_REGRESSION], k[CFB_AB_REGRESSION] == 1 ? "" : "s", k[CFB_AB_IMPROVEMENT],
             k[CFB_AB_IMPROVEMENT] == 1 ? "" : "s", k[CFB_AB_NO_CHANGE], k[CFB_AB_CANT_TELL],
             k[CFB_AB_NA], ab->opts.threshold * 100, ab->opts.alpha,
             ab->opts.correction ? ", Holm" : "");
}

static void only_lines(const cfb_ab *ab, FILE *out, const char *bullet) {
    const char *names[2] = {"BASE", "NEW"};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < ab->only[s].n; i++)
            fprintf(out, "%sonly in %s: %s\n", bullet, names[s], ab->only[s].v[i]);
}

int cfb_ab_render_text(const cfb_ab *ab, FILE *out) {
    fprintf(out, "BASE: %s (%s)\nNEW:  %s (%s)\n\n", ab->label[0] ? ab->label[0] : "base",
            ab->detail[0] ? ab->detail[0] : "", ab->label[1] ? ab->label[1] : "new",
            ab->detail[1] ? ab->detail[1] : "");
    int w = 4;
    for (size_t i = 0; i < ab->nverdicts; i++)
        if ((int)strlen(ab->verdicts[i].id) > w) w = (int)strlen(ab->verdicts[i].id);
    fprintf(out, "%-*s  %-6s %5s %11s %11s %8s %20s %8s %7s  %s\n", w, "case", "metric", "pairs",
            "base", "new", "change", "95% CI", "p", "noise", "verdict");
    for (size_t i = 0; i < ab->nverdicts; i++) {
        const cfb_ab_verdict *v = &ab->verdicts[i];
        row r;
        make_row(v, &r);
        fprintf(out, "%-*s  %-6s %5zu %11s %11s %8s %20s %8s %7s  %s\n", w, v->id,
                cfb_ab_metric_name(v->metric), v->n, r.base, r.new_, r.change, r.ci, r.p, r.noise,
                r.verdict);
    }
    only_lines(ab, out, "");
    char s[256];
    summary(ab, s, sizeof s);
    fprintf(out, "\n%s\n", s);
    return ferror(out) ? -1 : 0;
}

int cfb_ab_render_markdown(const cfb_ab *ab, FILE *out) {
    fprintf(out, "**BASE** %s (%s) vs **NEW** %s (%s)\n\n", ab->label[0] ? ab->label[0] : "base",
            ab->detail[0] ? ab->detail[0] : "", ab->label[1] ? ab->label[1] : "new",
            ab->detail[1] ? ab->detail[1] : "");
    fprintf(out, "| case | metric | pairs | base | new | change | 95%% CI | p | noise | verdict |\n"
                 "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n");
    for (size_t i = 0; i < ab->nverdicts; i++) {
        const cfb_ab_verdict *v = &ab->verdicts[i];
        row r;
        make_row(v, &r);
        const char *bold = v->kind == CFB_AB_REGRESSION ? "**" : "";
        fprintf(out, "| `%s` | %s | %zu | %s | %s | %s | %s | %s | %s | %s%s%s |\n", v->id,
                cfb_ab_metric_name(v->metric), v->n, r.base, r.new_, r.change, r.ci, r.p, r.noise,
                bold, r.verdict, bold);
    }
    fputc('\n', out);
    only_lines(ab, out, "- ");
    char s[256];
    summary(ab, s, sizeof s);
    fprintf(out, "%s\n", s);
    return ferror(out) ? -1 : 0;
}
