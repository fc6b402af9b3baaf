/*
 * test_flag_images.c — the embedded flag table and the generated files:
 * the table matches data/flag-sizes.tsv and data/flag-names.tsv; every
 * image is a GIF89a that a full GIF decoder (below, written from the spec,
 * variable code width) reads to exactly width×height pixels, ending with the
 * trailer at exactly the table's size; metadata.json parses and names the
 * country; cfb_flag_export writes the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cfutures.h"
#include "check.h"
#include "flags/flag_server.h"

/* ---- a small GIF decoder -------------------------------------------------- */

typedef struct rd {
    const unsigned char *p;
    size_t n, i;
    int bad;
} rd;

static unsigned get1(rd *r) {
    if (r->i >= r->n) {
        r->bad = 1;
        return 0;
    }
    return r->p[r->i++];
}
static unsigned get2(rd *r) {
    unsigned a = get1(r);
    return a | (get1(r) << 8);
}

/* Concatenate data sub-blocks into out (cap bytes); returns length or -1. */
static long sub_blocks(rd *r, unsigned char *out, size_t cap) {
    size_t n = 0;
    for (;;) {
        unsigned len = get1(r);
        if (r->bad) return -1;
        if (len == 0) return (long)n;
        for (unsigned k = 0; k < len; k++) {
            unsigned c = get1(r);
            if (out) {
                if (n >= cap) return -1;
                out[n] = (unsigned char)c;
            }
            n++;
        }
        if (r->bad) return -1;
    }
}

/* LZW-decode; returns the number of pixels, -1 on a malformed stream. */
static long lzw_decode(const unsigned char *d, size_t n, unsigned min, unsigned ncolors) {
    enum { MAXC = 4096 };
    static uint8_t first[MAXC]; /* first pixel of each string (enough to count pixels) */
    static uint16_t lenof[MAXC];
    unsigned clear = 1u << min, eoi = clear + 1, width = min + 1, next = clear + 2;
    long old = -1, pixels = 0;
    size_t bit = 0;
    for (unsigned c = 0; c < clear; c++)
        first[c] = (uint8_t)c, lenof[c] = 1;
    for (;;) {
        if (bit + width > n * 8) return -1; /* no EOI */
        unsigned code = 0;
        for (unsigned k = 0; k < width; k++, bit++)
            code |= (unsigned)((d[bit / 8] >> (bit % 8)) & 1) << k;
        if (code == clear) {
            width = min + 1, next = clear + 2, old = -1;
            continue;
        }
        if (code == eoi) return pixels;
        if (old < 0) {
            if (code >= clear) return -1;
            if (code >= ncolors) return -1;
            pixels++;
            old = code;
            continue;
        }
        unsigned fc;
        if (code < next)
            fc = first[code];
        else if (code == next)
            fc = first[old];
        else
            return -1;
        if (next < MAXC) {
            (void)fc;
            first[next] = first[old];
            lenof[next] = (uint16_t)(lenof[old] + 1);
            next++;
            if (next == (1u << width) && width < 12) width++;
        }
        pixels += lenof[code];
        old = code;
    }
}

/* 0 when data is a valid single-image GIF89a of exactly len bytes. */
static int gif_check(const unsigned char *data, size_t len, unsigned *w, unsigned *h) {
    rd r = {data, len, 0, 0};
    if (len < 13 || memcmp(data, "GIF89a", 6)) return 1;
    r.i = 6;
    *w = get2(&r), *h = get2(&r);
    unsigned packed = get1(&r);
    get1(&r), get1(&r);
    unsigned ncolors = 0;
    if (packed & 0x80) {
        ncolors = 1u << ((packed & 7) + 1);
        r.i += 3 * ncolors;
    }
    int images = 0;
    for (;;) {
        unsigned b = get1(&r);
        if (r.bad) return 2;
        if (b == 0x3b) break;
        if (b == 0x21) {
            get1(&r);
            if (sub_blocks(&r, NULL, 0) < 0) return 3;
        } else if (b == 0x2c) {
            get2(&r), get2(&r);
            unsigned iw = get2(&r), ih = get2(&r), ip = get1(&r);
            if (ip & 0x80) return 4; /* no local tables in ours */
            unsigned min = get1(&r);
            if (min < 2 || min > 8) return 5;
            static unsigned char lzw[1 << 20];
            long n = sub_blocks(&r, lzw, sizeof lzw);
            if (n < 0) return 6;
            if (lzw_decode(lzw, (size_t)n, min, ncolors ? ncolors : 256) != (long)iw * ih) return 7;
            images++;
        } else {
            return 8;
        }
    }
    return (r.i == len && images == 1) ? 0 : 9;
}

/* ---- tests ----------------------------------------------------------------- */

static void test_table_matches_data(void) {
    char path[1024];
    snprintf(path, sizeof path, "%s/data/flag-sizes.tsv", CFB_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    char line[256], cc[8];
    long bytes;
    size_t i = 0;
    CHECK(fgets(line, sizeof line, f) != NULL); /* header */
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%7s %ld", cc, &bytes) != 2) continue;
        const cfb_flag_info *fi = cfb_flag_find(cc);
        CHECK(fi != NULL);
        if (fi) CHECK_EQ_INT(fi->size, bytes);
        i++;
    }
    fclose(f);
    CHECK_EQ_INT(i, CFB_FLAG_COUNT);

    snprintf(path, sizeof path, "%s/data/flag-names.tsv", CFB_SOURCE_DIR);
    f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return;
    CHECK(fgets(line, sizeof line, f) != NULL);
    i = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        const cfb_flag_info *fi = cfb_flag_find(line);
        CHECK(fi != NULL);
        if (fi) CHECK_EQ_STR(fi->name, tab + 1);
        i++;
    }
    fclose(f);
    CHECK_EQ_INT(i, CFB_FLAG_COUNT);

    for (size_t k = 1; k < CFB_FLAG_COUNT; k++) /* sorted, unique */
        CHECK(strcmp(cfb_flag_at(k - 1)->cc, cfb_flag_at(k)->cc) < 0);
    CHECK(cfb_flag_at(CFB_FLAG_COUNT) == NULL);
}

