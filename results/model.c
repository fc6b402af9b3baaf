/*
 * model.c — the results model's storage, accessors, builders and derived
 * metrics (results/include/cfbench_results.h; the storage is described in model_internal.h,
 * the JSON codec is model_json.c). No schema key is spelled here: a key
 * is needed only for a verbatim value, and comes from the codec's tables.
 * Single-threaded per document; no locks, no globals.
 */
#include "model_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_io.h"
#include "cfbench_stats.h"

/* ---- records ------------------------------------------------------------ */

/* A record and its slots in one allocation (the slots right after it):
 * a decoded document has a record per repetition, so one malloc less
 * each. */
typedef struct rec_block {
    struct cfb_results rec; /* every public type is a cfb_rec and nothing more */
    fval slots[];
} rec_block;

cfb_rec *rec_new(rec_type t) {
    rec_block *b = calloc(1, sizeof *b + rec_nfields(t) * sizeof(fval));
    if (!b) return NULL;
    cfb_rec *r = &b->rec.rec;
    r->type = t;
    r->f = b->slots;
    return r;
}

void slot_clear(cfb_rec *r, size_t f) {
    fval *v = &r->f[f];
    if (v->st == FS_SET || v->st == FS_NULL) {
        switch (rec_fields(r->type)[f].kind) {
        case FK_STR:
            if (v->st == FS_SET) free(v->u.s);
            break;
        case FK_JSON:
            if (v->st == FS_SET) json_decref(v->u.j);
            break;
        case FK_REC:
            if (v->st == FS_SET) rec_free(v->u.r);
            break;
        case FK_RECS:
            if (v->st == FS_SET) {
                for (size_t i = 0; i < v->u.l.n; i++)
                    rec_free(v->u.l.v[i]);
                free(v->u.l.v);
            }
            break;
        default:
            break;
        }
    }
    memset(v, 0, sizeof *v);
}

void rec_free(cfb_rec *r) {
    if (!r) return;
    for (size_t f = 0; f < rec_nfields(r->type); f++)
        slot_clear(r, f);
    json_decref(r->extra); /* r->f is part of r's block */
    free(r->ord);
    free(r);
}

int rec_list_push(rec_list *l, cfb_rec *r) {
    if (!r) return -1;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 8;
        cfb_rec **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            rec_free(r);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = r;
    return 0;
}

int ord_push(cfb_rec *r, signed char v) {
    if (r->nord == r->ordcap) {
        size_t cap = r->ordcap ? 2 * r->ordcap : 16;
        signed char *o = realloc(r->ord, cap);
        if (!o) return -1;
        r->ord = o;
        r->ordcap = cap;
    }
    r->ord[r->nord++] = v;
    return 0;
}

/* A verbatim value of field f (one of another type, kept in extra). */
static const json_t *verbatim(const cfb_rec *r, size_t f) {
    return r->extra ? json_object_get(r->extra, rec_fields(r->type)[f].key) : NULL;
}

const char *slot_str(const cfb_rec *r, size_t f) {
    if (r->f[f].st == FS_SET) return r->f[f].u.s;
    return json_string_value(verbatim(r, f));
}

/* Before a setter writes slot f: free its value and drop a verbatim one. */
static void slot_prep(cfb_rec *r, size_t f) {
    slot_clear(r, f);
    if (r->extra) json_object_del(r->extra, rec_fields(r->type)[f].key);
}

static int set_str(cfb_rec *r, size_t f, const char *s) {
    slot_prep(r, f);
    if (!s) return 0;
    char *c = strdup(s);
    if (!c) return -1;
    r->f[f].st = FS_SET;
    r->f[f].u.s = c;
    return 0;
}

static int set_int(cfb_rec *r, size_t f, long long v) {
    slot_prep(r, f);
    r->f[f].st = rec_fields(r->type)[f].kind == FK_NUM ? FS_INT : FS_SET;
    r->f[f].u.i = v;
    return 0;
}

static int set_num(cfb_rec *r, size_t f, bool have, double v) {
    slot_prep(r, f);
    if (!have || !isfinite(v)) {
        r->f[f].st = FS_NULL;
        return 0;
    }
    r->f[f].st = FS_SET;
    r->f[f].u.d = v;
    return 0;
}

static int set_bool(cfb_rec *r, size_t f, bool v) {
    slot_prep(r, f);
    r->f[f].st = FS_SET;
    r->f[f].u.b = v;
    return 0;
}

static int set_json(cfb_rec *r, size_t f, json_t *j) {
    slot_prep(r, f);
    if (!j) return 0;
    r->f[f].st = json_is_null(j) ? FS_NULL : FS_SET;
    if (r->f[f].st == FS_NULL)
        json_decref(j);
    else
        r->f[f].u.j = j;
    return 0;
}

