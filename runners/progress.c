/* progress.c — the sweep's progress display (stderr).
 *
 * Main thread only (progress.h): no locks, no signal handler. The terminal
 * width is read again (TIOCGWINSZ on stderr, then $COLUMNS, then 80) at
 * every draw, so a resized terminal (SIGWINCH) is followed from the next
 * draw on without a handler.
 *
 * Invariant on a terminal (CFB_PROGRESS_BAR): every line written is at
 * most width - 1 visible columns (the cursor never reaches the last
 * column, so no terminal wraps it), and the bar line is the last one and
 * has no newline: "\r\033[K" erases it whole before anything else is
 * written. The bar shortens in this order as the width shrinks: the case
 * id goes first (truncated with "…", then dropped), then the rate, the
 * elapsed time and the ETA, then the bar itself narrows, down to the bare
 * "done/total" count. The per-case lines above the bar shorten their
 * text ("median wall X s over N repetitions", "median X s, N reps",
 * "X s xN") to keep the id whole, then cut the id with "…"; notes and errors, which must be read
 * whole, are wrapped at spaces into lines that fit (continuations indented by 4).
 *
 * Not on a terminal (CFB_PROGRESS_LINES): no bar and no escape codes, one
 * line per finished case plus the notes and errors, whatever their length.
 */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "modes.h"
#include "sweep.h"

/* Below this the display gives up shortening and prints what it must
 * (a count); no real terminal is this narrow. */
#define CFB_PROGRESS_MIN_COLS 8

int cfb_progress_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    const char *env = getenv("COLUMNS");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (*end == '\0' && v > 0 && v <= 10000) return (int)v;
    }
    return 80;
}

/* ---- UTF-8 aware measuring and cutting ---------------------------------- */

/* The code point at s (n > 0 bytes follow), its length in *len; invalid
 * or truncated sequences are one byte, U+FFFD. */
