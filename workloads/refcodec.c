/* refcodec.c — the writer and reader of the Python reference codec
 * (cfbench_workload.h: cfb_refw_*, cfb_refv_*; host side in workload.h).
 *
 * A cfb_refw builds a jansson object; a cfb_refv is a json_t viewed
 * through the public getters. Workloads see neither jansson nor json_t.
 * No threads, no locks: used on the main thread by runners/reference.c.
 * Memory: the writer owns its object and a stack of open arrays until
 * cfb_refw_finish hands the object to the caller and frees the writer.
 */
#include <stdlib.h>

#include <jansson.h>

#include "workload.h"

#define REFW_DEPTH 8

struct cfb_refw {
    json_t *root;
    json_t *open[REFW_DEPTH]; /* open arrays, innermost last (borrowed from root) */
    int depth;
    int err; /* sticky */
};

cfb_refw *cfb_refw_new(void) {
    cfb_refw *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    if (!(w->root = json_object())) {
        free(w);
        return NULL;
    }
    return w;
}

void *cfb_refw_finish(cfb_refw *w) {
    if (!w) return NULL;
    json_t *o = w->root;
    if (w->err || w->depth) {
        json_decref(o);
        o = NULL;
    }
    free(w);
    return o;
}

/* Put v (a new reference, NULL = out of memory) under key or into the open array. */
static int put(cfb_refw *w, const char *key, json_t *v) {
    if (!w) {
        json_decref(v);
        return CF_EINVAL;
    }
    if (w->err) {
        json_decref(v);
        return w->err;
    }
    int rc = 0;
    if (!v)
        rc = CF_ENOMEM;
    else if (w->depth ? key != NULL : key == NULL || !*key)
        rc = CF_EINVAL;
    else if (w->depth ? json_array_append(w->open[w->depth - 1], v)
                      : json_object_set(w->root, key, v))
        rc = CF_ENOMEM;
    json_decref(v);
    return w->err = rc;
}

int cfb_refw_int(cfb_refw *w, const char *key, long long v) {
    return put(w, key, json_integer((json_int_t)v));
}
int cfb_refw_double(cfb_refw *w, const char *key, double v) {
    return put(w, key, json_real(v));
}
int cfb_refw_string(cfb_refw *w, const char *key, const char *s) {
    return put(w, key, s ? json_string(s) : json_null());
}
int cfb_refw_bool(cfb_refw *w, const char *key, bool v) {
    return put(w, key, json_boolean(v));
}

int cfb_refw_array_begin(cfb_refw *w, const char *key) {
    if (w && !w->err && w->depth == REFW_DEPTH) return w->err = CF_EINVAL;
    json_t *a = json_array();
    if (a) json_incref(a); /* one reference for put, one kept while open */
    int rc = put(w, key, a);
    if (rc) {
        json_decref(a);
        return rc;
    }
    w->open[w->depth++] = a;
    json_decref(a); /* the parent holds it now */
    return 0;
}

int cfb_refw_array_end(cfb_refw *w) {
    if (!w) return CF_EINVAL;
    if (w->err) return w->err;
    if (!w->depth) return w->err = CF_EINVAL;
    w->depth--;
    return 0;
}

const cfb_refv *cfb_refv_of(const void *json) {
    return (const cfb_refv *)json;
}

static const json_t *J(const cfb_refv *v) {
    return (const json_t *)v;
}

cfb_refv_kind cfb_refv_kind_of(const cfb_refv *v) {
    const json_t *j = J(v);
    if (!j || json_is_null(j)) return CFB_REFV_NULL;
    if (json_is_boolean(j)) return CFB_REFV_BOOL;
    if (json_is_integer(j)) return CFB_REFV_INT;
    if (json_is_real(j)) return CFB_REFV_DOUBLE;
    if (json_is_string(j)) return CFB_REFV_STRING;
    if (json_is_array(j)) return CFB_REFV_ARRAY;
    return CFB_REFV_OTHER;
}
long long cfb_refv_int(const cfb_refv *v) {
    return (long long)json_integer_value(J(v));
}
double cfb_refv_double(const cfb_refv *v) {
    return json_number_value(J(v));
}
bool cfb_refv_bool(const cfb_refv *v) {
    return json_is_true(J(v));
}
const char *cfb_refv_string(const cfb_refv *v) {
    return json_string_value(J(v));
}
size_t cfb_refv_len(const cfb_refv *v) {
    return json_is_array(J(v)) ? json_array_size(J(v)) : 0;
}
const cfb_refv *cfb_refv_at(const cfb_refv *v, size_t i) {
    return json_is_array(J(v)) ? (const cfb_refv *)json_array_get(J(v), i) : NULL;
}