static bool get_num(const cfb_rec *r, size_t f, double *out) {
    const fval *v = &r->f[f];
    if (v->st == FS_INT || (v->st == FS_SET && rec_fields(r->type)[f].kind == FK_INT)) {
        *out = (double)v->u.i;
        return true;
    }
    if (v->st == FS_SET && rec_fields(r->type)[f].kind == FK_NUM) {
        *out = v->u.d;
        return true;
    }
    return false;
}

static bool get_int(const cfb_rec *r, size_t f, long long *out) {
    const fval *v = &r->f[f];
    if (v->st == FS_INT || (v->st == FS_SET && rec_fields(r->type)[f].kind == FK_INT)) {
        *out = v->u.i;
        return true;
    }
    return false;
}

static long long int_or(const cfb_rec *r, size_t f, long long def) {
    long long v;
    return get_int(r, f, &v) ? v : def;
}

static const json_t *get_json(const cfb_rec *r, size_t f) {
    return r->f[f].st == FS_SET ? r->f[f].u.j : NULL;
}

static cfb_rec *get_rec(const cfb_rec *r, size_t f) {
    return r->f[f].st == FS_SET ? r->f[f].u.r : NULL;
}

/* The nested record of slot f, made when absent (or null). */
static cfb_rec *need_rec(cfb_rec *r, size_t f) {
    if (r->f[f].st == FS_SET) return r->f[f].u.r;
    cfb_rec *n = rec_new(rec_fields(r->type)[f].sub);
    if (!n) return NULL;
    slot_prep(r, f);
    r->f[f].st = FS_SET;
    r->f[f].u.r = n;
    return n;
}

static rec_list *need_list(cfb_rec *r, size_t f) {
    if (r->f[f].st != FS_SET) {
        slot_prep(r, f);
        r->f[f].st = FS_SET;
    }
    return &r->f[f].u.l;
}

static const rec_list *get_list(const cfb_rec *r, size_t f) {
    return r->f[f].st == FS_SET ? &r->f[f].u.l : NULL;
}

/* A deep copy of r (JSON values copied too: a setter may change them in
 * place); NULL on out of memory. */
cfb_rec *rec_copy(const cfb_rec *r) {
    cfb_rec *c = rec_new(r->type);
    if (!c) return NULL;
    if ((r->extra && !(c->extra = json_deep_copy(r->extra))) ||
        (r->nord && !(c->ord = malloc(r->nord))))
        goto oom;
    if (r->nord) memcpy(c->ord, r->ord, r->nord);
    c->nord = c->ordcap = r->nord;
    for (size_t f = 0; f < rec_nfields(r->type); f++) {
        const fval *v = &r->f[f];
        fval *w = &c->f[f];
        if (v->st != FS_SET) {
            *w = *v; /* absent, null, an integer */
            continue;
        }
        switch (rec_fields(r->type)[f].kind) {
        case FK_STR:
            if (!(w->u.s = strdup(v->u.s))) goto oom;
            break;
        case FK_JSON:
            if (!(w->u.j = json_deep_copy(v->u.j))) goto oom;
            break;
        case FK_REC:
            if (!(w->u.r = rec_copy(v->u.r))) goto oom;
            break;
        case FK_RECS:
            w->st = FS_SET;
            for (size_t i = 0; i < v->u.l.n; i++)
                if (rec_list_push(&w->u.l, rec_copy(v->u.l.v[i]))) goto oom;
            break;
        default:
            w->u = v->u;
        }
        w->st = FS_SET;
    }
    return c;
oom:
    rec_free(c);
    return NULL;
}

#define REC(x) (&(x)->rec)

/* ---- the document -------------------------------------------------------- */

cfb_results *cfb_results_new(void) {
    cfb_rec *r = rec_new(RT_DOC);
    if (!r) return NULL;
    cfb_results *d = (cfb_results *)r;
    if (set_str(r, D_SCHEMA, CFB_RESULTS_SCHEMA) || set_int(r, D_VERSION, 1) ||
        set_bool(r, D_COMPLETE, false) || !need_list(r, D_CASES)) {
        rec_free(r);
        return NULL;
    }
    return d;
}

void cfb_results_free(cfb_results *d) {
    rec_free(d ? REC(d) : NULL);
}

int cfb_results_schema_version(const cfb_results *d) {
    return (int)int_or(REC(d), D_VERSION, 1);
}

bool cfb_results_complete(const cfb_results *d) {
    return REC(d)->f[D_COMPLETE].st == FS_SET && REC(d)->f[D_COMPLETE].u.b;
}

bool cfb_results_interrupted(const cfb_results *d) {
    return REC(d)->f[D_INTERRUPTED].st == FS_SET && REC(d)->f[D_INTERRUPTED].u.b;
}

int cfb_results_set_status(cfb_results *d, bool complete, bool interrupted) {
    return set_bool(REC(d), D_COMPLETE, complete) | set_bool(REC(d), D_INTERRUPTED, interrupted);
}