static unsigned decode(const unsigned char *s, size_t n, size_t *len) {
    unsigned c = s[0];
    size_t need = c < 0x80             ? 0
                  : (c & 0xe0) == 0xc0 ? 1
                  : (c & 0xf0) == 0xe0 ? 2
                  : (c & 0xf8) == 0xf0 ? 3
                                       : 9;
    if (need == 0) {
        *len = 1;
        return c;
    }
    if (need == 9 || need >= n) {
        *len = 1;
        return 0xfffd;
    }
    unsigned cp = c & (0x3f >> need);
    for (size_t i = 1; i <= need; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xfffd;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *len = need + 1;
    return cp;
}

/* Columns a code point takes: 0 for combining marks, 2 for the wide
 * (East Asian, emoji) ranges, else 1. Errs on the wide side: a line
 * measured too long is only shorter on the screen. */
static int cp_cols(unsigned cp) {
    if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || cp == 0xfe0f) return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
        (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

/* progress.h */
int cfb_progress_fit(char *dst, size_t dstlen, const char *src, int maxcols) {
    const unsigned char *s = (const unsigned char *)src;
    size_t n = strlen(src), k = 0;
    int cols = 0;
    if (maxcols <= 0 || dstlen < 4) {
        if (dstlen) dst[0] = '\0';
        return 0;
    }
    /* total width first: does it need cutting? */
    int total = 0;
    for (size_t i = 0; i < n;) {
        size_t l;
        unsigned cp = decode(s + i, n - i, &l);
        total += cp < 0x20 || cp == 0x7f || cp == 0xfffd ? 1 : cp_cols(cp);
        i += l;
    }
    int budget = total <= maxcols ? maxcols : maxcols - 1; /* room for the ellipsis */
    for (size_t i = 0; i < n;) {
        size_t l;
        unsigned cp = decode(s + i, n - i, &l);
        int w;
        const char *out;
        size_t outlen;
        if (cp < 0x20 || cp == 0x7f || cp == 0xfffd || (cp >= 0x80 && cp < 0xa0)) {
            w = 1;
            out = "?";
            outlen = 1;
        } else {
            w = cp_cols(cp);
            out = (const char *)s + i;
            outlen = l;
        }
        if (cols + w > budget || k + outlen + 4 > dstlen) break;
        memcpy(dst + k, out, outlen);
        k += outlen;
        cols += w;
        i += l;
    }
    if (total > maxcols) {
        memcpy(dst + k, "\xe2\x80\xa6", 3);
        k += 3;
        cols++;
    }
    dst[k] = '\0';
    return cols;
}

int cfb_progress_cols(const char *s) {
    char tmp[1024];
    return cfb_progress_fit(tmp, sizeof tmp, s, 1 << 20);
}

/* ---- the display -------------------------------------------------------- */

void cfb_progress_init(cfb_progress *p, int style, size_t total_units, size_t ncases) {
    memset(p, 0, sizeof *p);
    p->style = style;
    p->total = total_units;
    p->ncases = ncases;
    p->t0 = cfb_now();
}

static void fmt_dur(char *buf, size_t len, double s) {
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void cfb_progress_bar_line(const cfb_progress *p, int cols, char *out, size_t len) {
    double el = cfb_now() - p->t0;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : NAN;
    char e1[32], e2[32], count[64], srate[48], selap[48], seta[48];
    fmt_dur(e1, sizeof e1, el);
    fmt_dur(e2, sizeof e2, eta);
    snprintf(count, sizeof count, "%zu/%zu runs", p->done, p->total);
    snprintf(srate, sizeof srate, "  %.2f/s", rate);
    snprintf(selap, sizeof selap, "  %s elapsed", e1);
    snprintf(seta, sizeof seta, "  ETA %s", e2);
    int room = cols - 1;
    /* the layouts, widest first: which of rate, elapsed, ETA are shown */
    static const unsigned char shown[][3] = {{1, 1, 1}, {0, 1, 1}, {0, 0, 1}, {0, 0, 0}};
    const int bar_full = 24, bar_min = 5;
    int cl = (int)strlen(count);
    for (size_t k = 0; k < sizeof shown / sizeof shown[0]; k++) {
        int extra = (shown[k][0] ? (int)strlen(srate) : 0) +
                    (shown[k][1] ? (int)strlen(selap) : 0) + (shown[k][2] ? (int)strlen(seta) : 0);
        int fixed = cl + extra + 3; /* "[" "] " around the bar */
        int bw = room - fixed;
        if (bw > bar_full) bw = bar_full;
        /* the full bar comes before the extras, except in the last layout */
        if (bw < bar_full && k + 1 < sizeof shown / sizeof shown[0]) continue;
        if (bw < bar_min) break;
        int filled = p->total ? (int)((double)bw * (double)p->done / (double)p->total) : bw;
        char bar[32];
        for (int i = 0; i < bw; i++)
            bar[i] = i < filled ? '#' : '.';
        bar[bw] = '\0';
        int n = snprintf(out, len, "[%s] %s%s%s%s", bar, count, shown[k][0] ? srate : "",
                         shown[k][1] ? selap : "", shown[k][2] ? seta : "");
        int used = fixed + bw;
        /* the case id in what is left, when a useful part of it fits */
        int left = room - used - 2;
        if (k == 0 && *p->current && n > 0 && (size_t)n + 8 < len &&
            (left >= 12 || left >= cfb_progress_cols(p->current))) {
            out[n++] = ' ';
            out[n++] = ' ';
            cfb_progress_fit(out + n, len - (size_t)n, p->current, left);
        }
        return;
    }
    /* narrower than any bar: the count alone, cut to fit */
    char bare[48];
    snprintf(bare, sizeof bare, "%zu/%zu", p->done, p->total);
    cfb_progress_fit(out, len, bare, room);
}

static void draw(cfb_progress *p) {
    if (p->style != CFB_PROGRESS_BAR) return;
    char line[512];
    cfb_progress_bar_line(p, cfb_progress_columns(STDERR_FILENO), line, sizeof line);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
}

/* Print a message line (no newline in it) on a terminal of cols columns,
 * wrapped at spaces so that no line has more than cols - 1 columns. */
static void print_wrapped(const char *msg, int cols) {
    int room = cols - 1 < CFB_PROGRESS_MIN_COLS ? CFB_PROGRESS_MIN_COLS : cols - 1;
    const char *s = msg;
    int indent = 0;
    char piece[1024];
    while (*s) {
        int avail = room - indent;
        /* the longest prefix of s, ending before a space, that fits */
        size_t n = strlen(s), best = 0, i = 0;
        int w = 0;
        size_t cut = 0; /* bytes of s that fit at all */
        while (i < n) {
            size_t l;
            unsigned cp = decode((const unsigned char *)s + i, n - i, &l);
            int cw = cp < 0x20 || cp == 0x7f || cp == 0xfffd ? 1 : cp_cols(cp);
            if (w + cw > avail) break;
            w += cw;
            i += l;
            cut = i;
            if (i < n && s[i] == ' ') best = i;
        }
        size_t take = cut == n ? n : best ? best : cut;
        if (take == 0) take = 1;
        if (take > sizeof piece - 1) take = sizeof piece - 1;
        memcpy(piece, s, take);
        piece[take] = '\0';
        char safe[1024];
        cfb_progress_fit(safe, sizeof safe, piece, avail);
        fprintf(stderr, "%*s%s\n", indent, "", safe);
        s += take;
        while (*s == ' ')
            s++;
        indent = 4;
    }
    if (!*msg) fputc('\n', stderr);
}

/* A line above the bar (or, not on a terminal, just a line). */
static void message(cfb_progress *p, const char *line) {
    if (p->style == CFB_PROGRESS_BAR) {
        fputs("\r\033[K", stderr);
        print_wrapped(line, cfb_progress_columns(STDERR_FILENO));
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

void cfb_progress_print(const char *line) {
    if (isatty(STDERR_FILENO))
        print_wrapped(line, cfb_progress_columns(STDERR_FILENO));
    else
        fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

void cfb_progress_case(cfb_progress *p, const char *id) {
    snprintf(p->current, sizeof p->current, "%s", id);
    draw(p);
}

void cfb_progress_unit(cfb_progress *p, const char *id) {
    p->done++;
    snprintf(p->current, sizeof p->current, "%s", id);
    draw(p);
}

void cfb_progress_case_done(cfb_progress *p, const char *id, const char *error, double median_s,
                            int reps) {
    p->cases_done++;
    if (p->style == CFB_PROGRESS_QUIET && !error) return; /* errors are never silenced */
    char line[1400];
    if (error) {
        snprintf(line, sizeof line, "cfbench run: case %s failed: %s", id, error);
        message(p, line);
    } else if (p->style == CFB_PROGRESS_BAR) {
        /* "[i/n] ID  median wall X s over N repetitions", the id padded
         * to 28 columns when there is room; narrower, a shorter tail so
         * that the id stays whole; narrower still, the id cut with "…" */
        char head[48], tails[3][96], sid[400];
        snprintf(head, sizeof head, "[%zu/%zu] ", p->cases_done, p->ncases);
        snprintf(tails[0], sizeof tails[0], "  median wall %.6f s over %d repetitions", median_s,
                 reps);
        snprintf(tails[1], sizeof tails[1], "  median %.6f s, %d reps", median_s, reps);
        snprintf(tails[2], sizeof tails[2], " %.3g s x%d", median_s, reps);
        int room = cfb_progress_columns(STDERR_FILENO) - 1, idcols = cfb_progress_cols(id);
        int t = 0, idroom = 0;
        for (; t < 3; t++) {
            idroom = room - cfb_progress_cols(head) - cfb_progress_cols(tails[t]);
            if (idroom >= idcols) break;
        }
        if (t == 3) { /* no tail leaves the whole id: cut it */
            t = room - cfb_progress_cols(head) - cfb_progress_cols(tails[1]) >= 16 ? 1 : 2;
            idroom = room - cfb_progress_cols(head) - cfb_progress_cols(tails[t]);
        }
        int w = cfb_progress_fit(sid, sizeof sid, id, idroom);
        int padto = t == 0 ? (idroom < 28 ? idroom : 28) : 0;
        int pad = w < padto ? padto - w : 0;
        snprintf(line, sizeof line, "%s%s%*s%s", head, sid, pad, "", tails[t]);
        fputs("\r\033[K", stderr);
        if (idroom >= 1) {
            fprintf(stderr, "%s\n", line);
        } else { /* absurdly narrow: the whole line, cut */
            char cut[1400];
            cfb_progress_fit(cut, sizeof cut, line, room);
            fprintf(stderr, "%s\n", cut);
        }
    } else {
        fprintf(stderr, "[%zu/%zu] %-28s median wall %.6f s over %d repetitions\n", p->cases_done,
                p->ncases, id, median_s, reps);
    }
    fflush(stderr);
    draw(p);
}

void cfb_progress_note(cfb_progress *p, const char *line) {
    if (p->style == CFB_PROGRESS_QUIET) return;
    message(p, line);
    draw(p);
}

void cfb_progress_error(cfb_progress *p, const char *line) {
    message(p, line);
    draw(p);
}

void cfb_progress_end(cfb_progress *p, bool interrupted) {
    if (p->style == CFB_PROGRESS_BAR) fprintf(stderr, "\r\033[K");
    if (interrupted) /* the reason for exit 1: printed with -q too */
        message(p, "cfbench run: interrupted: stopped after the current repetition");
    fflush(stderr);
}
