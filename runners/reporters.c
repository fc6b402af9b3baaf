/*
 * reporters.c — the built-in reporters of cfbench.h: the progress display
 * (runners/progress.c, on stderr) and the atomic JSON writer
 * (results_io.h: cfb_results_save, a temporary file renamed over the path).
 *
 * Threads: a reporter is called only from the thread of cfb_run, one
 * callback at a time (cfbench.h); no locks. Each owns its state (the
 * progress display; the path copy), freed by cfb_reporter_free.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfbench.h"
#include "progress.h"
#include "results_io.h"

void cfb_reporter_free(cfb_reporter *r) {
    if (!r) return;
    if (r->free) r->free(r->user);
    free(r);
}

/* ---- progress --------------------------------------------------------------- */

static int pg_run_start(void *user, const cfb_run_info *info, const cfb_run_result *partial,
                        char *err, size_t errlen) {
    (void)partial, (void)err, (void)errlen;
    cfb_progress *p = user;
    cfb_progress_init(p, p->style, info->nunits, info->ncases);
    return 0;
}

static void pg_case_start(void *user, const cfb_case_event *ev) {
    cfb_progress_case(user, ev->id);
}

static void pg_rep_done(void *user, const cfb_case_event *ev) {
    cfb_progress_unit(user, ev->id);
}

/* A failed case and wrong answers are printed in every style (they are
 * the reason the CLI exits 1). */
static int pg_case_done(void *user, const cfb_case_event *ev, const cfb_run_result *partial,
                        char *err, size_t errlen) {
    (void)partial, (void)err, (void)errlen;
    cfb_progress *p = user;
    cfb_progress_case_done(p, ev->id, ev->error, ev->median_wall_s, ev->reps_done);
    if (ev->wrong) {
        char line[1024];
        const char *first = ev->first_problem;
        snprintf(line, sizeof line, "cfbench run: case %s: %lld wrong answers%s%s", ev->id,
                 ev->wrong, first ? " (first problem: " : "", first ? first : "");
        if (first) snprintf(line + strlen(line), sizeof line - strlen(line), ")");
        cfb_progress_error(p, line);
    }
    return 0;
}

static void pg_warning(void *user, const char *text) {
    char line[1200];
    snprintf(line, sizeof line, "cfbench: warning: %s", text);
    cfb_progress_note(user, line); /* nothing when quiet */
}

static int pg_run_done(void *user, const cfb_run_result *r, char *err, size_t errlen) {
    (void)err, (void)errlen;
    cfb_progress_end(user, cfb_run_result_interrupted(r));
    return 0;
}

cfb_reporter *cfb_reporter_progress_new(int style) {
    cfb_reporter *r = calloc(1, sizeof *r);
    cfb_progress *p = calloc(1, sizeof *p);
    if (!r || !p) {
        free(r);
        free(p);
        return NULL;
    }
    p->style =
        style == CFB_PROGRESS_BAR || style == CFB_PROGRESS_LINES ? style : CFB_PROGRESS_QUIET;
    *r = (cfb_reporter){.user = p,
                        .run_start = pg_run_start,
                        .case_start = pg_case_start,
                        .rep_done = pg_rep_done,
                        .case_done = pg_case_done,
                        .warning = pg_warning,
                        .run_done = pg_run_done,
                        .free = free};
    return r;
}

/* ---- the JSON writer ------------------------------------------------------------ */

/* With path "-" (stdout) only the final document is written: stdout cannot
 * be rewritten in place. */
static int js_save(const char *path, const cfb_run_result *r, bool final, char *err,
                   size_t errlen) {
    if (!final && cfb_out_is_stdout(path)) return 0;
    const cfb_results *doc = cfb_run_result_results(r);
    char why[512];
    if (!doc) {
        snprintf(err, errlen, "cannot write results: out of memory");
        return -1;
    }
    if (cfb_results_write(path, doc, why, sizeof why)) {
        snprintf(err, errlen, "cannot write results: %s", why);
        return -1;
    }
    return 0;
}

static int js_run_start(void *user, const cfb_run_info *info, const cfb_run_result *partial,
                        char *err, size_t errlen) {
    (void)info;
    return js_save(user, partial, false, err, errlen);
}

static int js_case_done(void *user, const cfb_case_event *ev, const cfb_run_result *partial,
                        char *err, size_t errlen) {
    (void)ev;
    return js_save(user, partial, false, err, errlen);
}

static int js_run_done(void *user, const cfb_run_result *r, char *err, size_t errlen) {
    return js_save(user, r, true, err, errlen);
}

cfb_reporter *cfb_reporter_json_new(const char *path) {
    if (!path || !*path) return NULL;
    cfb_reporter *r = calloc(1, sizeof *r);
    char *p = strdup(path);
    if (!r || !p) {
        free(r);
        free(p);
        return NULL;
    }
    *r = (cfb_reporter){.user = p,
                        .run_start = js_run_start,
                        .case_done = js_case_done,
                        .run_done = js_run_done,
                        .free = free};
    return r;
}