static const char *tool_str(const cfb_results *d, size_t f) {
    const cfb_rec *t = get_rec(REC(d), D_TOOL);
    return t ? slot_str(t, f) : NULL;
}
const char *cfb_results_tool_name(const cfb_results *d) {
    return tool_str(d, T_NAME);
}
const char *cfb_results_tool_version(const cfb_results *d) {
    return tool_str(d, T_VERSION);
}
const char *cfb_results_tool_commit(const cfb_results *d) {
    return tool_str(d, T_COMMIT);
}
const char *cfb_results_created(const cfb_results *d) {
    return slot_str(REC(d), D_CREATED);
}
const char *cfb_results_finished(const cfb_results *d) {
    return slot_str(REC(d), D_FINISHED);
}

int cfb_results_set_tool(cfb_results *d, const char *name, const char *version,
                         const char *commit) {
    cfb_rec *t = need_rec(REC(d), D_TOOL);
    if (!t) return -1;
    return set_str(t, T_NAME, name) | set_str(t, T_VERSION, version) | set_str(t, T_COMMIT, commit);
}

int cfb_results_set_times(cfb_results *d, const char *created, const char *finished) {
    return set_str(REC(d), D_CREATED, created) | set_str(REC(d), D_FINISHED, finished);
}

const json_t *cfb_results_host(const cfb_results *d) {
    return get_json(REC(d), D_HOST);
}
const json_t *cfb_results_build(const cfb_results *d) {
    return get_json(REC(d), D_BUILD);
}
const json_t *cfb_results_noise(const cfb_results *d) {
    return get_json(REC(d), D_NOISE);
}
const json_t *cfb_results_config(const cfb_results *d) {
    return get_json(REC(d), D_CONFIG);
}
int cfb_results_set_host(cfb_results *d, json_t *s) {
    return set_json(REC(d), D_HOST, s);
}
int cfb_results_set_build(cfb_results *d, json_t *s) {
    return set_json(REC(d), D_BUILD, s);
}
int cfb_results_set_noise(cfb_results *d, json_t *s) {
    return set_json(REC(d), D_NOISE, s);
}
int cfb_results_set_config(cfb_results *d, json_t *s) {
    return set_json(REC(d), D_CONFIG, s);
}

/* Whether key names one of the nf known fields of a record of type rt. */
static bool known_key(rec_type rt, size_t nf, const char *key) {
    for (size_t f = 0; f < nf; f++)
        if (!strcmp(rec_fields(rt)[f].key, key)) return true;
    return false;
}

/* Key key of r's unknown fields (r a record of type rt with nf known
 * fields); NULL when absent, and for a known key: a verbatim known field is
 * not an extension. */
static const json_t *rec_extension(const cfb_rec *r, rec_type rt, size_t nf, const char *key) {
    if (!r->extra || !key || known_key(rt, nf, key)) return NULL;
    return json_object_get(r->extra, key);
}

const json_t *cfb_results_extension(const cfb_results *d, const char *key) {
    return rec_extension(REC(d), RT_DOC, D_N, key);
}

int cfb_results_set_extension(cfb_results *d, const char *key, json_t *v) {
    cfb_rec *r = REC(d);
    if (!key || !v) {
        json_decref(v);
        return -1;
    }
    if (known_key(RT_DOC, D_N, key) || (!r->extra && !(r->extra = json_object()))) {
        json_decref(v);
        return -1;
    }
    return json_object_set_new(r->extra, key, v);
}

size_t cfb_results_ncases(const cfb_results *d) {
    const rec_list *l = get_list(REC(d), D_CASES);
    return l ? l->n : 0;
}

const cfb_rcase *cfb_results_case(const cfb_results *d, size_t i) {
    const rec_list *l = get_list(REC(d), D_CASES);
    return l && i < l->n ? (const cfb_rcase *)l->v[i] : NULL;
}

cfb_rcase *cfb_results_case_mut(cfb_results *d, size_t i) {
    const rec_list *l = get_list(REC(d), D_CASES);
    return l && i < l->n ? (cfb_rcase *)l->v[i] : NULL;
}

const cfb_rcase *cfb_results_find(const cfb_results *d, const char *id) {
    for (size_t i = 0; id && i < cfb_results_ncases(d); i++) {
        const cfb_rcase *c = cfb_results_case(d, i);
        const char *cid = cfb_rcase_id(c);
        if (cid && !strcmp(cid, id)) return c;
    }
    return NULL;
}

int cfb_results_add_case(cfb_results *d, cfb_rcase *c) {
    if (!c) return -1;
    return rec_list_push(need_list(REC(d), D_CASES), REC(c));
}

/* ---- a case -------------------------------------------------------------- */

