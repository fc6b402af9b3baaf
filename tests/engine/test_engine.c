/*
 * test_engine.c — the engine through its public header (cfbench.h): the
 * order of reporter callbacks, the partial results handed to them, the
 * reporter-less in-memory path, cancellation by the caller's stop token
 * (from a thread while a task is blocked on a FIFO, and from a signal
 * handler), bad plans (status and one-line reason), a reporter that
 * refuses, and several runs in one process.
 *
 * Deterministic: the blocked task is a `cmd` task reading a FIFO; the
 * helper thread's open() for writing returns only once that task has the
 * FIFO open, so the stop is requested while the task is blocked, and the
 * task ends when the helper writes. No sleeps, no timed assertions.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfbench.h"
#include "check.h"

static char dir[] = "/tmp/cfb_engine_XXXXXX";

/* ---- a recording reporter ---------------------------------------------------- */

typedef struct rec {
    char log[4096];
    size_t len;
    int nwarn;
    size_t partial_cases[16]; /* cases in the partial document at each case_done */
    int npartial;
    bool partial_complete; /* any partial document said complete=true */
    bool refuse_start;
    cfb_stop *stop_at_rep; /* request this stop at the first rep_done */
    bool raise_at_rep;     /* raise SIGUSR1 at the first rep_done */
    bool stopped;
} rec;

static void logf_(rec *r, const char *s) {
    size_t n = strlen(s);
    if (r->len + n + 2 < sizeof r->log) {
        memcpy(r->log + r->len, s, n);
        r->len += n;
        r->log[r->len++] = ' ';
        r->log[r->len] = '\0';
    }
}

static int r_start(void *u, const cfb_run_info *info, const cfb_run_result *partial, char *err,
                   size_t errlen) {
    rec *r = u;
    char b[64];
    snprintf(b, sizeof b, "S%zu/%zu", info->ncases, info->nunits);
    logf_(r, b);
    if (cfb_run_result_complete(partial)) r->partial_complete = true;
    if (r->refuse_start) {
        snprintf(err, errlen, "test reporter: no");
        return -1;
    }
    return 0;
}
static void r_case_start(void *u, const cfb_case_event *ev) {
    char b[32];
    snprintf(b, sizeof b, "c%zu", ev->index);
    logf_(u, b);
}
static void r_rep_done(void *u, const cfb_case_event *ev) {
    rec *r = u;
    char b[32];
    snprintf(b, sizeof b, "r%zu:%d", ev->index, ev->rep);
    logf_(r, b);
    if (ev->rep >= 0) CHECK(isfinite(ev->wall_s) && ev->wall_s >= 0);
    if (!r->stopped && r->stop_at_rep) {
        r->stopped = true;
        cfb_stop_request(r->stop_at_rep);
    }
    if (!r->stopped && r->raise_at_rep) {
        r->stopped = true;
        raise(SIGUSR1);
    }
}
static int r_case_done(void *u, const cfb_case_event *ev, const cfb_run_result *partial, char *err,
                       size_t errlen) {
    (void)err, (void)errlen;
    rec *r = u;
    char b[32];
    snprintf(b, sizeof b, "d%zu", ev->index);
    logf_(r, b);
    const cfb_results *doc = cfb_run_result_results(partial);
    CHECK(doc != NULL);
    if (cfb_results_complete(doc)) r->partial_complete = true;
    if (r->npartial < 16) r->partial_cases[r->npartial++] = cfb_results_ncases(doc);
    return 0;
}
static void r_warning(void *u, const char *text) {
    rec *r = u;
    CHECK(text && *text);
    r->nwarn++;
}
static int r_done(void *u, const cfb_run_result *res, char *err, size_t errlen) {
    (void)err, (void)errlen;
    logf_(u, cfb_run_result_interrupted(res) ? "Ei" : "E");
    return 0;
}

static cfb_reporter rec_reporter(rec *r) {
    return (cfb_reporter){.user = r,
                          .run_start = r_start,
                          .case_start = r_case_start,
                          .rep_done = r_rep_done,
                          .case_done = r_case_done,
                          .warning = r_warning,
                          .run_done = r_done};
}

/* noop (10 tasks) in seq and thread (2 workers), repeat 2, warmup 1. */
static cfb_plan *small_plan(void) {
    cfb_plan *p = cfb_plan_new();
    CHECK(p != NULL);
    CHECK_EQ_INT(cfb_plan_add_workload(p, "noop"), 0);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "seq"), 0);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "thread"), 0);
    CHECK_EQ_INT(cfb_plan_add_workers(p, 2), 0);
    CHECK_EQ_INT(cfb_plan_set_repeat(p, 2), 0);
    CHECK_EQ_INT(cfb_plan_set_warmup(p, 1), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "noop.tasks", "10"), 0);
    return p;
}

