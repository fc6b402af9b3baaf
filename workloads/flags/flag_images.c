/*
 * flag_images.c — the flag table lookups and the generated flag files.
 *
 * Every code gets a small, deterministic GIF89a image (a 32×20 tricolour
 * whose colours and stripe direction come from a hash of the code), padded
 * with a comment extension to exactly the real flag file's size, and a
 * metadata.json. Both are built once per process, on first use, into one
 * read-only cache.
 *
 * Threads: any thread may call these functions. The cache is built under
 * pthread_once and never changes afterwards, so readers need no lock; it
 * lives until exit (it is what the server's persistent responses point to).
 * After fork the child inherits the cache (or builds its own).
 *
 * GIF encoding: LZW with a minimum code size of 7, emitting only literal
 * codes and a clear code every 120 pixels, so every code is exactly 8 bits
 * wide and the code table never grows to 9 bits. Any GIF decoder reads it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "cfutures.h"
#include "flag_table.h"

#define IMG_W 32
#define IMG_H 20
#define LZW_MIN 7
#define LZW_CLEAR (1u << LZW_MIN)
#define LZW_EOI (LZW_CLEAR + 1)
#define LZW_RUN 120 /* literals between clear codes: next code stays < 256 */

const cfb_flag_info *cfb_flag_at(size_t i) {
    return i < CFB_FLAG_COUNT ? &cfb__flag_table[i] : NULL;
}

static int flag_index(const char *cc) {
    if (!cc || !cc[0] || !cc[1] || cc[2]) return -1;
    char u0 = (char)(cc[0] >= 'a' && cc[0] <= 'z' ? cc[0] - 32 : cc[0]);
    char u1 = (char)(cc[1] >= 'a' && cc[1] <= 'z' ? cc[1] - 32 : cc[1]);
    size_t lo = 0, hi = CFB_FLAG_COUNT;
    while (lo < hi) { /* the table is sorted by code */
        size_t mid = (lo + hi) / 2;
        const char *m = cfb__flag_table[mid].cc;
        int c = m[0] != u0 ? m[0] - u0 : m[1] - u1;
        if (c == 0) return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

const cfb_flag_info *cfb_flag_find(const char *cc) {
    int i = flag_index(cc);
    return i < 0 ? NULL : &cfb__flag_table[i];
}

/* ---- GIF generation ------------------------------------------------------- */

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *src, size_t n) {
    /* Callers size the buffer exactly beforehand; this never overflows. */
    memcpy(b->p + b->n, src, n);
    b->n += n;
}
static void put1(buf *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    put(b, &c, 1);
}
static void put2(buf *b, unsigned v) {
    put1(b, v & 0xff);
    put1(b, (v >> 8) & 0xff);
}

/* The LZW code stream for the image (bytes, since every code is 8 bits). */
static size_t lzw_codes(const char *cc, unsigned char *out) {
    uint32_t h = fnv1a(cc);
    int vertical = (h >> 24) & 1;
    size_t n = 0, run = 0;
    out[n++] = LZW_CLEAR;
    for (int y = 0; y < IMG_H; y++) {
        for (int x = 0; x < IMG_W; x++) {
            int stripe = vertical ? x * 3 / IMG_W : y * 3 / IMG_H;
            if (run == LZW_RUN) {
                out[n++] = LZW_CLEAR;
                run = 0;
            }
            out[n++] = (unsigned char)(stripe == 1 ? 1 : stripe == 2 ? 2 : 0);
            run++;
        }
    }
    out[n++] = LZW_EOI;
    return n;
}

#define LZW_MAX (IMG_W * IMG_H + IMG_W * IMG_H / LZW_RUN + 3)

/* Size of everything but the padding comment extension. */
static size_t gif_base_size(size_t ncodes) {
    size_t blocks = (ncodes + 254) / 255;
    return 6 + 7 + 12            /* header, screen descriptor, 4-colour table */
           + 10 + 1              /* image descriptor, LZW minimum code size */
           + ncodes + blocks + 1 /* sub-blocks and their terminator */
           + 1;                  /* trailer */
}

/* Write the GIF for flag f into b (b->cap == f->size). */
static void gif_write(const cfb_flag_info *f, buf *b) {
    unsigned char codes[LZW_MAX];
    size_t ncodes = lzw_codes(f->cc, codes);
    uint32_t h = fnv1a(f->cc);

    put(b, "GIF89a", 6);
    put2(b, IMG_W);
    put2(b, IMG_H);
    put1(b, 0x80 | (1 << 4) | 1); /* global colour table, 2-bit colour, 4 entries */
    put1(b, 0);                   /* background colour */
    put1(b, 0);                   /* aspect ratio */
    static const unsigned char colours[8][3] = {
        {0xce, 0x11, 0x26}, {0xff, 0xff, 0xff}, {0x00, 0x2b, 0x7f}, {0x00, 0x9b, 0x3a},
        {0xfc, 0xd1, 0x16}, {0x00, 0x00, 0x00}, {0x00, 0x93, 0xdd}, {0xff, 0x88, 0x00}};
    for (int i = 0; i < 3; i++)
        put(b, colours[(h >> (3 * i)) & 7], 3);
    put(b, colours[5], 3); /* entry 3, unused */

    /* Comment extension padding the file to exactly f->size bytes. Its
     * length R = 3 (introducer, label, terminator) + sum(1 + len_i) over
     * sub-blocks of 1..255 bytes; R >= 5 always holds for the table's sizes. */
    size_t pad = f->size - gif_base_size(ncodes);
    char text[160];
    int tl = snprintf(text, sizeof text, "cfbench generated flag %s (%s), %zu bytes. ", f->cc,
                      f->name, f->size);
    put1(b, 0x21);
    put1(b, 0xfe);
    size_t rest = pad - 3, k = 0;
    while (rest > 0) {
        size_t take = rest > 256 ? 256 : rest;
        if (rest - take == 1)
            take--; /* never leave a remainder of 1: no sub-block is 1 byte long */
        put1(b, (unsigned)(take - 1));
        for (size_t i = 0; i < take - 1; i++, k++)
            put1(b, (unsigned char)text[k % (size_t)tl]);
        rest -= take;
    }
    put1(b, 0);

    put1(b, 0x2c); /* image descriptor */
    put2(b, 0);
    put2(b, 0);
    put2(b, IMG_W);
    put2(b, IMG_H);
    put1(b, 0);
    put1(b, LZW_MIN);
    for (size_t i = 0; i < ncodes; i += 255) {
        size_t len = ncodes - i < 255 ? ncodes - i : 255;
        put1(b, (unsigned)len);
        put(b, codes + i, len);
    }
    put1(b, 0);
    put1(b, 0x3b); /* trailer */
}

/* ---- the cache ------------------------------------------------------------ */

static struct {
    unsigned char *gif[CFB_FLAG_COUNT];
    char *meta[CFB_FLAG_COUNT];
    size_t meta_len[CFB_FLAG_COUNT];
    int err;
} cache;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static char *metadata_json(const cfb_flag_info *f) {
    char tld[4] = {'.', (char)(f->cc[0] + 32), (char)(f->cc[1] + 32), 0};
    if (!strcmp(f->cc, "GB")) strcpy(tld, ".uk");
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "country", f->name, "iso_cc", f->cc, "tld", tld,
                          "gif_bytes", (json_int_t)f->size);
    if (!o) return NULL;
    char *s = json_dumps(o, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    json_decref(o);
    if (!s) return NULL;
    size_t n = strlen(s);
    char *out = malloc(n + 2); /* a final newline, as files usually have */
    if (out) {
        memcpy(out, s, n);
        out[n] = '\n';
        out[n + 1] = 0;
    }
    free(s);
    return out;
}

static void cache_build(void) {
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const cfb_flag_info *f = &cfb__flag_table[i];
        buf b = {malloc(f->size), 0, f->size};
        char *m = metadata_json(f);
        if (!b.p || !m) {
            free(b.p);
            free(m);
            cache.err = CF_ENOMEM;
            return; /* what was built stays (it is never freed either) */
        }
        gif_write(f, &b);
        cache.gif[i] = b.p;
        cache.meta[i] = m;
        cache.meta_len[i] = strlen(m);
    }
}