cfb_rcase *cfb_rcase_new(const char *id, const char *workload, const char *mode, int workers,
                         long long tasks) {
    cfb_rec *r = rec_new(RT_CASE);
    if (!r) return NULL;
    if (!id || !workload || !mode || set_str(r, C_ID, id) || set_str(r, C_WORKLOAD, workload) ||
        set_str(r, C_MODE, mode) || set_int(r, C_WORKERS, workers) || set_int(r, C_TASKS, tasks) ||
        !need_list(r, C_REPS)) {
        rec_free(r);
        return NULL;
    }
    return (cfb_rcase *)r;
}

void cfb_rcase_free(cfb_rcase *c) {
    rec_free(c ? REC(c) : NULL);
}

const char *cfb_rcase_id(const cfb_rcase *c) {
    return slot_str(REC(c), C_ID);
}
const char *cfb_rcase_workload(const cfb_rcase *c) {
    return slot_str(REC(c), C_WORKLOAD);
}
const char *cfb_rcase_mode(const cfb_rcase *c) {
    return slot_str(REC(c), C_MODE);
}
int cfb_rcase_workers(const cfb_rcase *c) {
    return (int)int_or(REC(c), C_WORKERS, 1);
}
long long cfb_rcase_tasks(const cfb_rcase *c) {
    return int_or(REC(c), C_TASKS, 0);
}
const char *cfb_rcase_impl_raw(const cfb_rcase *c) {
    return slot_str(REC(c), C_IMPL);
}
const char *cfb_rcase_impl(const cfb_rcase *c) {
    const char *s = cfb_rcase_impl_raw(c);
    return s && *s ? s : "c";
}
const char *cfb_rcase_bound(const cfb_rcase *c) {
    return slot_str(REC(c), C_BOUND);
}
int cfb_rcase_processes(const cfb_rcase *c) {
    return (int)int_or(REC(c), C_PROCESSES, -1);
}
const char *cfb_rcase_error(const cfb_rcase *c) {
    /* any error value marks the case failed (the validator's rule) */
    if (REC(c)->f[C_ERROR].st == FS_SET) return REC(c)->f[C_ERROR].u.s;
    const json_t *v = verbatim(REC(c), C_ERROR);
    if (v || REC(c)->f[C_ERROR].st == FS_NULL) return json_is_string(v) ? json_string_value(v) : "";
    return NULL;
}
const char *cfb_rcase_metric_name(const cfb_rcase *c) {
    return slot_str(REC(c), C_METRIC_NAME);
}
bool cfb_rcase_is_seq(const cfb_rcase *c) {
    const char *m = cfb_rcase_mode(c);
    return m && !strcmp(m, "seq");
}

int cfb_rcase_set_impl(cfb_rcase *c, const char *s) {
    return set_str(REC(c), C_IMPL, s);
}
int cfb_rcase_set_bound(cfb_rcase *c, const char *s) {
    return set_str(REC(c), C_BOUND, s);
}
int cfb_rcase_set_processes(cfb_rcase *c, int p) {
    return set_int(REC(c), C_PROCESSES, p);
}
int cfb_rcase_set_error(cfb_rcase *c, const char *s) {
    return set_str(REC(c), C_ERROR, s);
}
int cfb_rcase_set_metric_name(cfb_rcase *c, const char *s) {
    return set_str(REC(c), C_METRIC_NAME, s);
}

/* params / scan: JSON objects of strings, read in order. */
static const json_t *kv_obj(const cfb_rcase *c, size_t f) {
    const json_t *o = get_json(REC(c), f);
    return json_is_object(o) ? o : NULL;
}

static const char *kv_key(const json_t *o, size_t i) {
    if (!o || i >= json_object_size(o)) return NULL;
    size_t k = 0;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        if (k++ == i) return key;
    }
    return NULL;
}

static const char *kv_value(const json_t *o, size_t i) {
    const char *k = kv_key(o, i);
    return k ? json_string_value(json_object_get(o, k)) : NULL;
}

static int kv_add(cfb_rcase *c, size_t f, const char *key, const char *value) {
    if (!key || !value) return -1;
    cfb_rec *r = REC(c);
    if (!kv_obj(c, f) && set_json(r, f, json_object())) return -1;
    if (r->f[f].st != FS_SET) return -1;
    return json_object_set_new(r->f[f].u.j, key, json_string(value));
}

int cfb_rcase_init_params(cfb_rcase *c) {
    return kv_obj(c, C_PARAMS) ? 0 : set_json(REC(c), C_PARAMS, json_object());
}
int cfb_rcase_init_scan(cfb_rcase *c) {
    return kv_obj(c, C_SCAN) ? 0 : set_json(REC(c), C_SCAN, json_object());
}

