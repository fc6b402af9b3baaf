/*
 * model_json.c — the one JSON codec of the results model (results/include/cfbench_results.h):
 * the schema's keys (docs/results-schema.md) are spelled here and only
 * here, in the field tables below; cfb_results_validate() (the required
 * fields and their messages, results_io.h) and the decoder / encoder are
 * driven by them. Decoding keeps every key the tables do not know, and
 * every value a slot cannot hold exactly, verbatim with its position
 * (model_internal.h), so encode(decode(doc)) is doc, key order included.
 * Single-threaded per document; no globals but the constant tables.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "results_io.h"

/* ---- the schema's keys ---------------------------------------------------- */

static const fdesc doc_f[D_N] = {
    [D_SCHEMA] = {"schema", FK_STR, 0},      [D_VERSION] = {"schema_version", FK_INT, 0},
    [D_COMPLETE] = {"complete", FK_BOOL, 0}, [D_INTERRUPTED] = {"interrupted", FK_BOOL, 0},
    [D_TOOL] = {"tool", FK_REC, RT_TOOL},    [D_CREATED] = {"created", FK_STR, 0},
    [D_FINISHED] = {"finished", FK_STR, 0},  [D_HOST] = {"host", FK_JSON, 0},
    [D_BUILD] = {"build", FK_JSON, 0},       [D_NOISE] = {"noise", FK_JSON, 0},
    [D_CONFIG] = {"config", FK_JSON, 0},     [D_CASES] = {"cases", FK_RECS, RT_CASE},
};
static const fdesc tool_f[T_N] = {
    [T_NAME] = {"name", FK_STR, 0},
    [T_VERSION] = {"version", FK_STR, 0},
    [T_COMMIT] = {"commit", FK_STR, 0},
};
static const fdesc case_f[C_N] = {
    [C_ID] = {"id", FK_STR, 0},
    [C_WORKLOAD] = {"workload", FK_STR, 0},
    [C_MODE] = {"mode", FK_STR, 0},
    [C_WORKERS] = {"workers", FK_INT, 0},
    [C_IMPL] = {"impl", FK_STR, 0},
    [C_BOUND] = {"bound", FK_STR, 0},
    [C_PROCESSES] = {"processes", FK_INT, 0},
    [C_PARAMS] = {"params", FK_JSON, 0},
    [C_SCAN] = {"scan", FK_JSON, 0},
    [C_TASKS] = {"tasks", FK_INT, 0},
    [C_REPS] = {"repetitions", FK_RECS, RT_REP},
    [C_TIMELINE] = {"timeline", FK_JSON, 0},
    [C_METRIC_NAME] = {"metric_name", FK_STR, 0},
    [C_SUMMARY] = {"summary", FK_REC, RT_SUMMARY},
    [C_ERROR] = {"error", FK_STR, 0},
};
static const fdesc rep_f[R_N] = {
    [R_INDEX] = {"index", FK_INT, 0},        [R_WALL] = {"wall_s", FK_NUM, 0},
    [R_USER] = {"user_s", FK_NUM, 0},        [R_SYS] = {"sys_s", FK_NUM, 0},
    [R_CPU] = {"cpu_s", FK_NUM, 0},          [R_RSS] = {"max_rss_kb", FK_INT, 0},
    [R_CTXV] = {"ctx_voluntary", FK_INT, 0}, [R_CTXI] = {"ctx_involuntary", FK_INT, 0},
    [R_OK] = {"tasks_ok", FK_INT, 0},        [R_FAILED] = {"tasks_failed", FK_INT, 0},
    [R_COUNTS] = {"counts", FK_JSON, 0},     [R_CHECK] = {"check_failures", FK_INT, 0},
    [R_BYTES] = {"bytes", FK_INT, 0},        [R_TPS] = {"throughput_tps", FK_NUM, 0},
    [R_LAT] = {"latency_s", FK_REC, RT_LAT}, [R_SAMPLE] = {"latency_sample_every", FK_INT, 0},
    [R_INSTR] = {"instructions", FK_INT, 0}, [R_FIRST] = {"first_problem", FK_STR, 0},
    [R_METRIC] = {"metric", FK_NUM, 0},
};
static const fdesc sum_f[S_N] = {
    [S_WALL] = {"wall_s", FK_REC, RT_STATS},
    [S_CPU] = {"cpu_s", FK_REC, RT_STATS},
    [S_TPS] = {"throughput_tps", FK_REC, RT_STATS},
    [S_IPT] = {"instructions_per_task", FK_NUM, 0},
    [S_SPEEDUP] = {"speedup", FK_NUM, 0},
    [S_EFF] = {"efficiency", FK_NUM, 0},
    [S_OVERHEAD] = {"overhead_per_task_s", FK_NUM, 0},
    [S_METRIC] = {"metric", FK_REC, RT_STATS},
};
static const fdesc stats_f[ST_NF] = {
    [ST_N_] = {"n", FK_INT, 0},
    [ST_MEDIAN] = {"median", FK_NUM, 0},
    [ST_MEAN] = {"mean", FK_NUM, 0},
    [ST_STDDEV] = {"stddev", FK_NUM, 0},
    [ST_MAD] = {"mad", FK_NUM, 0},
    [ST_MIN] = {"min", FK_NUM, 0},
    [ST_MAX] = {"max", FK_NUM, 0},
    [ST_CI] = {"ci95", FK_JSON, 0},
    [ST_OUTLIERS] = {"outliers", FK_INT, 0},
};
static const fdesc lat_f[L_N] = {
    [L_P50] = {"p50", FK_NUM, 0}, [L_P90] = {"p90", FK_NUM, 0},   [L_P99] = {"p99", FK_NUM, 0},
    [L_MAX] = {"max", FK_NUM, 0}, [L_MEAN] = {"mean", FK_NUM, 0},
};