static void test_callback_order(void) {
    cfb_plan *p = small_plan();
    rec r = {0};
    cfb_reporter rep = rec_reporter(&r);
    const cfb_reporter *reps[] = {&rep};
    cfb_run_result *res = NULL;
    char err[512] = "";
    CHECK_EQ_INT(cfb_run(p, reps, 1, NULL, &res, err, sizeof err), 0);
    CHECK_EQ_STR(r.log, "S2/6 c0 r0:-1 r0:0 r0:1 d0 c1 r1:-1 r1:0 r1:1 d1 E ");
    CHECK(!r.partial_complete);
    CHECK_EQ_INT(r.npartial, 2);
    CHECK_EQ_INT(r.partial_cases[0], 1);
    CHECK_EQ_INT(r.partial_cases[1], 2);
    CHECK(res != NULL);
    CHECK_EQ_INT(cfb_run_result_outcome(res), CFB_RUN_COMPLETE);
    CHECK(cfb_run_result_complete(res) && !cfb_run_result_interrupted(res));
    CHECK_EQ_INT(cfb_run_result_ncases(res), 2);
    CHECK_EQ_INT(cfb_run_result_cases_done(res), 2);
    const char *id = NULL;
    CHECK(isfinite(cfb_run_result_case_wall(res, 1, &id)));
    CHECK_EQ_STR(id, "noop/thread/w2");
    CHECK(isnan(cfb_run_result_case_wall(res, 2, &id)) && id == NULL);
    const cfb_results *doc = cfb_run_result_results(res);
    CHECK(cfb_results_complete(doc));
    CHECK_EQ_INT(cfb_results_ncases(doc), 2);
    cfb_run_result_free(res);
    cfb_plan_free(p);
}

/* No reporter: the results in memory only, and nothing printed (the
 * progress display is a reporter). */
static void test_no_reporter(void) {
    cfb_plan *p = small_plan();
    cfb_plan_set_measure(p, false);
    cfb_run_result *res = NULL;
    char err[512] = "";
    CHECK_EQ_INT(cfb_run(p, NULL, 0, NULL, &res, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_run_result_outcome(res), CFB_RUN_COMPLETE);
    CHECK(isfinite(cfb_run_result_case_wall(res, 0, NULL)));
    const cfb_results *doc = cfb_run_result_results(res);
    CHECK(json_is_false(json_object_get(cfb_results_config(doc), "measure")));
    cfb_run_result_free(res);
    /* a run without out: the run happens, the results are dropped */
    CHECK_EQ_INT(cfb_run(p, NULL, 0, NULL, NULL, err, sizeof err), 0);
    cfb_plan_free(p);
}

/* ---- cancellation --------------------------------------------------------------- */

typedef struct feeder {
    const char *fifo;
    cfb_stop *stop;
    _Atomic int opened;
} feeder;

static void *feed(void *arg) {
    feeder *f = arg;
    int fd = open(f->fifo, O_WRONLY); /* returns once the blocked task has the FIFO open */
    if (fd < 0) return NULL;
    f->opened = 1;
    cfb_stop_request(f->stop); /* while the task is blocked on its read */
    (void)!write(fd, "x", 1);
    close(fd);
    return NULL;
}

static void test_stop_while_blocked(void) {
    char fifo[256], cmd[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
    snprintf(cmd, sizeof cmd, "cat %s", fifo);
    cfb_plan *p = cfb_plan_new();
    CHECK_EQ_INT(cfb_plan_add_workload(p, "noop"), 0);
    CHECK_EQ_INT(cfb_plan_add_workload(p, "cmd"), 0);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "seq"), 0);
    CHECK_EQ_INT(cfb_plan_add_workers(p, 1), 0);
    CHECK_EQ_INT(cfb_plan_set_repeat(p, 2), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "noop.tasks", "5"), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "cmd.run", cmd), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "cmd.tasks", "1"), 0);
    cfb_stop *stop = cfb_stop_new();
    CHECK(stop && !cfb_stop_requested(stop));
    feeder f = {.fifo = fifo, .stop = stop};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, feed, &f), 0);
    rec r = {0};
    cfb_reporter rep = rec_reporter(&r);
    const cfb_reporter *reps[] = {&rep};
    cfb_run_result *res = NULL;
    char err[512] = "";
    CHECK_EQ_INT(cfb_run(p, reps, 1, stop, &res, err, sizeof err), 0);
    if (!f.opened) { /* the task never opened the FIFO: release the helper */
        int fd = open(fifo, O_RDONLY | O_NONBLOCK);
        if (fd >= 0) close(fd);
    }
    pthread_join(th, NULL);
    CHECK(f.opened);
    CHECK(cfb_stop_requested(stop));
    /* the cmd case's first repetition finished (the task was not killed),
     * then the run stopped: noop's case kept, cmd's half, no case_done */
    CHECK_EQ_STR(r.log, "S2/4 c0 r0:0 r0:1 d0 c1 r1:0 Ei ");
    CHECK_EQ_INT(cfb_run_result_outcome(res), CFB_RUN_INTERRUPTED);
    CHECK(cfb_run_result_interrupted(res) && !cfb_run_result_complete(res));
    CHECK_EQ_INT(cfb_run_result_cases_done(res), 1);
    const cfb_results *doc = cfb_run_result_results(res);
    CHECK(cfb_results_interrupted(doc) && !cfb_results_complete(doc));
    CHECK_EQ_INT(cfb_results_ncases(doc), 2);
    CHECK_EQ_INT(cfb_rcase_nreps(cfb_results_case(doc, 0)), 2);
    CHECK_EQ_INT(cfb_rcase_nreps(cfb_results_case(doc, 1)), 1);
    cfb_run_result_free(res);
    /* the same plan again with the token reset: a second run in the same
     * process, nothing left over from the first (the FIFO replaced by a
     * command that ends by itself) */
    cfb_stop_reset(stop);
    CHECK_EQ_INT(cfb_plan_set_param(p, "cmd.run", "true"), 0);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(cfb_run(p, reps, 1, stop, &res, err, sizeof err), 0);
    CHECK_EQ_STR(r.log, "S2/4 c0 r0:0 r0:1 d0 c1 r1:0 r1:1 d1 E ");
    CHECK_EQ_INT(cfb_run_result_outcome(res), CFB_RUN_COMPLETE);
    cfb_run_result_free(res);
    cfb_stop_free(stop);
    cfb_plan_free(p);
    unlink(fifo);
}