bool cfb_rcase_has_params(const cfb_rcase *c) {
    return get_json(REC(c), C_PARAMS) != NULL;
}
size_t cfb_rcase_nparams(const cfb_rcase *c) {
    return json_object_size(kv_obj(c, C_PARAMS));
}
const char *cfb_rcase_param_key(const cfb_rcase *c, size_t i) {
    return kv_key(kv_obj(c, C_PARAMS), i);
}
const char *cfb_rcase_param_value(const cfb_rcase *c, size_t i) {
    return kv_value(kv_obj(c, C_PARAMS), i);
}
const char *cfb_rcase_param(const cfb_rcase *c, const char *key) {
    return key ? json_string_value(json_object_get(kv_obj(c, C_PARAMS), key)) : NULL;
}
int cfb_rcase_add_param(cfb_rcase *c, const char *k, const char *v) {
    return kv_add(c, C_PARAMS, k, v);
}
size_t cfb_rcase_nscan(const cfb_rcase *c) {
    return json_object_size(kv_obj(c, C_SCAN));
}
const char *cfb_rcase_scan_key(const cfb_rcase *c, size_t i) {
    return kv_key(kv_obj(c, C_SCAN), i);
}
const char *cfb_rcase_scan_value(const cfb_rcase *c, size_t i) {
    return kv_value(kv_obj(c, C_SCAN), i);
}
int cfb_rcase_add_scan(cfb_rcase *c, const char *k, const char *v) {
    return kv_add(c, C_SCAN, k, v);
}

bool cfb_rcase_same_params(const cfb_rcase *a, const cfb_rcase *b) {
    const json_t *p1 = get_json(REC(a), C_PARAMS), *p2 = get_json(REC(b), C_PARAMS);
    return (!p1 && !p2) || (p1 && p2 && json_equal((json_t *)p1, (json_t *)p2));
}

bool cfb_rcase_same_scan(const cfb_rcase *a, const cfb_rcase *b) {
    const json_t *s1 = kv_obj(a, C_SCAN), *s2 = kv_obj(b, C_SCAN);
    if (!json_object_size(s1) || !json_object_size(s2))
        return !json_object_size(s1) && !json_object_size(s2);
    return json_equal((json_t *)s1, (json_t *)s2);
}

const json_t *cfb_rcase_timeline(const cfb_rcase *c) {
    return get_json(REC(c), C_TIMELINE);
}
int cfb_rcase_set_timeline(cfb_rcase *c, json_t *t) {
    return set_json(REC(c), C_TIMELINE, t);
}

size_t cfb_rcase_nreps(const cfb_rcase *c) {
    const rec_list *l = get_list(REC(c), C_REPS);
    return l ? l->n : 0;
}

const cfb_repetition *cfb_rcase_rep(const cfb_rcase *c, size_t i) {
    const rec_list *l = get_list(REC(c), C_REPS);
    return l && i < l->n ? (const cfb_repetition *)l->v[i] : NULL;
}

int cfb_rcase_add_rep(cfb_rcase *c, cfb_repetition *r) {
    if (!r) return -1;
    return rec_list_push(need_list(REC(c), C_REPS), REC(r));
}