static const fdesc *const tables[RT_N] = {doc_f, tool_f, case_f, rep_f, sum_f, stats_f, lat_f};
static const size_t ntables[RT_N] = {D_N, T_N, C_N, R_N, S_N, ST_NF, L_N};

size_t rec_nfields(rec_type t) {
    return ntables[t];
}
const fdesc *rec_fields(rec_type t) {
    return tables[t];
}

#define KD(f) (doc_f[f].key)
#define KC(f) (case_f[f].key)
#define KR(f) (rep_f[f].key)

/* keys of the JSON sections the typed accessors read */
#define HOST_HOSTNAME "hostname"
#define HOST_CPU_MODEL "cpu_model"
#define HOST_CPUS "cpus"
#define HOST_CPUS_ALLOWED "cpus_allowed"
#define CONFIG_REPEAT "repeat"
#define CONFIG_LADDERS "ladders"
#define LADDER_BOUND "bound"

const char *cfb_results_ladder_bound(const cfb_results *d, const char *workload) {
    if (!workload) return NULL;
    const json_t *l =
        json_object_get(json_object_get(cfb_results_config(d), CONFIG_LADDERS), workload);
    return json_string_value(json_object_get(l, LADDER_BOUND));
}

const char *cfb_results_hostname(const cfb_results *d) {
    return json_string_value(json_object_get(cfb_results_host(d), HOST_HOSTNAME));
}
const char *cfb_results_cpu_model(const cfb_results *d) {
    return json_string_value(json_object_get(cfb_results_host(d), HOST_CPU_MODEL));
}
static int int_in(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : -1;
}
int cfb_results_cpus(const cfb_results *d) {
    return int_in(cfb_results_host(d), HOST_CPUS);
}
int cfb_results_cpus_allowed(const cfb_results *d) {
    return int_in(cfb_results_host(d), HOST_CPUS_ALLOWED);
}
int cfb_results_repeat(const cfb_results *d) {
    return int_in(cfb_results_config(d), CONFIG_REPEAT);
}

#define HOST_KERNEL "kernel"
#define HOST_CPU_MHZ "cpu_mhz"
#define HOST_CACHES "caches"
#define CACHE_TYPE "type"
#define CACHE_LEVEL "level"
#define CACHE_SIZE "size"
#define CACHE_NUM_SHARING "num_sharing"
#define BUILD_BUILD_TYPE "build_type"
#define NOISE_LOAD_AVG_BEFORE "load_avg_before"

