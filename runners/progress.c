/* progress.c — the sweep's progress display (stderr). */
#include "progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "modes.h"
#include "sweep.h"

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

static void draw(cfb_progress *p) {
    if (p->style != CFB_PROGRESS_BAR) return;
    double el = cfb_now() - p->t0;
    double rate = el > 0 ? (double)p->done / el : 0;
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : NAN;
    char e1[64], e2[64];
    fmt_dur(e1, sizeof e1, el);
    fmt_dur(e2, sizeof e2, eta);
    const int W = 24;
    int filled = p->total ? (int)((double)W * (double)p->done / (double)p->total) : W;
    char bar[32];
    for (int i = 0; i < W; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[W] = '\0';
    fprintf(stderr, "\r\033[K[%s] %zu/%zu runs  %.2f/s  %s elapsed  ETA %s  %.40s", bar, p->done,
            p->total, rate, e1, e2, p->current);
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
    if (p->style == CFB_PROGRESS_BAR)
        fprintf(stderr, "\r\033[K"); /* the case line goes above the bar */
    if (error)
        fprintf(stderr, "cfbench run: case %s failed: %s\n", id, error);
    else
        fprintf(stderr, "[%zu/%zu] %-28s median wall %.6f s over %d repetitions\n", p->cases_done,
                p->ncases, id, median_s, reps);
    fflush(stderr);
    draw(p);
}

void cfb_progress_note(cfb_progress *p, const char *line) {
    if (p->style == CFB_PROGRESS_QUIET) return;
    if (p->style == CFB_PROGRESS_BAR) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    draw(p);
}

void cfb_progress_error(cfb_progress *p, const char *line) {
    if (p->style == CFB_PROGRESS_BAR) fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
    draw(p);
}

void cfb_progress_end(cfb_progress *p, bool interrupted) {
    if (p->style == CFB_PROGRESS_BAR) fprintf(stderr, "\r\033[K");
    if (interrupted) /* the reason for exit 1: printed with -q too */
        fprintf(stderr, "cfbench run: interrupted: stopped after the current repetition\n");
    fflush(stderr);
}