const char *cfb_rcase_param_text(const cfb_rcase *c, size_t i, char *buf, size_t len) {
    if (!buf || !len) return buf;
    buf[0] = 0;
    const json_t *o = kv_obj(c, C_PARAMS);
    const char *k = kv_key(o, i);
    const json_t *v = k ? json_object_get(o, k) : NULL;
    if (json_is_string(v))
        snprintf(buf, len, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    return buf;
}

const json_t *cfb_rcase_extension(const cfb_rcase *c, const char *key) {
    return rec_extension(REC(c), RT_CASE, C_N, key);
}

/* ---- summary ------------------------------------------------------------- */

static const size_t stat_slot[] = {S_WALL, S_CPU, S_TPS, S_METRIC};
static const size_t sum_slot[] = {S_IPT, S_SPEEDUP, S_EFF, S_OVERHEAD};

bool cfb_rcase_has_summary(const cfb_rcase *c) {
    return get_rec(REC(c), C_SUMMARY) != NULL;
}

bool cfb_rcase_stat(const cfb_rcase *c, cfb_stat_which w, cfb_stat_summary *out) {
    if ((unsigned)w > CFB_STAT_METRIC || !out) return false;
    const cfb_rec *s = get_rec(REC(c), C_SUMMARY);
    const cfb_rec *st = s ? get_rec(s, stat_slot[w]) : NULL;
    if (!st) return false;
    double *dst[] = {&out->st.median, &out->st.mean, &out->st.stddev,
                     &out->st.mad,    &out->st.min,  &out->st.max};
    memset(out, 0, sizeof *out);
    long long n = int_or(st, ST_N_, 0);
    out->st.n = n > 0 ? (size_t)n : 0;
    for (size_t k = 0; k < 6; k++) /* a hand-made file may hold only some */
        if (!get_num(st, ST_MEDIAN + k, dst[k])) *dst[k] = NAN;
    out->st.ci_lo = out->st.ci_hi = NAN;
    const json_t *ci = get_json(st, ST_CI);
    if (json_is_array(ci) && json_array_size(ci) == 2 && json_is_number(json_array_get(ci, 0)) &&
        json_is_number(json_array_get(ci, 1))) {
        out->st.ci_lo = json_number_value(json_array_get(ci, 0));
        out->st.ci_hi = json_number_value(json_array_get(ci, 1));
    }
    out->outliers = int_or(st, ST_OUTLIERS, -1);
    return true;
}

int cfb_rcase_set_stat(cfb_rcase *c, cfb_stat_which w, const cfb_stats *st, long long outliers) {
    if ((unsigned)w > CFB_STAT_METRIC) return -1;
    cfb_rec *s = need_rec(REC(c), C_SUMMARY);
    if (!s) return -1;
    if (!st) {
        slot_prep(s, stat_slot[w]);
        s->f[stat_slot[w]].st = FS_NULL;
        return 0;
    }
    cfb_rec *o = rec_new(RT_STATS);
    if (!o) return -1;
    const double v[] = {st->median, st->mean, st->stddev, st->mad, st->min, st->max};
    int rc = set_int(o, ST_N_, (long long)st->n);
    for (size_t k = 0; k < 6; k++)
        rc |= set_num(o, ST_MEDIAN + k, true, v[k]);
    if (isfinite(st->ci_lo) && isfinite(st->ci_hi)) {
        json_t *ci = json_pack("[f, f]", st->ci_lo, st->ci_hi);
        rc |= ci ? set_json(o, ST_CI, ci) : -1;
    } else {
        o->f[ST_CI].st = FS_NULL;
    }
    if (outliers >= 0) rc |= set_int(o, ST_OUTLIERS, outliers);
    if (rc) {
        rec_free(o);
        return -1;
    }
    slot_prep(s, stat_slot[w]);
    s->f[stat_slot[w]].st = FS_SET;
    s->f[stat_slot[w]].u.r = o;
    return 0;
}

bool cfb_rcase_sum(const cfb_rcase *c, cfb_sum_which w, double *out) {
    if ((unsigned)w > CFB_SUM_OVERHEAD_PER_TASK_S || !out) return false;
    const cfb_rec *s = get_rec(REC(c), C_SUMMARY);
    return s && get_num(s, sum_slot[w], out);
}

double cfb_rcase_stat_median(const cfb_rcase *c, cfb_stat_which w) {
    cfb_stat_summary st;
    return cfb_rcase_stat(c, w, &st) ? st.st.median : NAN;
}

double cfb_rcase_sum_value(const cfb_rcase *c, cfb_sum_which w) {
    double v;
    return cfb_rcase_sum(c, w, &v) ? v : NAN;
}

int cfb_rcase_set_sum(cfb_rcase *c, cfb_sum_which w, bool have, double v) {
    if ((unsigned)w > CFB_SUM_OVERHEAD_PER_TASK_S) return -1;
    cfb_rec *s = need_rec(REC(c), C_SUMMARY);
    return s ? set_num(s, sum_slot[w], have, v) : -1;
}

/* ---- a repetition -------------------------------------------------------- */

static const size_t rep_slot[] = {R_USER,   R_SYS,   R_CPU,   R_RSS, R_CTXV,   R_CTXI,  R_OK,
                                  R_FAILED, R_CHECK, R_BYTES, R_TPS, R_SAMPLE, R_INSTR, R_METRIC};
#define NREP_FIELDS (sizeof rep_slot / sizeof rep_slot[0])

cfb_repetition *cfb_repetition_new(long long index, double wall_s) {
    cfb_rec *r = rec_new(RT_REP);
    if (!r) return NULL;
    set_int(r, R_INDEX, index);
    set_num(r, R_WALL, true, wall_s);
    return (cfb_repetition *)r;
}

void cfb_repetition_free(cfb_repetition *r) {
    rec_free(r ? REC(r) : NULL);
}

cfb_repetition *cfb_repetition_copy(const cfb_repetition *r) {
    return r ? (cfb_repetition *)rec_copy(REC(r)) : NULL;
}

long long cfb_repetition_index(const cfb_repetition *r) {
    return int_or(REC(r), R_INDEX, -1);
}

double cfb_repetition_wall_s(const cfb_repetition *r) {
    double v;
    return get_num(REC(r), R_WALL, &v) ? v : NAN;
}

bool cfb_repetition_num(const cfb_repetition *r, cfb_rep_field f, double *out) {
    return (unsigned)f < NREP_FIELDS && out && get_num(REC(r), rep_slot[f], out);
}

bool cfb_repetition_int(const cfb_repetition *r, cfb_rep_field f, long long *out) {
    return (unsigned)f < NREP_FIELDS && out && get_int(REC(r), rep_slot[f], out);
}

cfb_field_state cfb_repetition_state(const cfb_repetition *r, cfb_rep_field f) {
    if ((unsigned)f >= NREP_FIELDS) return CFB_FIELD_ABSENT;
    unsigned char st = REC(r)->f[rep_slot[f]].st;
    if (st == FS_INT) return CFB_FIELD_SET;
    if (st == FS_ABSENT && verbatim(REC(r), rep_slot[f])) return CFB_FIELD_VERBATIM;
    return (cfb_field_state)st;
}

int cfb_repetition_set_num(cfb_repetition *r, cfb_rep_field f, double v) {
    if ((unsigned)f >= NREP_FIELDS || rec_fields(RT_REP)[rep_slot[f]].kind != FK_NUM) return -1;
    return set_num(REC(r), rep_slot[f], true, v);
}

int cfb_repetition_set_int(cfb_repetition *r, cfb_rep_field f, long long v) {
    if ((unsigned)f >= NREP_FIELDS) return -1;
    return set_int(REC(r), rep_slot[f], v);
}

int cfb_repetition_set_null(cfb_repetition *r, cfb_rep_field f) {
    if ((unsigned)f >= NREP_FIELDS) return -1;
    slot_prep(REC(r), rep_slot[f]);
    REC(r)->f[rep_slot[f]].st = FS_NULL;
    return 0;
}

bool cfb_repetition_latency(const cfb_repetition *r, cfb_latency *out) {
    const cfb_rec *l = get_rec(REC(r), R_LAT);
    if (!l || !out) return false;
    double *dst[] = {&out->p50, &out->p90, &out->p99, &out->max, &out->mean};
    for (size_t k = 0; k < L_N; k++)
        if (!get_num(l, k, dst[k])) return false;
    return true;
}

bool cfb_repetition_latency_part(const cfb_repetition *r, cfb_latency_part k, double *out) {
    const cfb_rec *l = get_rec(REC(r), R_LAT);
    return l && out && (unsigned)k < L_N && get_num(l, (size_t)k, out);
}

int cfb_repetition_set_latency(cfb_repetition *r, const cfb_latency *lat) {
    cfb_rec *rr = REC(r);
    if (!lat) {
        slot_prep(rr, R_LAT);
        rr->f[R_LAT].st = FS_NULL;
        return 0;
    }
    cfb_rec *l = rec_new(RT_LAT);
    if (!l) return -1;
    const double v[] = {lat->p50, lat->p90, lat->p99, lat->max, lat->mean};
    for (size_t k = 0; k < L_N; k++) /* a latency is always a real, even when integral */
        set_num(l, k, true, v[k]);
    slot_prep(rr, R_LAT);
    rr->f[R_LAT].st = FS_SET;
    rr->f[R_LAT].u.r = l;
    return 0;
}

size_t cfb_repetition_ncounts(const cfb_repetition *r) {
    const json_t *o = get_json(REC(r), R_COUNTS);
    return json_is_object(o) ? json_object_size(o) : 0;
}

const char *cfb_repetition_count_name(const cfb_repetition *r, size_t i) {
    const json_t *o = get_json(REC(r), R_COUNTS);
    return json_is_object(o) ? kv_key(o, i) : NULL;
}

long long cfb_repetition_count_value(const cfb_repetition *r, size_t i) {
    const char *k = cfb_repetition_count_name(r, i);
    const json_t *v = k ? json_object_get(get_json(REC(r), R_COUNTS), k) : NULL;
    return json_is_integer(v) ? json_integer_value(v) : -1;
}

int cfb_repetition_add_count(cfb_repetition *r, const char *name, long long n) {
    cfb_rec *rr = REC(r);
    if (!name) return -1;
    if (!json_is_object(get_json(rr, R_COUNTS)) && set_json(rr, R_COUNTS, json_object())) return -1;
    if (rr->f[R_COUNTS].st != FS_SET) return -1;
    return json_object_set_new(rr->f[R_COUNTS].u.j, name, json_integer((json_int_t)n));
}

const char *cfb_repetition_first_problem(const cfb_repetition *r) {
    return slot_str(REC(r), R_FIRST);
}

int cfb_repetition_set_first_problem(cfb_repetition *r, const char *s) {
    return set_str(REC(r), R_FIRST, s);
}

/* ---- derived metrics ----------------------------------------------------- */

static bool usable_seq(const cfb_rcase *s) {
    return cfb_rcase_is_seq(s) && !cfb_rcase_error(s) && cfb_rcase_nreps(s) > 0;
}

static bool same_str(const char *a, const char *b) {
    return a && b && !strcmp(a, b);
}

const cfb_rcase *cfb_results_seq_of(const cfb_results *d, const cfb_rcase *c) {
    if (!d || !c) return NULL;
    for (size_t i = 0; i < cfb_results_ncases(d); i++) {
        const cfb_rcase *s = cfb_results_case(d, i);
        if (usable_seq(s) && same_str(cfb_rcase_workload(s), cfb_rcase_workload(c)) &&
            !strcmp(cfb_rcase_impl(s), cfb_rcase_impl(c)) && cfb_rcase_same_scan(s, c))
            return s;
    }
    return NULL;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double cfb_rcase_median_wall(const cfb_rcase *c) {
    cfb_stat_summary s;
    if (cfb_rcase_stat(c, CFB_STAT_WALL, &s) && isfinite(s.st.median)) return s.st.median;
    size_t n = cfb_rcase_nreps(c), m = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) return NAN;
    for (size_t i = 0; i < n; i++) {
        double w = cfb_repetition_wall_s(cfb_rcase_rep(c, i));
        if (isfinite(w)) v[m++] = w;
    }
    qsort(v, m, sizeof *v, cmp_d);
    double med = cfb_quantile_sorted(v, m, 0.5);
    free(v);
    return med;
}

int cfb_derived_compute(double seq_median, double median, int workers, long long tasks,
                        cfb_derived *out) {
    if (!out) return -1;
    out->speedup = out->efficiency = out->overhead_per_task_s = NAN;
    if (!isfinite(seq_median) || !isfinite(median) || workers <= 0) return -1;
    if (median > 0) {
        out->speedup = seq_median / median;
        out->efficiency = out->speedup / workers;
    }
    if (tasks > 0) out->overhead_per_task_s = (median * workers - seq_median) / (double)tasks;
    return isfinite(out->speedup) && isfinite(out->overhead_per_task_s) ? 0 : -1;
}

int cfb_rcase_derived(const cfb_results *d, const cfb_rcase *c, cfb_derived *out) {
    const cfb_rcase *s = cfb_results_seq_of(d, c);
    double seqmed = s ? cfb_rcase_median_wall(s) : NAN;
    return cfb_derived_compute(seqmed, cfb_rcase_median_wall(c), cfb_rcase_workers(c),
                               cfb_rcase_tasks(c), out);
}

/* The index key of case c for its seq reference: workload \x1f impl \x1f
 * scan values (compact, sorted keys; \x1e when there are none). Equal keys
 * are equal value sets exactly when the scan is an object of strings, so a
 * case without a workload or with another scan gets no key (NULL): it is
 * looked up by cfb_results_seq_of(). NULL with *oom set when out of memory. */
static char *seq_key(const cfb_rcase *c, bool *oom) {
    const char *wl = cfb_rcase_workload(c);
    if (!wl) return NULL;
    const json_t *p = kv_obj(c, C_SCAN);
    if (!json_object_size(p)) p = NULL; /* absent and {} are the same: no value set */
    char *pj = NULL;
    if (p) {
        if (!json_is_object(p)) return NULL;
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)p, k, v) {
            if (!json_is_string(v)) return NULL;
        }
        if (!(pj = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS))) {
            *oom = true;
            return NULL;
        }
    }
    const char *impl = cfb_rcase_impl(c);
    size_t len = strlen(wl) + strlen(impl) + (pj ? strlen(pj) : 1) + 3;
    char *key = malloc(len);
    if (key)
        snprintf(key, len, "%s\x1f%s\x1f%s", wl, impl, pj ? pj : "\x1e");
    else
        *oom = true;
    free(pj);
    return key;
}

