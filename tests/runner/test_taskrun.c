/* test_taskrun.c — cfb_run_tasks (runners/taskrun.h): the engine's modes
 * run a task list for an observer.
 *
 * A test workload (defined here) with three kinds of task: OK (value i*3,
 * classified "even"/"odd", task 3's value a wrong answer per its check),
 * FAIL (cf_out_error 7 "boom i") and BLOCK (says "started" on one FIFO, then
 * waits for a byte on another, at most 20 s so a bug fails instead of
 * hanging). Its event-loop driver resolves OK/FAIL at once and keeps BLOCK
 * pending until close() fails it "interrupted".
 *
 * In every mode (seq, thread, process, async, hybrid): one event per task,
 * each on the caller's thread, with the right status, value, code, message,
 * outcome, wrong-answer reason and recorded times. Then a stop request
 * while a task is blocked (deterministic: the stop is set only once the
 * task said "started"; the task is released only after the stop was seen —
 * by the helper after the stop in seq, by the observer's first cancelled
 * event in the pools): the blocked task finishes (or, async, is failed by
 * the driver's close) and every queued task comes back CF_ECANCELLED;
 * hybrid: a run stopped before it starts cancels every task. In thread
 * mode with two workers, task 0 is released only by task 1's event: the
 * events come in completion order (input order would fail task 0 by its
 * 20 s bound). Bad runs are CF_EINVAL with a reason. ASan checks leaks. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_loop.h"
#include "check.h"
#include "taskrun.h"

enum { K_OK, K_FAIL, K_BLOCK };

typedef struct targ {
    int64_t i;
    int32_t kind, pad;
} targ;

static char dir[] = "/tmp/cfb-taskrun-XXXXXX";
static char fifo_started[300], fifo_release[300];

/* ---- the FIFOs: opened by path, so they work in forked workers too ------ */

static void say_started(void) {
    int fd = open(fifo_started, O_WRONLY | O_NONBLOCK); /* the test holds it open O_RDWR */
    if (fd >= 0) {
        (void)!write(fd, "s", 1);
        close(fd);
    }
}

static int wait_byte(int fd, int ms) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r;
    while ((r = poll(&p, 1, ms)) < 0 && errno == EINTR)
        ;
    char c;
    return r == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

/* The test keeps the release FIFO open (O_RDWR) for its whole run, so a
 * byte written before the blocked task opened it waits in the pipe. */
static int release_fd = -1;

static void release(void) {
    (void)!write(release_fd, "r", 1);
}

static void drain(void) { /* no byte left over from an earlier test */
    char c;
    while (read(release_fd, &c, 1) == 1)
        ;
}

/* ---- the workload ---------------------------------------------------------- */

static void task(const void *arg, size_t len, cf_out *out) {
    targ a;
    if (len != sizeof a) {
        cf_out_error(out, 1, "bad argument");
        return;
    }
    memcpy(&a, arg, sizeof a);
    if (a.kind == K_FAIL) {
        cf_out_error(out, 7, "boom %lld", (long long)a.i);
        return;
    }
    if (a.kind == K_BLOCK) {
        int fd = open(fifo_release, O_RDWR);
        say_started();
        int rc = fd >= 0 ? wait_byte(fd, 20000) : -1;
        if (fd >= 0) close(fd);
        if (rc) {
            cf_out_error(out, 2, "never released");
            return;
        }
    }
    int64_t v = a.i * 3;
    cf_out_set(out, &v, sizeof v);
}

static const char *classify(const void *res, size_t len) {
    int64_t v = 0;
    if (len == sizeof v) memcpy(&v, res, sizeof v);
    return v % 2 ? "odd" : "even";
}

static int check(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                 size_t whylen) {
    (void)p, (void)res, (void)len;
    if (i != 3) return 0;
    snprintf(why, whylen, "task 3 is always wrong");
    return -1;
}

/* The driver: OK/FAIL at once, BLOCK pending until close(). */
typedef struct drv {
    cf_future *pending[64];
    size_t n;
} drv;

static int d_open(struct cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    (void)loop, (void)p, (void)max_inflight;
    *state = calloc(1, sizeof(drv));
    return *state ? 0 : CF_ENOMEM;
}

