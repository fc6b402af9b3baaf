/* plot_util.c — strings, escaping, files and directories for libcfb_plots. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot_internal.h"
#include "results_io.h"

static int pb_reserve(pbuf *b, size_t extra) {
    if (b->oom) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void pb_put(pbuf *b, const char *s, size_t n) {
    if (pb_reserve(b, n)) return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void pb_puts(pbuf *b, const char *s) {
    pb_put(b, s, strlen(s));
}

void pb_printf(pbuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        pb_put(b, small, (size_t)n);
        return;
    }
    if (pb_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pb_free(pbuf *b) {
    free(b->s);
    memset(b, 0, sizeof *b);
}

void pb_gpstr(pbuf *b, const char *s) {
    pb_put(b, "'", 1);
    for (; *s; s++) {
        if (*s == '\'')
            pb_put(b, "''", 2);
        else if (*s == '\n' || *s == '\r' || *s == '\t')
            pb_put(b, " ", 1);
        else
            pb_put(b, s, 1);
    }
    pb_put(b, "'", 1);
}

void pb_datastr(pbuf *b, const char *s) {
    pb_put(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"')
            pb_put(b, "'", 1);
        else if (*s == '\n' || *s == '\r' || *s == '\t')
            pb_put(b, " ", 1);
        else
            pb_put(b, s, 1);
    }
    pb_put(b, "\"", 1);
}

void pb_html(pbuf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&':
            pb_puts(b, "&amp;");
            break;
        case '<':
            pb_puts(b, "&lt;");
            break;
        case '>':
            pb_puts(b, "&gt;");
            break;
        case '"':
            pb_puts(b, "&quot;");
            break;
        case '\'':
            pb_puts(b, "&#39;");
            break;
        default:
            pb_put(b, s, 1);
        }
    }
}

void pb_base64(pbuf *b, const unsigned char *d, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (pb_reserve(b, (n + 2) / 3 * 4)) return;
    char *o = b->s + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->s);
    b->s[b->len] = '\0';
}

void pb_seconds(pbuf *b, double s) {
    if (!isfinite(s))
        pb_puts(b, "–");
    else if (s != 0 && fabs(s) < 1e-3)
        pb_printf(b, "%.3g µs", s * 1e6);
    else if (s != 0 && fabs(s) < 1)
        pb_printf(b, "%.3g ms", s * 1e3);
    else
        pb_printf(b, "%.3g s", s);
}

int plot_mkdirs(const char *dir, char *err, size_t errlen) {
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        snprintf(err, errlen, "bad output directory '%s'", dir);
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(path, 0777) && errno != EEXIST) {
                snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c) break;
        }
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s is not a directory", dir);
        return -1;
    }
    return 0;
}

int plot_read_file(const char *path, unsigned char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    pbuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pb_put(&b, chunk, n);
    int bad = ferror(f) || b.oom;
    fclose(f);
    if (bad) {
        pb_free(&b);
        return -1;
    }
    if (!b.s) pb_put(&b, "", 0);
    if (b.oom) {
        pb_free(&b);
        return -1;
    }
    *data = (unsigned char *)b.s;
    *len = b.len;
    return 0;
}

int plot_write_buf(const char *path, const pbuf *b, char *err, size_t errlen) {
    if (b->oom) {
        snprintf(err, errlen, "out of memory writing %s", path);
        return CFB_PLOT_ENOMEM;
    }
    if (cfb_write_atomic(path, b->s ? b->s : "", b->len, err, errlen)) return CFB_PLOT_EIO;
    return 0;
}

void plot_slug(char *out, size_t outlen, const char *s) {
    size_t i = 0;
    for (; *s && i + 1 < outlen; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_' || c == '+';
        out[i++] = ok ? c : '_';
    }
    if (outlen) out[i] = '\0';
}