const char *cfb_results_kernel(const cfb_results *d) {
    return json_string_value(json_object_get(cfb_results_host(d), HOST_KERNEL));
}
const char *cfb_results_build_type(const cfb_results *d) {
    return json_string_value(json_object_get(cfb_results_build(d), BUILD_BUILD_TYPE));
}
static double num_in(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}
double cfb_results_cpu_mhz(const cfb_results *d) {
    return num_in(cfb_results_host(d), HOST_CPU_MHZ);
}
bool cfb_results_load_avg_before(const cfb_results *d, double out[3]) {
    const json_t *la = json_object_get(cfb_results_noise(d), NOISE_LOAD_AVG_BEFORE);
    if (!out || json_array_size(la) != 3) return false;
    for (size_t i = 0; i < 3; i++)
        if (!json_is_number(json_array_get(la, i))) return false;
    for (size_t i = 0; i < 3; i++)
        out[i] = json_number_value(json_array_get(la, i));
    return true;
}
size_t cfb_results_ncaches(const cfb_results *d) {
    return json_array_size(json_object_get(cfb_results_host(d), HOST_CACHES));
}
bool cfb_results_cache(const cfb_results *d, size_t i, cfb_host_cache *out) {
    const json_t *e = json_array_get(json_object_get(cfb_results_host(d), HOST_CACHES), i);
    const char *type = json_string_value(json_object_get(e, CACHE_TYPE));
    double level = num_in(e, CACHE_LEVEL), size = num_in(e, CACHE_SIZE);
    if (!out || !type || isnan(level) || isnan(size)) return false;
    out->type = type;
    out->level = level;
    out->size = size;
    out->num_sharing = num_in(e, CACHE_NUM_SHARING);
    return true;
}

/* ---- validation (the required fields; results_io.h) ----------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int need(const json_t *obj, const char *field, const char *what, int type, const char *where,
                char *err, size_t errlen) {
    const json_t *v = json_object_get(obj, field);
    if (!v)
        return fail(err, errlen, "missing required field '%s'%s%s", field, where ? " in " : "",
                    where ? where : "");
    bool ok;
    switch (type) {
    case 's':
        ok = json_is_string(v);
        break;
    case 'i':
        ok = json_is_integer(v);
        break;
    case 'n':
        ok = json_is_number(v);
        break;
    case 'b':
        ok = json_is_boolean(v);
        break;
    case 'a':
        ok = json_is_array(v);
        break;
    case 'o':
        ok = json_is_object(v);
        break;
    default:
        ok = true;
    }
    if (!ok)
        return fail(err, errlen, "field '%s'%s%s is not %s", field, where ? " in " : "",
                    where ? where : "", what);
    return 0;
}

int cfb_results_validate(const json_t *doc, char *err, size_t errlen) {
    if (!json_is_object(doc))
        return fail(err, errlen, "not a cfbench results document (top level is not an object)");
    const json_t *schema = json_object_get(doc, KD(D_SCHEMA));
    if (!json_is_string(schema) || strcmp(json_string_value(schema), CFB_RESULTS_SCHEMA) != 0)
        return fail(err, errlen, "not a cfbench results document (schema is not \"%s\")",
                    CFB_RESULTS_SCHEMA);
    const json_t *ver = json_object_get(doc, KD(D_VERSION));
    if (!json_is_integer(ver))
        return fail(err, errlen, "missing required field '%s'", KD(D_VERSION));
    json_int_t v = json_integer_value(ver);
    if (v > CFB_RESULTS_SCHEMA_VERSION)
        return fail(err, errlen,
                    "schema_version %lld was written by a newer cfbench (this one reads up to %d)",
                    (long long)v, CFB_RESULTS_SCHEMA_VERSION);
    if (v < 1) return fail(err, errlen, "invalid schema_version %lld", (long long)v);
    if (need(doc, KD(D_COMPLETE), "a boolean", 'b', NULL, err, errlen) ||
        need(doc, KD(D_CASES), "an array", 'a', NULL, err, errlen))
        return -1;
    const json_t *cases = json_object_get(doc, KD(D_CASES));
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c) {
        char where[200];
        if (!json_is_object(c)) return fail(err, errlen, "cases[%zu] is not an object", i);
        const json_t *id = json_object_get(c, KC(C_ID));
        if (!json_is_string(id))
            return fail(err, errlen, "missing required field '%s' in cases[%zu]", KC(C_ID), i);
        char idp[160];
        cfb_one_line(idp, sizeof idp, json_string_value(id));
        snprintf(where, sizeof where, "case %s", idp);
        if (need(c, KC(C_WORKLOAD), "a string", 's', where, err, errlen) ||
            need(c, KC(C_MODE), "a string", 's', where, err, errlen) ||
            need(c, KC(C_WORKERS), "an integer", 'i', where, err, errlen) ||
            need(c, KC(C_TASKS), "an integer", 'i', where, err, errlen) ||
            need(c, KC(C_REPS), "an array", 'a', where, err, errlen))
            return -1;
        if (!json_object_get(c, KC(C_ERROR)) &&
            need(c, KC(C_SUMMARY), "an object", 'o', where, err, errlen))
            return -1;
        const json_t *reps = json_object_get(c, KC(C_REPS)), *r;
        size_t j;
        json_array_foreach(reps, j, r) {
            char rw[260];
            snprintf(rw, sizeof rw, "%s repetition %zu", where, j);
            if (!json_is_object(r)) return fail(err, errlen, "%s is not an object", rw);
            if (need(r, KR(R_INDEX), "an integer", 'i', rw, err, errlen) ||
                need(r, KR(R_WALL), "a number", 'n', rw, err, errlen))
                return -1;
            if (json_number_value(json_object_get(r, KR(R_WALL))) < 0)
                return fail(err, errlen, "field '%s' in %s is negative", KR(R_WALL), rw);
        }
    }
    return 0;
}

/* ---- decoding -------------------------------------------------------------- */