static cfb_stop *sig_stop;
static void on_usr1(int sig) {
    (void)sig;
    cfb_stop_request(sig_stop); /* async-signal-safe */
}

static void test_stop_from_signal(void) {
    sig_stop = cfb_stop_new();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    cfb_plan *p = small_plan();
    rec r = {.raise_at_rep = true};
    cfb_reporter rep = rec_reporter(&r);
    const cfb_reporter *reps[] = {&rep};
    cfb_run_result *res = NULL;
    char err[512] = "";
    CHECK_EQ_INT(cfb_run(p, reps, 1, sig_stop, &res, err, sizeof err), 0);
    /* the warm-up finished, then the run stopped before the next repetition */
    CHECK_EQ_STR(r.log, "S2/6 c0 r0:-1 Ei ");
    CHECK_EQ_INT(cfb_run_result_outcome(res), CFB_RUN_INTERRUPTED);
    CHECK_EQ_INT(cfb_run_result_cases_done(res), 0);
    cfb_run_result_free(res);
    signal(SIGUSR1, SIG_DFL);
    cfb_stop_free(sig_stop);
    cfb_plan_free(p);
}

/* ---- bad plans and refusing reporters --------------------------------------------- */

static void test_bad_plans(void) {
    cfb_plan *p = cfb_plan_new();
    char err[512] = "";
    cfb_run_result *res = (cfb_run_result *)&err; /* must be set to NULL */
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "no workload") != NULL);
    CHECK_EQ_INT(cfb_run(p, NULL, 0, NULL, &res, err, sizeof err), CF_EINVAL);
    CHECK(res == NULL);
    CHECK_EQ_INT(cfb_plan_add_workload(p, "nope"), CF_EINVAL);
    CHECK(strstr(cfb_plan_error(p), "unknown workload 'nope'") != NULL);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "bogus"), CF_EINVAL);
    CHECK(strstr(cfb_plan_error(p), "unknown mode 'bogus'") != NULL);
    CHECK_EQ_INT(cfb_plan_add_impl(p, "rust"), CF_EINVAL);
    CHECK(strstr(cfb_plan_error(p), "rust") != NULL);
    CHECK_EQ_INT(cfb_plan_add_workers(p, 0), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_add_workers(p, 1025), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_set_repeat(p, 0), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_set_warmup(p, -1), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_set_gil_interval(p, 0), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_set_param(p, ".tasks", "1"), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_set_param(p, "", "1"), CF_EINVAL);
    CHECK_EQ_INT(cfb_plan_add_workload(p, "noop"), 0);
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "no mode") != NULL);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "seq"), 0);
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), 0);
    /* an unknown parameter, an unknown workload in a key, a bad value: at
     * check time, and cfb_run refuses the same before any work */
    CHECK_EQ_INT(cfb_plan_set_param(p, "noop.bogus", "1"), 0);
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "bogus") != NULL && !strchr(err, '\n'));
    rec r = {0};
    cfb_reporter rep = rec_reporter(&r);
    const cfb_reporter *reps[] = {&rep};
    CHECK_EQ_INT(cfb_run(p, reps, 1, NULL, &res, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "bogus") != NULL);
    CHECK_EQ_STR(r.log, ""); /* no callback */
    cfb_plan_free(p);

    p = cfb_plan_new();
    CHECK_EQ_INT(cfb_plan_add_workload(p, "noop"), 0);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "seq"), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "zzz.tasks", "1"), 0);
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "unknown workload 'zzz'") != NULL);
    cfb_plan_free(p);

    p = cfb_plan_new();
    CHECK_EQ_INT(cfb_plan_add_workload(p, "noop"), 0);
    CHECK_EQ_INT(cfb_plan_add_mode(p, "seq"), 0);
    CHECK_EQ_INT(cfb_plan_set_param(p, "noop.tasks", "-5"), 0);
    CHECK_EQ_INT(cfb_plan_check(p, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "tasks") != NULL);
    cfb_plan_free(p);

    CHECK_EQ_INT(cfb_plan_check(NULL, err, sizeof err), CF_EINVAL);
    CHECK(strcmp(cfb_strerror(CFB_EREPORTER), cfb_strerror(CF_EINVAL)) != 0);
    CHECK_EQ_STR(cfb_strerror(CFB_RUN_INTERRUPTED), "interrupted");
}

