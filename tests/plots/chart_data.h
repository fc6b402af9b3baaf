/*
 * chart_data.h — read what `cfbench plot` wrote, for the chart tests:
 *   cd_load()      a gnuplot data file (data/<chart>.dat) as blocks of rows
 *                  of fields (a "quoted" field is one field, quotes removed);
 *                  blocks are separated by two blank lines, a block's header
 *                  is its first line when that line is one quoted string;
 *   cd_var()       a gnuplot variable of one chart, from data/replot.sh (the
 *                  exact -e assignments cfbench passed to gnuplot);
 *   cd_svg_texts() the text items of an SVG gnuplot drew, with the anchor
 *                  position (translate(x,y)) of each.
 * Everything returned is malloc'd and owned by the caller (the *_free
 * functions release it). No global state.
 */
#ifndef CFB_TEST_CHART_DATA_H
#define CFB_TEST_CHART_DATA_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_check.h"

enum { CD_MAXF = 12 };

typedef struct cd_row {
    int nf;
    char *f[CD_MAXF]; /* owned */
} cd_row;

typedef struct cd_block {
    char *header; /* owned; NULL when the block has none */
    cd_row *rows; /* owned */
    int nrows;
} cd_block;

typedef struct cd_file {
    cd_block *b; /* owned */
    int nb;
} cd_file;

static void cd_free(cd_file *f) {
    for (int i = 0; i < f->nb; i++) {
        free(f->b[i].header);
        for (int r = 0; r < f->b[i].nrows; r++)
            for (int k = 0; k < f->b[i].rows[r].nf; k++)
                free(f->b[i].rows[r].f[k]);
        free(f->b[i].rows);
    }
    free(f->b);
    memset(f, 0, sizeof *f);
}

/* Split one line into fields; returns the count. */
static int cd_split(const char *l, const char *end, char **out) {
    int n = 0;
    while (l < end && n < CD_MAXF) {
        while (l < end && (*l == ' ' || *l == '\t'))
            l++;
        if (l >= end) break;
        const char *s = l, *e;
        if (*l == '"') {
            s = ++l;
            while (l < end && *l != '"')
                l++;
            e = l;
            if (l < end) l++;
        } else {
            while (l < end && *l != ' ' && *l != '\t')
                l++;
            e = l;
        }
        out[n] = malloc((size_t)(e - s) + 1);
        if (!out[n]) break;
        memcpy(out[n], s, (size_t)(e - s));
        out[n][e - s] = '\0';
        n++;
    }
    return n;
}

/* Load path into f. 0, or -1 when it cannot be read. */
static int cd_load(const char *path, cd_file *f) {
    memset(f, 0, sizeof *f);
    size_t len;
    char *t = ic_read(path, &len);
    if (!t) return -1;
    int blank = 0, open = 0;
    for (char *l = t; *l;) {
        char *e = strchr(l, '\n');
        if (!e) e = l + strlen(l);
        if (e == l) {
            blank++;
        } else if (*l != '#') {
            if (!open || blank >= 2) {
                cd_block *nb = realloc(f->b, (size_t)(f->nb + 1) * sizeof *nb);
                if (!nb) break;
                f->b = nb;
                memset(&f->b[f->nb++], 0, sizeof *f->b);
                open = 1;
            }
            blank = 0;
            cd_block *b = &f->b[f->nb - 1];
            char *fl[CD_MAXF];
            int nf = cd_split(l, e, fl);
            if (!b->nrows && !b->header && nf == 1 && *l == '"') {
                b->header = fl[0];
            } else {
                cd_row *nr = realloc(b->rows, (size_t)(b->nrows + 1) * sizeof *nr);
                if (!nr) break;
                b->rows = nr;
                b->rows[b->nrows].nf = nf;
                memcpy(b->rows[b->nrows].f, fl, (size_t)nf * sizeof *fl);
                b->nrows++;
            }
        }
        l = *e ? e + 1 : e;
    }
    free(t);
    return 0;
}

