/* params.c — typed workload parameters: parse, validate, store, read; the
 * scan syntax of param_scan.h (a --param value expanded into a list). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "param_scan.h"
#include "workload.h"

typedef struct cfb_pval {
    char *text; /* owned */
    long long i;
    double d;
    bool b;
} cfb_pval;

struct cfb_params {
    const cfb_param_def *defs; /* borrowed */
    size_t n;
    cfb_pval *vals; /* n entries, owned */
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return CF_EINVAL;
}

static bool bounded(const cfb_param_def *d) {
    return d->min <= d->max;
}

static int parse_bool(const char *t, bool *b) {
    static const char *const yes[] = {"true", "1", "yes", "on"}, *const no[] = {"false", "0", "no",
                                                                                "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(t, yes[i])) {
            *b = true;
            return 0;
        }
        if (!strcasecmp(t, no[i])) {
            *b = false;
            return 0;
        }
    }
    return -1;
}

/* Parse text by d into v (text not stored). 0 or CF_EINVAL. */
static int parse(const cfb_param_def *d, const char *text, cfb_pval *v, char *err, size_t errlen) {
    if (!text) return fail(err, errlen, "%s: missing value", d->name);
    switch (d->type) {
    case CFB_P_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(text, &end, 10);
        if (!*text || *end || errno)
            return fail(err, errlen, "%s: '%s' is not an integer", d->name, text);
        if (bounded(d) && (double)x < d->min)
            return fail(err, errlen, "%s: %lld is below the minimum %.15g", d->name, x, d->min);
        if (bounded(d) && (double)x > d->max)
            return fail(err, errlen, "%s: %lld is above the maximum %.15g", d->name, x, d->max);
        v->i = x;
        v->d = (double)x;
        break;
    }
    case CFB_P_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(text, &end);
        if (!*text || *end || errno || !isfinite(x))
            return fail(err, errlen, "%s: '%s' is not a number", d->name, text);
        if (bounded(d) && x < d->min)
            return fail(err, errlen, "%s: %g is below the minimum %.15g", d->name, x, d->min);
        if (bounded(d) && x > d->max)
            return fail(err, errlen, "%s: %g is above the maximum %.15g", d->name, x, d->max);
        v->d = x;
        v->i = (long long)x;
        break;
    }
    case CFB_P_BOOL:
        if (parse_bool(text, &v->b))
            return fail(err, errlen, "%s: '%s' is not a boolean (true/false)", d->name, text);
        v->i = v->b;
        v->d = v->b;
        break;
    case CFB_P_STRING:
        if (d->choices) {
            bool found = false;
            for (const char *const *c = d->choices; *c; c++)
                if (!strcmp(*c, text)) found = true;
            if (!found) {
                char list[256] = "";
                size_t off = 0;
                for (const char *const *c = d->choices; *c && off < sizeof list; c++)
                    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s",
                                            c == d->choices ? "" : ", ", *c);
                return fail(err, errlen, "%s: '%s' is not one of %s", d->name, text, list);
            }
        }
        break;
    default:
        return fail(err, errlen, "%s: unknown parameter type", d->name);
    }
    return 0;
}

int cfb_param_check(const cfb_param_def *d, const char *text, char *err, size_t errlen) {
    if (!d) return fail(err, errlen, "no parameter definition");
    cfb_pval v = {0};
    return parse(d, text, &v, err, errlen);
}

static long find(const cfb_params *p, const char *name) {
    if (!p || !name) return -1;
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->defs[i].name, name)) return (long)i;
    return -1;
}

int cfb_params_set(cfb_params *p, const char *name, const char *text, char *err, size_t errlen) {
    long i = find(p, name);
    if (i < 0) return fail(err, errlen, "unknown parameter '%s'", name ? name : "(null)");
    cfb_pval v = {0};
    int rc = parse(&p->defs[i], text, &v, err, errlen);
    if (rc) return rc;
    v.text = strdup(text);
    if (!v.text) return CF_ENOMEM;
    free(p->vals[i].text);
    p->vals[i] = v;
    return 0;
}

int cfb_params_new(const cfb_param_def *defs, size_t ndefs, cfb_params **out, char *err,
                   size_t errlen) {
    if (!out || (!defs && ndefs)) return CF_EINVAL;
    *out = NULL;
    cfb_params *p = calloc(1, sizeof *p);
    if (!p) return CF_ENOMEM;
    p->defs = defs;
    p->n = ndefs;
    p->vals = calloc(ndefs ? ndefs : 1, sizeof *p->vals);
    if (!p->vals) {
        free(p);
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < ndefs; i++) {
        int rc = cfb_params_set(p, defs[i].name, defs[i].defval ? defs[i].defval : "", err, errlen);
        if (rc) {
            cfb_params_free(p);
            return rc;
        }
    }
    *out = p;
    return 0;
}

void cfb_params_free(cfb_params *p) {
    if (!p) return;
    for (size_t i = 0; i < p->n; i++)
        free(p->vals[i].text);
    free(p->vals);
    free(p);
}