static int cache_get(void) {
    pthread_once(&cache_once, cache_build);
    return cache.err;
}

int cfb_flag_image(const char *cc, const unsigned char **data, size_t *len) {
    int i = flag_index(cc);
    if (i < 0 || !data || !len) return CF_EINVAL;
    int rc = cache_get();
    if (rc) return rc;
    *data = cache.gif[i];
    *len = cfb__flag_table[i].size;
    return 0;
}

int cfb_flag_metadata(const char *cc, const char **json, size_t *len) {
    int i = flag_index(cc);
    if (i < 0 || !json || !len) return CF_EINVAL;
    int rc = cache_get();
    if (rc) return rc;
    *json = cache.meta[i];
    *len = cache.meta_len[i];
    return 0;
}

/* ---- export --------------------------------------------------------------- */

static int mkdir_p(const char *path) {
    char tmp[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == 0) {
            char c = tmp[i];
            tmp[i] = 0;
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

static int write_atomic(const char *path, const void *data, size_t len) {
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            errno = e;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int cfb_flag_export(const char *dir, char *err, size_t errlen) {
    if (!dir || !*dir) {
        if (err) snprintf(err, errlen, "export: no directory given");
        return CF_EINVAL;
    }
    int rc = cache_get();
    if (rc) {
        if (err) snprintf(err, errlen, "export: %s", cf_strerror(rc));
        return rc;
    }
    char path[4096];
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const cfb_flag_info *f = &cfb__flag_table[i];
        char lc[3] = {(char)(f->cc[0] + 32), (char)(f->cc[1] + 32), 0};
        int n = snprintf(path, sizeof path, "%s/flags/%s", dir, lc);
        if (n < 0 || (size_t)n >= sizeof path - 32 || mkdir_p(path) != 0) goto fail;
        snprintf(path, sizeof path, "%s/flags/%s/%s.gif", dir, lc, lc);
        if (write_atomic(path, cache.gif[i], f->size) != 0) goto fail;
        snprintf(path, sizeof path, "%s/flags/%s/metadata.json", dir, lc);
        if (write_atomic(path, cache.meta[i], cache.meta_len[i]) != 0) goto fail;
    }
    return 0;
fail:
    if (err) snprintf(err, errlen, "export: %s: %s", path, strerror(errno));
    return CF_ESYS;
}