static int d_start(void *state, const void *arg, size_t len, cf_future *f) {
    drv *d = state;
    targ a;
    if (len != sizeof a) return CF_EINVAL;
    memcpy(&a, arg, sizeof a);
    if (a.kind == K_BLOCK) {
        if (d->n == 64) return CF_ENOMEM;
        d->pending[d->n++] = cf_future_retain(f);
        say_started();
        return 0;
    }
    if (a.kind == K_FAIL) return cf_future_set_error(f, CF_ETASK, 7, "boom");
    int64_t v = a.i * 3;
    return cf_future_set_result(f, &v, sizeof v);
}

static void d_close(void *state) {
    drv *d = state;
    for (size_t k = 0; k < d->n; k++) {
        cf_future_set_error(d->pending[k], CF_ECANCELLED, CF_ECANCELLED, "interrupted");
        cf_future_release(d->pending[k]);
    }
    free(d);
}

static const cfb_async_driver driver = {d_open, d_start, d_close};

static const cfb_workload wl = {
    .name = "taskrun-test",
    .description = "test tasks",
    .task = task,
    .check = check,
    .classify = classify,
    .async = &driver,
};

/* ---- the observer ------------------------------------------------------- */

#define MAXT 16
typedef struct seen {
    pthread_t caller;
    int events[MAXT];
    int status[MAXT], code[MAXT];
    int64_t value[MAXT];
    char msg[MAXT][64], outcome[MAXT][16];
    bool wrong[MAXT], timed[MAXT];
    size_t order[MAXT], nevents;
    bool off_thread;
    bool release_on_cancel, released;
    size_t release_after; /* release when this task's event arrives (SIZE_MAX: never) */
} seen;

static void on_done(void *arg, const cfb_task_event *ev) {
    seen *s = arg;
    if (!pthread_equal(pthread_self(), s->caller)) s->off_thread = true;
    if (ev->index >= MAXT) return;
    size_t i = ev->index;
    s->events[i]++;
    s->order[s->nevents++ % MAXT] = i;
    s->status[i] = ev->status;
    s->code[i] = ev->code;
    s->value[i] = -1;
    if (ev->status == 0 && ev->len == sizeof(int64_t)) memcpy(&s->value[i], ev->value, 8);
    snprintf(s->msg[i], sizeof s->msg[i], "%s", ev->msg);
    snprintf(s->outcome[i], sizeof s->outcome[i], "%s", ev->outcome);
    s->wrong[i] = ev->wrong != NULL;
    s->timed[i] =
        isfinite(ev->start) && isfinite(ev->end) && ev->end >= ev->start && ev->worker >= 0;
    bool rel = (s->release_on_cancel && ev->status == CF_ECANCELLED) || s->release_after == i;
    if (rel && !s->released) {
        s->released = true;
        release();
    }
}

static void make_list(cfb_tasklist *tl, const int *kinds, size_t n) {
    for (size_t i = 0; i < n; i++) {
        targ a = {.i = (int64_t)i, .kind = kinds[i]};
        char label[16];
        snprintf(label, sizeof label, "t%zu", i);
        cfb_tasklist_add(tl, &a, sizeof a, label);
    }
}

static int run(const char *mode, int workers, const cfb_tasklist *tl, seen *s,
               const atomic_int *stop, char *err, size_t errlen) {
    s->caller = pthread_self();
    cfb_params *p = NULL;
    char perr[256];
    if (cfb_params_new(NULL, 0, &p, perr, sizeof perr)) return -100;
    cfb_taskrun r = {.workload = &wl,
                     .params = p,
                     .tasks = tl,
                     .mode = cfb_taskrun_mode_find(mode),
                     .workers = workers,
                     .on_done = on_done,
                     .ctx = s,
                     .stop = stop};
    int rc = cfb_run_tasks(&r, err, errlen);
    cfb_params_free(p);
    return rc;
}

/* ---- every mode: outcomes ------------------------------------------------ */