int cfb_params_copy(const cfb_params *p, cfb_params **out) {
    if (!p || !out) return CF_EINVAL;
    *out = NULL;
    cfb_params *c = calloc(1, sizeof *c);
    if (!c) return CF_ENOMEM;
    c->defs = p->defs;
    c->n = p->n;
    c->vals = calloc(p->n ? p->n : 1, sizeof *c->vals);
    if (!c->vals) {
        free(c);
        return CF_ENOMEM;
    }
    for (size_t i = 0; i < p->n; i++) {
        c->vals[i] = p->vals[i];
        c->vals[i].text = strdup(p->vals[i].text);
        if (!c->vals[i].text) {
            cfb_params_free(c);
            return CF_ENOMEM;
        }
    }
    *out = c;
    return 0;
}

bool cfb_params_has(const cfb_params *p, const char *name) {
    return find(p, name) >= 0;
}
size_t cfb_params_count(const cfb_params *p) {
    return p ? p->n : 0;
}
const char *cfb_params_name_at(const cfb_params *p, size_t i) {
    return p && i < p->n ? p->defs[i].name : NULL;
}
const char *cfb_params_text_at(const cfb_params *p, size_t i) {
    return p && i < p->n ? p->vals[i].text : NULL;
}

long long cfb_params_int(const cfb_params *p, const char *name) {
    long i = find(p, name);
    return i < 0 ? 0 : p->vals[i].i;
}
double cfb_params_double(const cfb_params *p, const char *name) {
    long i = find(p, name);
    return i < 0 ? 0.0 : p->vals[i].d;
}
const char *cfb_params_str(const cfb_params *p, const char *name) {
    long i = find(p, name);
    return i < 0 ? "" : p->vals[i].text;
}
bool cfb_params_bool(const cfb_params *p, const char *name) {
    long i = find(p, name);
    return i < 0 ? false : p->vals[i].b;
}

/* ---- scans (param_scan.h) ------------------------------------------------ */

bool cfb_param_is_scan(const cfb_param_def *d, const char *text) {
    if (!d || !text) return false;
    if (d->type == CFB_P_INT || d->type == CFB_P_DOUBLE)
        return strchr(text, ',') || strstr(text, "..");
    return d->type == CFB_P_BOOL && strchr(text, ',');
}

typedef struct scan_list {
    char **v;
    size_t n, cap;
} scan_list;

/* Append the canonical text of x (INT/DOUBLE) or b (BOOL), checked by d,
 * unless already there. 0, CF_EINVAL (err), CF_ENOMEM. */
static int scan_add(const cfb_param_def *d, scan_list *l, double x, long long xi, bool b, char *err,
                    size_t errlen) {
    char t[64];
    if (d->type == CFB_P_INT)
        snprintf(t, sizeof t, "%lld", xi);
    else if (d->type == CFB_P_DOUBLE)
        snprintf(t, sizeof t, "%.15g", x == 0 ? 0.0 : x); /* no "-0" */
    else
        snprintf(t, sizeof t, "%s", b ? "true" : "false");
    cfb_pval v = {0};
    int rc = parse(d, t, &v, err, errlen);
    if (rc) return rc;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], t)) return 0;
    if (l->n == CFB_SCAN_MAX_VALUES)
        return fail(err, errlen, "%s: the scan makes more than %d values", d->name,
                    CFB_SCAN_MAX_VALUES);
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        char **nv = realloc(l->v, cap * sizeof *nv);
        if (!nv) return CF_ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(t))) return CF_ENOMEM;
    l->n++;
    return 0;
}

/* One number of a range end (INT: whole, DOUBLE: finite), in bounds. */
static int scan_num(const cfb_param_def *d, const char *t, double *x, long long *xi, char *err,
                    size_t errlen) {
    cfb_pval v = {0};
    int rc = parse(d, t, &v, err, errlen);
    if (rc) return rc;
    *x = d->type == CFB_P_INT ? (double)v.i : v.d;
    *xi = v.i;
    return 0;
}