/* The slot of key in rec type t, or -1. hint: where to look first (the
 * slot after the previous key's: files list the keys in cfbench's order,
 * so most keys are found by one comparison). */
static int find_field(rec_type t, const char *key, size_t hint) {
    if (hint < ntables[t] && !strcmp(tables[t][hint].key, key)) return (int)hint;
    for (size_t f = 0; f < ntables[t]; f++)
        if (!strcmp(tables[t][f].key, key)) return (int)f;
    return -1;
}

static int decode_rec(const json_t *o, rec_type t, cfb_rec **out);

/* Put v into slot f of r: 1 when it fits, 0 when it does not (the caller
 * keeps it verbatim), -1 on out of memory. */
static int decode_slot(cfb_rec *r, size_t f, json_t *v) {
    const fdesc *d = &tables[r->type][f];
    fval *s = &r->f[f];
    if (json_is_null(v)) {
        s->st = FS_NULL;
        return 1;
    }
    switch (d->kind) {
    case FK_INT:
        if (!json_is_integer(v)) return 0;
        s->u.i = json_integer_value(v);
        s->st = FS_SET;
        return 1;
    case FK_NUM:
        if (json_is_integer(v)) {
            s->u.i = json_integer_value(v);
            s->st = FS_INT;
        } else if (json_is_real(v)) {
            s->u.d = json_real_value(v);
            s->st = FS_SET;
        } else {
            return 0;
        }
        return 1;
    case FK_STR:
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) return 0;
        if (!(s->u.s = strdup(json_string_value(v)))) return -1;
        s->st = FS_SET;
        return 1;
    case FK_BOOL:
        if (!json_is_boolean(v)) return 0;
        s->u.b = json_is_true(v);
        s->st = FS_SET;
        return 1;
    case FK_JSON:
        s->u.j = json_incref(v);
        s->st = FS_SET;
        return 1;
    case FK_REC: {
        if (!json_is_object(v)) return 0;
        cfb_rec *n;
        if (decode_rec(v, d->sub, &n)) return -1;
        s->u.r = n;
        s->st = FS_SET;
        return 1;
    }
    case FK_RECS: {
        if (!json_is_array(v)) return 0;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (!json_is_object(e)) return 0;
        }
        s->st = FS_SET; /* from here on slot_clear frees what was made */
        s->u.l.v = NULL;
        s->u.l.n = s->u.l.cap = 0;
        json_array_foreach(v, i, e) {
            cfb_rec *n;
            if (decode_rec(e, d->sub, &n) || rec_list_push(&s->u.l, n)) return -1;
        }
        return 1;
    }
    }
    return 0;
}

static int decode_rec(const json_t *o, rec_type t, cfb_rec **out) {
    cfb_rec *r = rec_new(t);
    *out = NULL;
    if (!r) return -1;
    size_t nkeys = json_object_size(o), hint = 0;
    if (nkeys && nkeys < 128) { /* ord at its final size: one allocation */
        if (!(r->ord = malloc(nkeys))) goto oom;
        r->ordcap = nkeys;
    }
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        int f = find_field(t, key, hint), fit = 0;
        hint = f >= 0 ? (size_t)f + 1 : hint;
        if (f >= 0 && (fit = decode_slot(r, (size_t)f, v)) < 0) goto oom;
        if (f >= 0 && fit) {
            if (ord_push(r, (signed char)f)) goto oom;
            continue;
        }
        if (f >= 0) slot_clear(r, (size_t)f); /* a partial list, say */
        if ((!r->extra && !(r->extra = json_object())) || json_object_set(r->extra, key, v) ||
            ord_push(r, ORD_EXTRA))
            goto oom;
    }
    *out = r;
    return 0;
