/* json_filter.c — a streaming filter that drops named subtrees in front of
 * jansson (see json_filter.h). */
#include "json_filter.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "results_io.h"

#define CHUNK 65536
#define MAXPAT 16  /* patterns */
#define MAXCOMP 12 /* components per pattern (deeper paths never match) */
#define COMPLEN 48 /* bytes of a key kept for matching */

typedef enum st {
    ST_NORMAL,
    ST_STRING,    /* inside a kept string */
    ST_SKIP_WS,   /* after "key": of a dropped member, before its value */
    ST_SKIP_NEST, /* inside a dropped object/array (or string, depth 0) */
    ST_SKIP_ATOM, /* inside a dropped number / true / false / null */
} st;

typedef struct filt {
    FILE *f;
    int eof;
    char in[CHUNK];
    char out[5 * CHUNK + 16]; /* ':' becomes ":null" at worst */
    size_t olen, opos;
    /* patterns, split */
    size_t npat, plen[MAXPAT];
    char pcomp[MAXPAT][MAXCOMP][COMPLEN];
    /* container stack */
    char *type; /* '{' or '[' per level */
    unsigned char *expect_key;
    size_t depth, cap;
    char comp[MAXCOMP + 1][COMPLEN]; /* comp[L]: current key / "[]" at level L (1-based) */
    unsigned char comp_ok[MAXCOMP + 1];
    /* lexer */
    st state;
    int esc, is_key, key_ok, pending_drop, skip_in_str;
    size_t klen, skip_depth;
    char key[COMPLEN];
    size_t ndropped;
    int oom;
} filt;

static int split_pattern(filt *F, const char *p) {
    if (F->npat >= MAXPAT || !p) return -1;
    size_t k = 0;
    const char *s = p;
    while (*s) {
        const char *e = s;
        while (*e && *e != '.' && *e != '[')
            e++;
        if (e > s) {
            if (k >= MAXCOMP || (size_t)(e - s) >= COMPLEN) return -1;
            memcpy(F->pcomp[F->npat][k], s, (size_t)(e - s));
            F->pcomp[F->npat][k++][e - s] = 0;
        }
        if (*e == '[') {
            if (e[1] != ']' || k >= MAXCOMP) return -1;
            strcpy(F->pcomp[F->npat][k++], "[]");
            e += 2;
        }
        if (*e == '.') e++;
        s = e;
    }
    if (!k) return -1;
    F->plen[F->npat++] = k;
    return 0;
}

static int push(filt *F, char t) {
    if (F->depth + 1 >= F->cap) {
        size_t nc = F->cap ? 2 * F->cap : 64;
        char *nt = realloc(F->type, nc);
        if (!nt) return -1;
        F->type = nt;
        unsigned char *ne = realloc(F->expect_key, nc);
        if (!ne) return -1;
        F->expect_key = ne;
        F->cap = nc;
    }
    F->depth++;
    F->type[F->depth] = t;
    F->expect_key[F->depth] = t == '{';
    if (F->depth <= MAXCOMP) {
        F->comp_ok[F->depth] = t == '[';
        if (t == '[') strcpy(F->comp[F->depth], "[]");
    }
    return 0;
}

/* Does the member key just read at the current depth match a pattern? */
static int key_matches(const filt *F) {
    size_t d = F->depth;
    if (!F->key_ok || d > MAXCOMP) return 0;
    for (size_t p = 0; p < F->npat; p++) {
        if (F->plen[p] != d) continue;
        size_t L = 1;
        for (; L < d; L++)
            if (!F->comp_ok[L] || strcmp(F->comp[L], F->pcomp[p][L - 1])) break;
        if (L == d && !strcmp(F->key, F->pcomp[p][d - 1])) return 1;
    }
    return 0;
}

static void emit(filt *F, const char *s, size_t n) {
    memcpy(F->out + F->olen, s, n);
    F->olen += n;
}

