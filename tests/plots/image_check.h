/*
 * image_check.h — checks of chart files for the plots tests, in plain C so
 * they run everywhere (no python, no xmllint):
 *   png_check()  the PNG signature, an IHDR chunk first (width, height) and
 *                an IEND chunk at the end;
 *   xml_check()  XML well-formedness: one root element, every tag closed in
 *                order, quoted attributes, comments / PIs / CDATA / DOCTYPE
 *                skipped correctly, no '<' or bare '&' in text.
 * Both return 0 when valid, else -1 with a reason in why.
 */
#ifndef CFB_TEST_IMAGE_CHECK_H
#define CFB_TEST_IMAGE_CHECK_H
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read a whole file (malloc'd, NUL-terminated); NULL on failure. */
static char *ic_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, n = 0, r;
    char *b = malloc(cap + 1);
    while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = realloc(b, cap * 2 + 1);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b) b[n] = 0;
    *len = n;
    return b;
}

static unsigned long ic_be32(const unsigned char *p) {
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static int png_check(const char *path, unsigned long *w, unsigned long *h, char *why, size_t n) {
    size_t len;
    char *raw = ic_read(path, &len);
    const unsigned char *b = (const unsigned char *)raw;
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int rc = -1;
    if (!b)
        snprintf(why, n, "cannot read %s", path);
    else if (len < 8 + 25 + 12 || memcmp(b, sig, 8))
        snprintf(why, n, "%s: no PNG signature", path);
    else if (ic_be32(b + 8) != 13 || memcmp(b + 12, "IHDR", 4))
        snprintf(why, n, "%s: first chunk is not a 13-byte IHDR", path);
    else if (memcmp(b + len - 8, "IEND", 4))
        snprintf(why, n, "%s: no IEND chunk at the end (truncated?)", path);
    else {
        *w = ic_be32(b + 16);
        *h = ic_be32(b + 20);
        rc = 0;
    }
    free(raw);
    return rc;
}

static int xc_namechar(int c) {
    return isalnum(c) || c == '_' || c == ':' || c == '-' || c == '.' || c >= 0x80;
}

/* Check an entity reference at s ('&'); returns its length or 0. */
static size_t xc_entity(const char *s) {
    size_t i = 1;
    if (s[i] == '#') {
        i++;
        if (s[i] == 'x') i++;
        size_t d = i;
        while (isxdigit((unsigned char)s[i]))
            i++;
        return i > d && s[i] == ';' ? i + 1 : 0;
    }
    size_t d = i;
    while (xc_namechar((unsigned char)s[i]))
        i++;
    return i > d && s[i] == ';' ? i + 1 : 0;
}

static int xml_check_text(const char *s, char *why, size_t n) {
    enum { DEPTH = 256 };
    const char *stack[DEPTH];
    size_t slen[DEPTH];
    int depth = 0, roots = 0;
    const char *p = s;
#define XC_FAIL(...)                                                                               \
    do {                                                                                           \
        char msg_[160];                                                                            \
        snprintf(msg_, sizeof msg_, __VA_ARGS__);                                                  \
        snprintf(why, n, "offset %ld: %s", (long)(p - s), msg_);                                   \
        return -1;                                                                                 \
    } while (0)
    while (*p) {
        if (*p != '<') {
            if (*p == '&') {
                size_t e = xc_entity(p);
                if (!e) XC_FAIL("bare '&' in text");
                p += e;
                continue;
            }
            if (depth == 0 && !isspace((unsigned char)*p)) XC_FAIL("text outside the root element");
            p++;
            continue;
        }
        if (!strncmp(p, "<!--", 4)) {
            const char *e = strstr(p + 4, "-->");
            if (!e) XC_FAIL("unterminated comment");
            p = e + 3;
        } else if (!strncmp(p, "<![CDATA[", 9)) {
            const char *e = strstr(p + 9, "]]>");
            if (!e || depth == 0) XC_FAIL("bad CDATA section");
            p = e + 3;
        } else if (!strncmp(p, "<?", 2)) {
            const char *e = strstr(p + 2, "?>");
            if (!e) XC_FAIL("unterminated processing instruction");
            p = e + 2;
        } else if (!strncmp(p, "<!DOCTYPE", 9)) {
            int br = 0;
            p += 9;
            while (*p && (br || *p != '>')) {
                if (*p == '[')
                    br++;
                else if (*p == ']')
                    br--;
                else if (*p == '"' || *p == '\'') {
                    const char *e = strchr(p + 1, *p);
                    if (!e) XC_FAIL("unterminated DOCTYPE literal");
                    p = e;
                }
                p++;
            }
            if (!*p) XC_FAIL("unterminated DOCTYPE");
            p++;
        } else if (p[1] == '/') {
            const char *nm = p + 2, *e = nm;
            while (xc_namechar((unsigned char)*e))
                e++;
            if (depth == 0) XC_FAIL("end tag without a start tag");
            depth--;
            if ((size_t)(e - nm) != slen[depth] || strncmp(nm, stack[depth], slen[depth]))
                XC_FAIL("end tag </%.*s> does not close <%.*s>", (int)(e - nm), nm,
                        (int)slen[depth], stack[depth]);
            while (isspace((unsigned char)*e))
                e++;
            if (*e != '>') XC_FAIL("bad end tag");
            p = e + 1;
        } else {
            const char *nm = p + 1, *e = nm;
            if (!isalpha((unsigned char)*nm) && *nm != '_') XC_FAIL("'<' in text or bad tag name");
            while (xc_namechar((unsigned char)*e))
                e++;
            size_t nl = (size_t)(e - nm);
            for (;;) {
                while (isspace((unsigned char)*e))
                    e++;
                if (*e == '>' || (*e == '/' && e[1] == '>')) break;
                const char *an = e;
                while (xc_namechar((unsigned char)*e))
                    e++;
                if (e == an) XC_FAIL("bad attribute in <%.*s>", (int)nl, nm);
                while (isspace((unsigned char)*e))
                    e++;
                if (*e != '=') XC_FAIL("attribute without '=' in <%.*s>", (int)nl, nm);
                e++;
                while (isspace((unsigned char)*e))
                    e++;
                if (*e != '"' && *e != '\'')
                    XC_FAIL("unquoted attribute value in <%.*s>", (int)nl, nm);
                char q = *e++;
                while (*e && *e != q) {
                    if (*e == '<') XC_FAIL("'<' in an attribute value");
                    if (*e == '&') {
                        size_t l = xc_entity(e);
                        if (!l) XC_FAIL("bare '&' in an attribute value");
                        e += l;
                    } else
                        e++;
                }
                if (!*e) XC_FAIL("unterminated attribute value");
                e++;
            }
            if (depth == 0 && roots++) XC_FAIL("a second root element <%.*s>", (int)nl, nm);
            if (*e == '/') {
                p = e + 2;
            } else {
                if (depth == DEPTH) XC_FAIL("nesting too deep");
                stack[depth] = nm;
                slen[depth++] = nl;
                p = e + 1;
            }
        }
    }
    if (depth) XC_FAIL("<%.*s> is never closed", (int)slen[depth - 1], stack[depth - 1]);
    if (!roots) XC_FAIL("no root element");
#undef XC_FAIL
    return 0;
}

static int xml_check(const char *path, char *why, size_t n) {
    size_t len;
    char *b = ic_read(path, &len);
    if (!b) {
        snprintf(why, n, "cannot read %s", path);
        return -1;
    }
    int rc = strlen(b) != len ? (snprintf(why, n, "NUL byte in %s", path), -1)
                              : xml_check_text(b, why, n);
    free(b);
    return rc;
}
#endif