static void test_outcomes(const char *mode) {
    int kinds[] = {K_OK, K_OK, K_FAIL, K_OK, K_OK, K_FAIL, K_OK, K_OK};
    size_t n = sizeof kinds / sizeof kinds[0];
    cfb_tasklist tl = {0};
    make_list(&tl, kinds, n);
    seen s = {.release_after = SIZE_MAX};
    char err[512] = "";
    int rc = run(mode, 3, &tl, &s, NULL, err, sizeof err);
    if (rc) fprintf(stderr, "%s: %s\n", mode, err);
    CHECK_EQ_INT(rc, 0);
    CHECK(!s.off_thread);
    CHECK_EQ_INT(s.nevents, n);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ_INT(s.events[i], 1);
        if (kinds[i] == K_OK) {
            CHECK_EQ_INT(s.status[i], 0);
            CHECK_EQ_INT(s.value[i], (int64_t)i * 3);
            CHECK_EQ_STR(s.outcome[i], i % 2 ? "odd" : "even");
            CHECK(s.wrong[i] == (i == 3));
        } else {
            CHECK(s.status[i] != 0 && s.status[i] != CF_ECANCELLED);
            CHECK_EQ_INT(s.code[i], 7);
            CHECK(!strncmp(s.msg[i], "boom", 4));
            CHECK_EQ_STR(s.outcome[i], "error");
        }
        CHECK(s.timed[i]);
    }
    if (check_failed_) fprintf(stderr, "  (in mode %s)\n", mode);
    cfb_tasklist_free(&tl);
}

/* ---- stop while a task is blocked --------------------------------------- */

typedef struct stopper {
    atomic_int *stop;
    int started_fd;
    bool release_too; /* seq: release after setting the stop */
    int ok;
} stopper;

static void *stop_when_started(void *arg) {
    stopper *st = arg;
    st->ok = wait_byte(st->started_fd, 20000) == 0;
    atomic_store(st->stop, 1);
    if (st->release_too) release();
    return NULL;
}

static void test_stop(const char *mode, int workers) {
    drain();
    enum { N = 6 };
    int kinds[N] = {K_BLOCK, K_OK, K_OK, K_OK, K_OK, K_OK};
    cfb_tasklist tl = {0};
    make_list(&tl, kinds, N);
    int started_fd = open(fifo_started, O_RDWR | O_NONBLOCK);
    CHECK(started_fd >= 0);
    atomic_int stop = 0;
    bool seq = !strcmp(mode, "seq");
    stopper st = {.stop = &stop, .started_fd = started_fd, .release_too = seq};
    pthread_t th;
    CHECK_EQ_INT(pthread_create(&th, NULL, stop_when_started, &st), 0);
    seen s = {.release_on_cancel = !seq, .release_after = SIZE_MAX};
    char err[512] = "";
    int rc = run(mode, workers, &tl, &s, &stop, err, sizeof err);
    pthread_join(th, NULL);
    if (rc) fprintf(stderr, "%s stop: %s\n", mode, err);
    CHECK_EQ_INT(rc, 0);
    CHECK(st.ok);
    CHECK(!s.off_thread);
    CHECK_EQ_INT(s.nevents, N);
    size_t cancelled = 0;
    for (size_t i = 0; i < N; i++) {
        CHECK_EQ_INT(s.events[i], 1);
        if (s.status[i] == CF_ECANCELLED) {
            cancelled++;
            if (i > 0) CHECK_EQ_STR(s.outcome[i], "cancelled");
        }
    }
    if (!strcmp(mode, "async")) { /* the driver's close failed it */
        CHECK_EQ_INT(s.status[0], CF_ECANCELLED);
        CHECK_EQ_STR(s.msg[0], "interrupted");
        CHECK_EQ_INT(cancelled, N);
    } else {
        CHECK_EQ_INT(s.status[0], 0); /* released, it finished */
        CHECK_EQ_INT(s.value[0], 0);
        if (strcmp(mode, "process")) /* a process pool may have handed more to its worker */
            CHECK_EQ_INT(cancelled, N - 1);
        else
            CHECK(cancelled >= 1);
        for (size_t i = 1; i < N; i++)
            CHECK(s.status[i] == 0 || s.status[i] == CF_ECANCELLED);
    }
    if (check_failed_) fprintf(stderr, "  (in mode %s, stop)\n", mode);
    close(started_fd);
    cfb_tasklist_free(&tl);
}