static void test_lookup(void) {
    CHECK_EQ_STR(cfb_flag_find("br")->name, "Brazil");
    CHECK_EQ_STR(cfb_flag_find("BR")->cc, "BR");
    CHECK_EQ_STR(cfb_flag_find("cN")->name, "China");
    CHECK(cfb_flag_find("XX") == NULL);
    CHECK(cfb_flag_find("B") == NULL);
    CHECK(cfb_flag_find("BRA") == NULL);
    CHECK(cfb_flag_find(NULL) == NULL);
    const unsigned char *d;
    size_t n;
    CHECK_EQ_INT(cfb_flag_image("XX", &d, &n), CF_EINVAL);
    CHECK_EQ_INT(cfb_flag_image("br", NULL, &n), CF_EINVAL);
    const char *j;
    CHECK_EQ_INT(cfb_flag_metadata("ZZ", &j, &n), CF_EINVAL);
}

static void test_images_valid(void) {
    int bad = 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const cfb_flag_info *f = cfb_flag_at(i);
        const unsigned char *d, *d2;
        size_t n, n2;
        CHECK_EQ_INT(cfb_flag_image(f->cc, &d, &n), 0);
        CHECK_EQ_INT(n, f->size);
        unsigned w = 0, h = 0;
        int rc = gif_check(d, n, &w, &h);
        if (rc) {
            fprintf(stderr, "%s: gif_check %d\n", f->cc, rc);
            bad++;
        }
        CHECK(w > 0 && h > 0);
        char lc[3] = {(char)(f->cc[0] + 32), (char)(f->cc[1] + 32), 0};
        CHECK_EQ_INT(cfb_flag_image(lc, &d2, &n2), 0); /* same cache, any case */
        CHECK(d2 == d && n2 == n);
    }
    CHECK_EQ_INT(bad, 0);
    /* images differ between codes (not one image padded 194 ways) */
    const unsigned char *a, *b;
    size_t na, nb;
    cfb_flag_image("FR", &a, &na);
    cfb_flag_image("DE", &b, &nb);
    CHECK(memcmp(a + 13, b + 13, 12) != 0 || memcmp(a + na - 700, b + nb - 700, 690) != 0);
    /* the decoder can fail: a truncated or corrupted image is refused */
    unsigned w, h;
    CHECK(gif_check(a, na - 1, &w, &h) != 0);
    unsigned char *c = malloc(na);
    memcpy(c, a, na);
    c[na - 3] ^= 0xff; /* inside the LZW data, near EOI */
    CHECK(gif_check(c, na, &w, &h) != 0);
    free(c);
}

static void test_metadata(void) {
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const cfb_flag_info *f = cfb_flag_at(i);
        const char *j;
        size_t n;
        CHECK_EQ_INT(cfb_flag_metadata(f->cc, &j, &n), 0);
        CHECK_EQ_INT(strlen(j), n);
        json_error_t e;
        json_t *o = json_loadb(j, n, 0, &e);
        CHECK(o != NULL);
        if (!o) continue;
        CHECK_EQ_STR(json_string_value(json_object_get(o, "country")), f->name);
        CHECK_EQ_STR(json_string_value(json_object_get(o, "iso_cc")), f->cc);
        CHECK_EQ_INT(json_integer_value(json_object_get(o, "gif_bytes")), f->size);
        json_decref(o);
    }
}

static void test_export(void) {
    char dir[] = "/tmp/cfb-export-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char err[256] = "";
    CHECK_EQ_INT(cfb_flag_export(dir, err, sizeof err), 0);
    int same = 0;
    for (size_t i = 0; i < CFB_FLAG_COUNT; i++) {
        const cfb_flag_info *f = cfb_flag_at(i);
        char lc[3] = {(char)(f->cc[0] + 32), (char)(f->cc[1] + 32), 0};
        char path[512];
        snprintf(path, sizeof path, "%s/flags/%s/%s.gif", dir, lc, lc);
        FILE *fp = fopen(path, "rb");
        if (!fp) continue;
        static unsigned char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        const unsigned char *d;
        size_t dn;
        cfb_flag_image(f->cc, &d, &dn);
        if (n == dn && !memcmp(buf, d, n)) same++;
        unlink(path);
        snprintf(path, sizeof path, "%s/flags/%s/metadata.json", dir, lc);
        CHECK_EQ_INT(unlink(path), 0);
        snprintf(path, sizeof path, "%s/flags/%s", dir, lc);
        rmdir(path);
    }
    CHECK_EQ_INT(same, CFB_FLAG_COUNT);
    char path[512];
    snprintf(path, sizeof path, "%s/flags", dir);
    CHECK_EQ_INT(rmdir(path), 0);
    CHECK_EQ_INT(rmdir(dir), 0);
    /* an unwritable place fails with a message */
    CHECK_EQ_INT(cfb_flag_export("/proc/cfb-no-such", err, sizeof err), CF_ESYS);
    CHECK(strstr(err, "/proc/cfb-no-such") != NULL);
    CHECK_EQ_INT(cfb_flag_export(NULL, err, sizeof err), CF_EINVAL);
}

int main(void) {
    RUN(test_table_matches_data);
    RUN(test_lookup);
    RUN(test_images_valid);
    RUN(test_metadata);
    RUN(test_export);
    return check_summary();
}