/* Expand one item "A..B[:+S|:xF]" (t modified). */
static int scan_range(const cfb_param_def *d, char *t, char *dots, scan_list *l, char *err,
                      size_t errlen) {
    if (d->type != CFB_P_INT && d->type != CFB_P_DOUBLE)
        return fail(err, errlen, "%s: a range needs an INT or DOUBLE parameter", d->name);
    *dots = '\0';
    char *bt = dots + 2, *st = strchr(bt, ':');
    if (st) *st++ = '\0';
    double a, b, s = 1;
    long long ai = 0, bi = 0;
    bool mul = false;
    if (!*t || !*bt) return fail(err, errlen, "%s: a range needs both ends (A..B)", d->name);
    int rc = scan_num(d, t, &a, &ai, err, errlen);
    if (!rc) rc = scan_num(d, bt, &b, &bi, err, errlen);
    if (rc) return rc;
    if (b < a)
        return fail(err, errlen, "%s: reversed range %s..%s (the start is above the end)", d->name,
                    t, bt);
    if (st) {
        if (*st != '+' && *st != 'x')
            return fail(err, errlen, "%s: step ':%s' is not +S (additive) or xF (multiplicative)",
                        d->name, st);
        mul = *st == 'x';
        char *end;
        errno = 0;
        s = strtod(st + 1, &end);
        if (!st[1] || *end || errno || !isfinite(s))
            return fail(err, errlen, "%s: step ':%s' is not a number", d->name, st);
        if (d->type == CFB_P_INT && s != floor(s))
            return fail(err, errlen, "%s: step ':%s' is not a whole number", d->name, st);
        if (!mul && s <= 0) return fail(err, errlen, "%s: step ':%s' must be above 0", d->name, st);
        if (mul && s <= 1) return fail(err, errlen, "%s: step ':%s' must be above 1", d->name, st);
        if (mul && a <= 0)
            return fail(err, errlen, "%s: a multiplicative range must start above 0 (not %s)",
                        d->name, t);
    }
    double count = mul ? floor(log(b / a) / log(s) + 1e-9) + 1 : floor((b - a) / s + 1e-9) + 1;
    if (!(count <= CFB_SCAN_MAX_VALUES))
        return fail(err, errlen, "%s: the range %s..%s makes more than %d values", d->name, t, bt,
                    CFB_SCAN_MAX_VALUES);
    if (d->type == CFB_P_INT) { /* exact: INT values may pass 2^53 */
        unsigned long long si = s < 9e18 ? (unsigned long long)s : 9000000000000000000ULL;
        for (long long x = ai;;) {
            rc = scan_add(d, l, 0, x, false, err, errlen);
            if (rc) return rc;
            /* the next one is past b (unsigned: b - x cannot overflow) */
            if (mul ? (unsigned long long)x > (unsigned long long)bi / si
                    : (unsigned long long)bi - (unsigned long long)x < si)
                break;
            x = (long long)(mul ? (unsigned long long)x * si : (unsigned long long)x + si);
        }
        return 0;
    }
    double tol = 1e-9 * (fabs(b) > fabs(s) ? fabs(b) : fabs(s));
    for (long k = 0; k < (long)count; k++) {
        double x = mul ? a * pow(s, (double)k) : a + s * (double)k;
        if (fabs(x - b) <= tol || x > b) x = b; /* the end itself, not b + rounding */
        rc = scan_add(d, l, x, 0, false, err, errlen);
        if (rc) return rc;
    }
    return 0;
}

/* Is every comma item of t a number or a numeric range A..B[:+S|:xF], and
 * one of them a range? (A range given to a STRING or BOOL parameter.) */
static bool looks_like_range(const char *t) {
    bool range = false;
    for (const char *p = t;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char item[128];
        if (!len || len >= sizeof item) return false;
        memcpy(item, p, len);
        item[len] = '\0';
        char *dots = strstr(item, ".."), *end;
        if (dots) {
            *dots = '\0';
            char *b = dots + 2, *st = strchr(b, ':');
            if (st) *st++ = '\0';
            strtod(item, &end);
            if (!*item || *end) return false;
            strtod(b, &end);
            if (!*b || *end) return false;
            if (st) {
                if (*st != '+' && *st != 'x') return false;
                strtod(st + 1, &end);
                if (!st[1] || *end) return false;
            }
            range = true;
        } else {
            strtod(item, &end);
            if (*end) return false;
        }
        if (!e) return range;
        p = e + 1;
    }
}

void cfb_param_scan_free(char **values, size_t n) {
    for (size_t i = 0; values && i < n; i++)
        free(values[i]);
    free(values);
}

int cfb_param_scan(const cfb_param_def *d, const char *text, char ***values, size_t *n, char *err,
                   size_t errlen) {
    if (!values || !n) return CF_EINVAL;
    *values = NULL;
    *n = 0;
    if (!d || !text) return fail(err, errlen, "no parameter definition");
    if (d->type != CFB_P_INT && d->type != CFB_P_DOUBLE && looks_like_range(text))
        return fail(err, errlen, "%s: a range needs an INT or DOUBLE parameter (%s is a %s)",
                    d->name, d->name, d->type == CFB_P_BOOL ? "boolean" : "string");
    if (!cfb_param_is_scan(d, text)) return 0;
    char *buf = strdup(text);
    if (!buf) return CF_ENOMEM;
    scan_list l = {0};
    int rc = 0;
    char *item = buf;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = '\0';
        if (!*item) {
            rc = fail(err, errlen, "%s: empty item in '%s'", d->name, text);
            break;
        }
        char *dots = strstr(item, "..");
        if (dots) {
            rc = scan_range(d, item, dots, &l, err, errlen);
        } else {
            cfb_pval v = {0};
            rc = parse(d, item, &v, err, errlen);
            if (!rc) rc = scan_add(d, &l, v.d, v.i, v.b, err, errlen);
        }
        if (rc || !comma) break;
        item = comma + 1;
    }
    free(buf);
    if (rc) {
        cfb_param_scan_free(l.v, l.n);
        if (rc == CF_ENOMEM) fail(err, errlen, "out of memory");
        return rc;
    }
    *values = l.v;
    *n = l.n;
    return 1;
}