static double cd_num(const cd_row *r, int k) {
    return k < r->nf ? strtod(r->f[k], NULL) : 0.0 / 0.0;
}

/* Variable `var` of the chart drawn to OUT/<chart>.png (or .svg), from OUT/data/
 * replot.sh: its value (malloc'd, quotes removed), or NULL when the chart
 * or the variable is not there. */
static char *cd_var(const char *out, const char *chart, const char *var) {
    char p[1024], key[300], at[300], at2[300];
    snprintf(p, sizeof p, "%s/data/replot.sh", out);
    size_t len;
    char *t = ic_read(p, &len);
    if (!t) return NULL;
    snprintf(at, sizeof at, "/%s.png'", chart);
    snprintf(at2, sizeof at2, "/%s.svg'", chart);
    char *res = NULL;
    for (char *l = t; *l && !res;) {
        char *e = strchr(l, '\n');
        if (!e) e = l + strlen(l);
        char *hit = strstr(l, at), *hit2 = strstr(l, at2);
        if ((hit && hit < e) || (hit2 && hit2 < e)) {
            /* the last assignment wins, as in gnuplot */
            for (char *q = l; q < e;) {
                snprintf(key, sizeof key, "%s=", var);
                char *v = strstr(q, key);
                if (!v || v >= e) break;
                if (v == l || v[-1] == ' ' || v[-1] == '\'') {
                    v += strlen(key);
                    char *ve = v;
                    while (ve < e && *ve != ';')
                        ve++;
                    free(res);
                    res = malloc((size_t)(ve - v) + 1);
                    size_t k = 0;
                    for (char *c = v; res && c < ve; c++)
                        if (*c != '\'' && *c != '\\') res[k++] = *c;
                    if (res) res[k] = '\0';
                    q = ve;
                } else {
                    q = v + 1;
                }
            }
            if (!res) break;
        }
        l = *e ? e + 1 : e;
    }
    free(t);
    return res;
}

/* A number variable; NAN when absent. */
static double cd_varnum(const char *out, const char *chart, const char *var) {
    char *v = cd_var(out, chart, var);
    double x = v ? strtod(v, NULL) : 0.0 / 0.0;
    free(v);
    return x;
}

typedef struct cd_text {
    double x, y;
    char s[96];
} cd_text;

/* The text items of an SVG drawn by gnuplot: <g transform="translate(x,y)"
 * …><text>…</text>, with inner tags stripped. *out malloc'd; the count, or
 * -1 when the file cannot be read. */
static int cd_svg_texts(const char *path, cd_text **out) {
    size_t len;
    char *t = ic_read(path, &len);
    *out = NULL;
    if (!t) return -1;
    int n = 0, cap = 0;
    for (char *p = t; (p = strstr(p, "translate("));) {
        double x, y;
        if (sscanf(p, "translate(%lf,%lf)", &x, &y) != 2) {
            p++;
            continue;
        }
        char *g_end = strchr(p, '>');
        char *tx = strstr(p, "<text");
        char *next = strstr(p + 1, "translate(");
        p++;
        if (!g_end || !tx || (next && next < tx)) continue;
        char *s = strchr(tx, '>'), *e = s ? strstr(s, "</text>") : NULL;
        if (!e) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            cd_text *nt = realloc(*out, (size_t)cap * sizeof *nt);
            if (!nt) break;
            *out = nt;
        }
        cd_text *it = &(*out)[n++];
        it->x = x;
        it->y = y;
        size_t k = 0;
        int intag = 0;
        for (char *c = s + 1; c < e && k + 1 < sizeof it->s; c++) {
            if (*c == '<')
                intag = 1;
            else if (*c == '>')
                intag = 0;
            else if (!intag)
                it->s[k++] = *c;
        }
        it->s[k] = '\0';
    }
    free(t);
    return n;
}
#endif
