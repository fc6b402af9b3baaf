/* results_io.c — load / validate / atomically save results JSON. */
#include "results_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

int cfb_results_load(const char *path, json_t **out, char *err, size_t errlen) {
    if (!out) return fail(err, errlen, "internal error: NULL out");
    *out = NULL;
    if (!path) return fail(err, errlen, "no results file given");
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    json_error_t je;
    json_t *doc = json_loadf(f, JSON_DECODE_ANY, &je);
    fclose(f);
    if (!doc)
        return fail(err, errlen, "%s: not valid JSON (line %d, column %d: %s)", path, je.line,
                    je.column, je.text);
    char why[512];
    if (cfb_results_validate(doc, why, sizeof why) != 0) {
        json_decref(doc);
        return fail(err, errlen, "%s: %s", path, why);
    }
    *out = doc;
    return 0;
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

/* s for a one-line message: control characters become \xHH (a case id may
 * hold anything, and must not break the line or drive the terminal). */
static void printable(char *out, size_t outlen, const char *s) {
    size_t k = 0;
    for (; *s && k + 5 < outlen; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f)
            k += (size_t)snprintf(out + k, outlen - k, "\\x%02x", c);
        else
            out[k++] = (char)c;
    }
    out[k] = '\0';
}

int cfb_results_validate(const json_t *doc, char *err, size_t errlen) {
    if (!json_is_object(doc))
        return fail(err, errlen, "not a cfbench results document (top level is not an object)");
    const json_t *schema = json_object_get(doc, "schema");
    if (!json_is_string(schema) || strcmp(json_string_value(schema), CFB_RESULTS_SCHEMA) != 0)
        return fail(err, errlen, "not a cfbench results document (schema is not \"%s\")",
                    CFB_RESULTS_SCHEMA);
    const json_t *ver = json_object_get(doc, "schema_version");
    if (!json_is_integer(ver)) return fail(err, errlen, "missing required field 'schema_version'");
    json_int_t v = json_integer_value(ver);
    if (v > CFB_RESULTS_SCHEMA_VERSION)
        return fail(err, errlen,
                    "schema_version %lld was written by a newer cfbench (this one reads up to %d)",
                    (long long)v, CFB_RESULTS_SCHEMA_VERSION);
    if (v < 1) return fail(err, errlen, "invalid schema_version %lld", (long long)v);
    if (need(doc, "complete", "a boolean", 'b', NULL, err, errlen) ||
        need(doc, "cases", "an array", 'a', NULL, err, errlen))
        return -1;
    const json_t *cases = json_object_get(doc, "cases");
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c) {
        char where[200];
        if (!json_is_object(c)) return fail(err, errlen, "cases[%zu] is not an object", i);
        const json_t *id = json_object_get(c, "id");
        if (!json_is_string(id))
            return fail(err, errlen, "missing required field 'id' in cases[%zu]", i);
        char idp[160];
        printable(idp, sizeof idp, json_string_value(id));
        snprintf(where, sizeof where, "case %s", idp);
        if (need(c, "workload", "a string", 's', where, err, errlen) ||
            need(c, "mode", "a string", 's', where, err, errlen) ||
            need(c, "workers", "an integer", 'i', where, err, errlen) ||
            need(c, "tasks", "an integer", 'i', where, err, errlen) ||
            need(c, "repetitions", "an array", 'a', where, err, errlen))
            return -1;
        if (!json_object_get(c, "error") &&
            need(c, "summary", "an object", 'o', where, err, errlen))
            return -1;
        const json_t *reps = json_object_get(c, "repetitions"), *r;
        size_t j;
        json_array_foreach(reps, j, r) {
            char rw[260];
            snprintf(rw, sizeof rw, "%s repetition %zu", where, j);
            if (!json_is_object(r)) return fail(err, errlen, "%s is not an object", rw);
            if (need(r, "index", "an integer", 'i', rw, err, errlen) ||
                need(r, "wall_s", "a number", 'n', rw, err, errlen))
                return -1;
            if (json_number_value(json_object_get(r, "wall_s")) < 0)
                return fail(err, errlen, "field 'wall_s' in %s is negative", rw);
        }
    }
    return 0;
}

int cfb_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen) {
    if (!path || (!data && len)) return fail(err, errlen, "internal error: NULL path or data");
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32);
    if (!tmp) return fail(err, errlen, "out of memory");
    snprintf(tmp, plen + 32, "%s.tmp.%ld.XXXXXX", path, (long)getpid());
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fail(err, errlen, "%s: cannot create temp file: %s", path, strerror(e));
    }
    /* mkstemp makes 0600; results are ordinary files. */
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um);
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            free(tmp);
            return fail(err, errlen, "%s: write failed: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 && errno != EINVAL) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return fail(err, errlen, "%s: fsync failed: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return fail(err, errlen, "%s: close failed: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return fail(err, errlen, "%s: rename failed: %s", path, strerror(e));
    }
    free(tmp);
    /* Make the rename durable: fsync the directory (best effort). */
    char *dir = strdup(path);
    if (dir) {
        char *slash = strrchr(dir, '/');
        const char *d = ".";
        if (slash) {
            if (slash == dir)
                slash[1] = '\0';
            else
                *slash = '\0';
            d = dir;
        }
        int dfd = open(d, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
        free(dir);
    }
    return 0;
}

int cfb_results_save(const char *path, const json_t *doc, char *err, size_t errlen) {
    char *s = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    if (!s) return fail(err, errlen, "cannot serialise results (out of memory?)");
    size_t len = strlen(s);
    char *buf = realloc(s, len + 2);
    if (!buf) {
        free(s);
        return fail(err, errlen, "out of memory");
    }
    buf[len] = '\n';
    buf[len + 1] = '\0';
    int rc = cfb_write_atomic(path, buf, len + 1, err, errlen);
    free(buf);
    return rc;
}