oom:
    rec_free(r);
    return -1;
}

int cfb_results_decode(const json_t *doc, cfb_results **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    if (cfb_results_validate(doc, err, errlen)) return -1;
    cfb_rec *r;
    if (decode_rec(doc, RT_DOC, &r)) return fail(err, errlen, "out of memory");
    *out = (cfb_results *)r;
    return 0;
}

int cfb_rcase_from_json(const json_t *o, cfb_rcase **out) {
    if (!out) return -1;
    *out = NULL;
    cfb_rec *r;
    if (!json_is_object(o) || decode_rec(o, RT_CASE, &r)) return -1;
    *out = (cfb_rcase *)r;
    return 0;
}

int cfb_results_read(const char *path, cfb_results **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    json_t *doc;
    if (cfb_results_load(path, &doc, err, errlen)) return -1;
    cfb_rec *r;
    int rc = decode_rec(doc, RT_DOC, &r);
    json_decref(doc);
    if (rc) return fail(err, errlen, "%s: out of memory", path);
    *out = (cfb_results *)r;
    return 0;
}

/* ---- encoding -------------------------------------------------------------- */

static json_t *encode_rec(const cfb_rec *r);

static json_t *encode_slot(const cfb_rec *r, size_t f) {
    const fval *s = &r->f[f];
    if (s->st == FS_NULL) return json_null();
    if (s->st == FS_INT) return json_integer((json_int_t)s->u.i);
    switch (tables[r->type][f].kind) {
    case FK_INT:
        return json_integer((json_int_t)s->u.i);
    case FK_NUM:
        return json_real(s->u.d);
    case FK_STR:
        return json_string(s->u.s);
    case FK_BOOL:
        return json_boolean(s->u.b);
    case FK_JSON:
        return json_incref(s->u.j);
    case FK_REC:
        return encode_rec(s->u.r);
    case FK_RECS: {
        json_t *a = json_array();
        for (size_t i = 0; a && i < s->u.l.n; i++)
            if (json_array_append_new(a, encode_rec(s->u.l.v[i]))) {
                json_decref(a);
                return NULL;
            }
        return a;
    }
    }
    return NULL;
}

static json_t *encode_rec(const cfb_rec *r) {
    json_t *o = json_object();
    if (!o) return NULL;
    size_t nf = ntables[r->type];
    bool done[32] = {false};
    void *it = r->extra ? json_object_iter(r->extra) : NULL;
    int rc = 0;
    for (size_t k = 0; k < r->nord && !rc; k++) { /* the order it was read in */
        signed char f = r->ord[k];
        if (f == ORD_EXTRA) {
            if (!it) continue;
            rc = json_object_set(o, json_object_iter_key(it), json_object_iter_value(it));
            it = json_object_iter_next(r->extra, it);
        } else if (!done[f] && r->f[f].st != FS_ABSENT) {
            done[f] = true;
            rc = json_object_set_new(o, tables[r->type][f].key, encode_slot(r, (size_t)f));
        }
    }
    for (size_t f = 0; f < nf && !rc; f++) /* set since, or built: cfbench's order */
        if (!done[f] && r->f[f].st != FS_ABSENT)
            rc = json_object_set_new(o, tables[r->type][f].key, encode_slot(r, f));
    for (; it && !rc; it = json_object_iter_next(r->extra, it))
        rc = json_object_set(o, json_object_iter_key(it), json_object_iter_value(it));
    if (rc) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *cfb_results_encode(const cfb_results *d) {
    return d ? encode_rec(&d->rec) : NULL;
}

int cfb_results_write(const char *path, const cfb_results *d, char *err, size_t errlen) {
    json_t *doc = cfb_results_encode(d);
    if (!doc) return fail(err, errlen, "cannot encode results (out of memory?)");
    int rc = cfb_results_save(path, doc, err, errlen);
    json_decref(doc);
    return rc;
}

bool cfb_results_json_is_results(const json_t *doc) {
    const json_t *schema = json_is_object(doc) ? json_object_get(doc, KD(D_SCHEMA)) : NULL;
    return json_is_string(schema) && !strcmp(json_string_value(schema), CFB_RESULTS_SCHEMA);
}