/* hybrid: a run stopped before it starts claims nothing. */
static void test_stop_before(const char *mode) {
    int kinds[] = {K_OK, K_OK, K_OK, K_OK};
    cfb_tasklist tl = {0};
    make_list(&tl, kinds, 4);
    atomic_int stop = 1;
    seen s = {.release_after = SIZE_MAX};
    char err[512] = "";
    CHECK_EQ_INT(run(mode, 2, &tl, &s, &stop, err, sizeof err), 0);
    CHECK_EQ_INT(s.nevents, 4);
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ_INT(s.events[i], 1);
        CHECK_EQ_INT(s.status[i], CF_ECANCELLED);
        CHECK(!s.timed[i]);
    }
    cfb_tasklist_free(&tl);
}

/* thread, 2 workers: task 0 waits for task 1's event. */
static void test_completion_order(void) {
    drain();
    int kinds[] = {K_BLOCK, K_OK, K_OK};
    cfb_tasklist tl = {0};
    make_list(&tl, kinds, 3);
    int started_fd = open(fifo_started, O_RDWR | O_NONBLOCK); /* say_started needs a reader */
    seen s = {.release_after = 1};
    char err[512] = "";
    CHECK_EQ_INT(run("thread", 2, &tl, &s, NULL, err, sizeof err), 0);
    CHECK_EQ_INT(s.nevents, 3);
    CHECK_EQ_INT(s.status[0], 0); /* released, not "never released" */
    size_t pos0 = 9, pos1 = 9;
    for (size_t k = 0; k < 3; k++) {
        if (s.order[k] == 0) pos0 = k;
        if (s.order[k] == 1) pos1 = k;
    }
    CHECK(pos1 < pos0); /* task 1's event came first */
    close(started_fd);
    cfb_tasklist_free(&tl);
}

static void test_bad_runs(void) {
    cfb_tasklist tl = {0};
    int kinds[] = {K_OK};
    make_list(&tl, kinds, 1);
    seen s = {.release_after = SIZE_MAX};
    char err[512] = "";
    CHECK_EQ_INT(run("thread", 0, &tl, &s, NULL, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "workers") != NULL);
    CHECK_EQ_INT(cfb_run_tasks(NULL, err, sizeof err), CF_EINVAL);
    cfb_taskrun r = {.workload = &wl, .mode = cfb_mode_find("seq"), .workers = 1};
    CHECK_EQ_INT(cfb_run_tasks(&r, err, sizeof err), CF_EINVAL); /* no params, no on_done */
    cfb_tasklist empty = {0};
    CHECK_EQ_INT(run("seq", 1, &empty, &s, NULL, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "no tasks") != NULL);
    CHECK(cfb_taskrun_mode_find("mpi") == NULL);
    CHECK(cfb_taskrun_mode_find("nope") == NULL);
    char names[128];
    CHECK_EQ_STR(cfb_taskrun_mode_names(names, sizeof names),
                 "seq, thread, process, async or hybrid");
    CHECK_EQ_INT(s.nevents, 0);
    cfb_tasklist_free(&tl);
}

int main(void) {
    if (!mkdtemp(dir)) return 1;
    snprintf(fifo_started, sizeof fifo_started, "%s/started", dir);
    snprintf(fifo_release, sizeof fifo_release, "%s/release", dir);
    if (mkfifo(fifo_started, 0600) || mkfifo(fifo_release, 0600)) return 1;
    release_fd = open(fifo_release, O_RDWR | O_NONBLOCK);
    if (release_fd < 0) return 1;
    const char *modes[] = {"seq", "thread", "process", "async", "hybrid"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        test_outcomes(modes[i]);
    test_stop("seq", 1);
    test_stop("thread", 1);
    test_stop("process", 1);
    test_stop("async", 1);
    test_stop_before("hybrid");
    test_stop_before("thread");
    test_completion_order();
    test_bad_runs();
    close(release_fd);
    unlink(fifo_started);
    unlink(fifo_release);
    rmdir(dir);
    return check_summary();
}