static void test_refusing_reporters(void) {
    cfb_plan *p = small_plan();
    char err[512] = "";
    cfb_run_result *res = NULL;
    /* a second reporter refuses at run_start: no work, no case callback */
    rec a = {0}, b = {.refuse_start = true};
    cfb_reporter ra = rec_reporter(&a), rb = rec_reporter(&b);
    const cfb_reporter *reps[] = {&ra, &rb};
    CHECK_EQ_INT(cfb_run(p, reps, 2, NULL, &res, err, sizeof err), CFB_EREPORTER);
    CHECK(res == NULL);
    CHECK_EQ_STR(err, "test reporter: no");
    CHECK_EQ_STR(a.log, "S2/6 ");
    /* the JSON writer on a path that cannot be written */
    cfb_reporter *js = cfb_reporter_json_new("/dev/null/x.json");
    const cfb_reporter *reps2[] = {js};
    CHECK_EQ_INT(cfb_run(p, reps2, 1, NULL, &res, err, sizeof err), CFB_EREPORTER);
    CHECK(strstr(err, "cannot write results") != NULL);
    cfb_reporter_free(js);
    /* and on one that can: the file is the document of the results */
    char path[256];
    snprintf(path, sizeof path, "%s/out.json", dir);
    js = cfb_reporter_json_new(path);
    const cfb_reporter *reps3[] = {js};
    CHECK_EQ_INT(cfb_run(p, reps3, 1, NULL, &res, err, sizeof err), 0);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    CHECK(doc && json_is_true(json_object_get(doc, "complete")));
    /* what the model's codec makes of the typed results, as the file has
     * it (numbers with 10 significant digits, results_io.c) */
    json_t *mine = cfb_results_encode(cfb_run_result_results(res));
    char *want = mine ? json_dumps(mine, JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER) : NULL;
    char *got = json_dumps(doc, JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
    CHECK(want && got && strcmp(want, got) == 0);
    free(want);
    free(got);
    json_decref(mine);
    json_decref(doc);
    cfb_run_result_free(res);
    cfb_reporter_free(js);
    unlink(path);
    CHECK(cfb_reporter_json_new(NULL) == NULL);
    cfb_reporter_free(NULL);
    cfb_plan_free(p);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    test_callback_order();
    test_no_reporter();
    test_stop_while_blocked();
    test_stop_from_signal();
    test_bad_plans();
    test_refusing_reporters();
    rmdir(dir);
    return check_summary();
}