/* Filter one input chunk into F->out. */
static void run(filt *F, const char *in, size_t n) {
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        switch (F->state) {
        case ST_STRING:
            emit(F, &c, 1);
            if (F->esc) {
                F->esc = 0;
                if (F->is_key) F->key_ok = 0; /* escaped key: never matches */
            } else if (c == '\\') {
                F->esc = 1;
            } else if (c == '"') {
                F->state = ST_NORMAL;
                if (F->is_key) {
                    F->key[F->klen] = 0;
                    if (F->depth <= MAXCOMP) {
                        strcpy(F->comp[F->depth], F->key);
                        F->comp_ok[F->depth] = (unsigned char)F->key_ok;
                    }
                    F->pending_drop = key_matches(F);
                }
            } else if (F->is_key) {
                if (F->klen + 1 < COMPLEN)
                    F->key[F->klen++] = c;
                else
                    F->key_ok = 0;
            }
            continue;
        case ST_SKIP_WS:
            if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                if (c == '\n') emit(F, "\n", 1);
                continue;
            }
            F->ndropped++;
            if (c == '{' || c == '[') {
                F->state = ST_SKIP_NEST;
                F->skip_depth = 1;
                F->skip_in_str = 0;
            } else if (c == '"') {
                F->state = ST_SKIP_NEST;
                F->skip_depth = 0;
                F->skip_in_str = 1;
            } else {
                F->state = ST_SKIP_ATOM;
            }
            F->esc = 0;
            continue;
        case ST_SKIP_NEST:
            if (c == '\n') emit(F, "\n", 1);
            if (F->skip_in_str) {
                if (F->esc)
                    F->esc = 0;
                else if (c == '\\')
                    F->esc = 1;
                else if (c == '"') {
                    F->skip_in_str = 0;
                    if (!F->skip_depth) F->state = ST_NORMAL;
                }
            } else if (c == '"') {
                F->skip_in_str = 1;
            } else if (c == '{' || c == '[') {
                F->skip_depth++;
            } else if (c == '}' || c == ']') {
                if (!--F->skip_depth) F->state = ST_NORMAL;
            }
            continue;
        case ST_SKIP_ATOM:
            if (c != ',' && c != '}' && c != ']' && c != ' ' && c != '\t' && c != '\r' && c != '\n')
                continue;
            F->state = ST_NORMAL;
            break; /* the terminator is ordinary input */
        case ST_NORMAL:
            break;
        }
        /* ST_NORMAL */
        switch (c) {
        case '"':
            F->state = ST_STRING;
            F->esc = 0;
            F->is_key = F->depth && F->type[F->depth] == '{' && F->expect_key[F->depth];
            if (F->is_key) {
                F->expect_key[F->depth] = 0;
                F->klen = 0;
                F->key_ok = 1;
            }
            break;
        case '{':
        case '[':
            if (push(F, c)) F->oom = 1;
            break;
        case '}':
        case ']':
            if (F->depth) F->depth--;
            break;
        case ',':
            if (F->depth && F->type[F->depth] == '{') F->expect_key[F->depth] = 1;
            break;
        case ':':
            if (F->pending_drop) {
                F->pending_drop = 0;
                emit(F, ":null", 5);
                F->state = ST_SKIP_WS;
                continue;
            }
            break;
        default:
            break;
        }
        emit(F, &c, 1);
    }
}

static size_t feed(void *buffer, size_t buflen, void *data) {
    filt *F = data;
    while (F->opos == F->olen) {
        if (F->eof || F->oom) return F->oom ? (size_t)-1 : 0;
        size_t n = fread(F->in, 1, CHUNK, F->f);
        if (n < CHUNK) F->eof = 1;
        F->olen = F->opos = 0;
        run(F, F->in, n);
    }
    size_t k = F->olen - F->opos < buflen ? F->olen - F->opos : buflen;
    memcpy(buffer, F->out + F->opos, k);
    F->opos += k;
    return k;
}

int cfb_json_load_filtered(FILE *f, const char *const *drop, size_t ndrop, size_t flags,
                           json_t **out, size_t *ndropped, json_error_t *je) {
    *out = NULL;
    filt *F = calloc(1, sizeof *F);
    if (!F) {
        if (je) snprintf(je->text, sizeof je->text, "out of memory");
        return -1;
    }
    F->f = f;
    for (size_t i = 0; i < ndrop; i++)
        if (split_pattern(F, drop[i])) {
            if (je) snprintf(je->text, sizeof je->text, "bad drop pattern '%s'", drop[i]);
            free(F);
            return -1;
        }
    json_t *doc = json_load_callback(feed, F, flags, je);
    if (doc && F->oom) {
        json_decref(doc);
        doc = NULL;
    }
    if (!doc && F->oom && je) snprintf(je->text, sizeof je->text, "out of memory");
    if (ndropped) *ndropped = F->ndropped;
    free(F->type);
    free(F->expect_key);
    free(F);
    *out = doc;
    return doc ? 0 : -1;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int cfb_results_read_filtered(const char *path, const char *const *drop, size_t ndrop,
                              cfb_results **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    if (!path) return fail(err, errlen, "no results file given");
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    json_error_t je;
    memset(&je, 0, sizeof je);
    json_t *doc;
    int r = cfb_json_load_filtered(f, drop, ndrop, JSON_DECODE_ANY, &doc, NULL, &je);
    fclose(f);
    if (r) {
        char why[sizeof je.text * 4 + 1]; /* jansson quotes the input: a newline, … */
        cfb_one_line(why, sizeof why, je.text);
        return fail(err, errlen, "%s: not valid JSON (line %d, column %d: %s)", path, je.line,
                    je.column, why);
    }
    /* the model's codec validates (cfb_results_validate's messages) and decodes */
    char why[512];
    r = cfb_results_decode(doc, out, why, sizeof why);
    json_decref(doc);
    if (r) return fail(err, errlen, "%s: %s", path, why);
    return 0;
}

const char *const *cfb_results_lean_drops(size_t *n) {
    static const char *const drops[] = {"cases[].timeline", "cases[].repetitions[].latency_s",
                                        "cases[].repetitions[].counts", NULL};
    if (n) *n = 3;
    return drops;
}
