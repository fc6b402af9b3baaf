/* suggest.c — edit distance and "did you mean" (suggest.h). */
#include "suggest.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define CFB_SUGGEST_MAXLEN 63

static int lower(char c) {
    return tolower((unsigned char)c);
}

size_t cfb_edit_distance(const char *a, const char *b, size_t cap) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > CFB_SUGGEST_MAXLEN || lb > CFB_SUGGEST_MAXLEN) {
        if (la == lb) {
            size_t i = 0;
            while (i < la && lower(a[i]) == lower(b[i]))
                i++;
            if (i == la) return 0;
        }
        return cap + 1;
    }
    if ((la > lb ? la - lb : lb - la) > cap) return cap + 1;
    /* three rows of the OSA matrix: d[i-2], d[i-1], d[i] */
    size_t r0[CFB_SUGGEST_MAXLEN + 1], r1[CFB_SUGGEST_MAXLEN + 1], r2[CFB_SUGGEST_MAXLEN + 1];
    size_t *pp = r0, *p = r1, *c = r2;
    for (size_t j = 0; j <= lb; j++)
        p[j] = j;
    for (size_t i = 1; i <= la; i++) {
        c[0] = i;
        size_t rowmin = c[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = lower(a[i - 1]) != lower(b[j - 1]);
            size_t v = p[j - 1] + cost;
            if (p[j] + 1 < v) v = p[j] + 1;
            if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1]) && pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
            if (v < rowmin) rowmin = v;
        }
        if (rowmin > cap) return cap + 1;
        size_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[lb] > cap ? cap + 1 : p[lb];
}

/* The one candidate that word (>= 2 characters) is a proper prefix of, or
 * NULL (none, or several). */
static const char *unique_prefix(const char *word, size_t wl, const char *const *candidates,
                                 size_t n) {
    if (wl < 2) return NULL;
    const char *found = NULL;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c || strlen(c) <= wl) continue;
        size_t k = 0;
        while (k < wl && lower(word[k]) == lower(c[k]))
            k++;
        if (k < wl) continue;
        if (found) return NULL; /* ambiguous */
        found = c;
    }
    return found;
}

const char *cfb_suggest(const char *word, const char *const *candidates, size_t n) {
    if (!word || !*word || !candidates) return NULL;
    size_t wl = strlen(word);
    for (size_t i = 0; i < n; i++)
        if (candidates[i] && !strcmp(candidates[i], word)) return candidates[i];
    /* "hist" means history more likely than list */
    const char *p = unique_prefix(word, wl, candidates, n);
    if (p) return p;
    size_t cap = wl <= 4 ? 1 : wl <= 8 ? 2 : 3;
    const char *best = NULL;
    size_t bestd = cap + 1;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        if (!c || !*c) continue;
        size_t d = cfb_edit_distance(word, c, cap);
        if (d >= strlen(c)) continue; /* would replace the whole candidate */
        if (d < bestd) {
            bestd = d;
            best = c;
        }
    }
    if (best) return best;
    /* the name and more: "outfile" for out (the longest such candidate of
     * at least 3 characters) */
    size_t bestl = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = candidates[i];
        size_t cl = c ? strlen(c) : 0;
        if (cl >= 3 && cl < wl && cl > bestl && !strncasecmp(c, word, cl)) {
            bestl = cl;
            best = c;
        }
    }
    return best;
}