typedef struct seq_ent {
    const char *key; /* borrowed from the keys array */
    size_t idx;      /* position in the document */
} seq_ent;

static int cmp_seq_ent(const void *a, const void *b) {
    const seq_ent *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

int cfb_results_seq_refs(const cfb_results *d, const cfb_rcase **refs) {
    if (!d || !refs) return -1;
    size_t n = cfb_results_ncases(d), k = 0;
    seq_ent *e = calloc(n ? n : 1, sizeof *e);
    char **keys = calloc(n ? n : 1, sizeof *keys);
    bool oom = !e || !keys;
    for (size_t i = 0; !oom && i < n; i++) {
        const cfb_rcase *c = cfb_results_case(d, i);
        keys[i] = seq_key(c, &oom);
        if (keys[i] && usable_seq(c)) e[k++] = (seq_ent){keys[i], i};
    }
    if (!oom) {
        qsort(e, k, sizeof *e, cmp_seq_ent);
        for (size_t i = 0; i < n; i++) {
            const cfb_rcase *c = cfb_results_case(d, i), *s = NULL;
            if (!keys[i]) {
                refs[i] = cfb_results_seq_of(d, c);
                continue;
            }
            size_t lo = 0, hi = k; /* the first entry with this key: the lowest position */
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcmp(e[mid].key, keys[i]) < 0)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo < k && !strcmp(e[lo].key, keys[i])) s = cfb_results_case(d, e[lo].idx);
            /* a key shared by other fields (a workload holding \x1f): the scan decides */
            if (s && !(same_str(cfb_rcase_workload(s), cfb_rcase_workload(c)) &&
                       !strcmp(cfb_rcase_impl(s), cfb_rcase_impl(c)) && cfb_rcase_same_scan(s, c)))
                s = cfb_results_seq_of(d, c);
            refs[i] = s;
        }
    }
    for (size_t i = 0; keys && i < n; i++)
        free(keys[i]);
    free(keys);
    free(e);
    return oom ? -1 : 0;
}
