/* test_async_mode.c — the runner's `async` mode through the sweep engine:
 * flags (curl multi on the loop) gives the right counts, loiter sleeps
 * overlap on one thread (timers), primes runs inline and blocks the loop
 * (no speedup — the honest result). Reads the results JSON back. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "cf_loop.h"
#include "cf_loop.h"
#include "check.h"
#include "loiter.h"
#include "loiter.h"
#include "modes.h"
#include "sweep.h"
#include "sweep_support.h"

static json_t *run(const char *wl, const char *mode, int workers, const cfb_override *ov,
                   size_t nov) {
    const cfb_workload *w = cfb_workload_find(wl);
    const cfb_mode *m = cfb_mode_find(mode);
    CHECK(w != NULL);
    CHECK(m != NULL);
    if (!w || !m) return NULL;
    int wk[] = {workers};
    char path[] = "async-mode-XXXXXX.json";
    int fd = mkstemps(path, 5);
    close(fd);
    cfbt_sweep s;
    cfbt_sweep_init(&s, wl, mode, wk, 1, 1, ov, nov);
    char err[256] = "";
    int rc = cfbt_sweep_run(&s.cfg, path, err, sizeof err);
    if (rc) fprintf(stderr, "sweep %s/%s: rc %d: %s\n", wl, mode, rc, err);
    CHECK_EQ_INT(rc, 0);
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    unlink(path);
    CHECK(doc != NULL);
    return doc;
}

static json_t *rep0(json_t *doc) {
    json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
    json_t *e = json_object_get(c, "error");
    if (e) fprintf(stderr, "case error: %s\n", json_string_value(e));
    return json_array_get(json_object_get(c, "repetitions"), 0);
}

static long long count(json_t *rep, const char *k) {
    return json_integer_value(json_object_get(json_object_get(rep, "counts"), k));
}

static void test_flags_async(void) {
    cfb_override ov[] = {{"flags", "codes", "every", false}, {"flags", "dest", "-", false}};
    json_t *doc = run("flags", "async", 200, ov, 2);
    json_t *r = rep0(doc);
    CHECK(r != NULL);
    CHECK_EQ_INT(count(r, "ok"), 194);
    CHECK_EQ_INT(count(r, "not_found"), 482);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_failed")), 0);
    CHECK(json_integer_value(json_object_get(r, "bytes")) > 194 * 1000);
    json_decref(doc);
}

/* The most tasks in flight at once, from the case's timeline (start_s,
 * end_s per task); -1 when there is no timeline. A task started in the done
 * callback of another starts after that one's end (ends sort first on a
 * tie). */
static int max_in_flight(json_t *doc) {
    json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
    json_t *tasks = json_object_get(json_object_get(c, "timeline"), "tasks");
    size_t n = json_array_size(tasks);
    if (!n) return -1;
    double *ev = malloc(2 * n * sizeof *ev);
    int *kind = malloc(2 * n * sizeof *kind);
    if (!ev || !kind) {
        free(ev);
        free(kind);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(tasks, i);
        ev[2 * i] = json_real_value(json_object_get(t, "start_s")), kind[2 * i] = 1;
        ev[2 * i + 1] = json_real_value(json_object_get(t, "end_s")), kind[2 * i + 1] = -1;
    }
    /* insertion sort by time, ends before starts at equal times */
    for (size_t i = 1; i < 2 * n; i++)
        for (size_t j = i;
             j > 0 && (ev[j] < ev[j - 1] || (ev[j] == ev[j - 1] && kind[j] < kind[j - 1])); j--) {
            double e = ev[j];
            ev[j] = ev[j - 1], ev[j - 1] = e;
            int k = kind[j];
            kind[j] = kind[j - 1], kind[j - 1] = k;
        }
    int cur = 0, best = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        cur += kind[i];
        best = cur > best ? cur : best;
    }
    free(ev);
    free(kind);
    return best;
}

static void test_loiter_async(void) {
    /* 100 tasks sleeping 0.2 s each, 100 at once on one thread: all 100 are
     * in flight together (the timeline shows it), so ~0.2 s, not 20 s. The
     * pump starts them in one pass before the loop runs any timer, so this
     * holds however slow a loaded machine is; the wall time only has its
     * lower bound checked (the sleeps cannot end early). */
    cfb_override ov[] = {{"loiter", "tasks", "100", false},
                         {"loiter", "unit", "0.2", false},
                         {"loiter", "pattern", "fixed", false}};
    json_t *doc = run("loiter", "async", 100, ov, 3);
    json_t *r = rep0(doc);
    double wall = json_real_value(json_object_get(r, "wall_s"));
    fprintf(stderr, "   100 x 0.2 s, 100 at once: wall %.3f s\n", wall);
    CHECK(wall >= 0.2);
    CHECK_EQ_INT(max_in_flight(doc), 100);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_ok")), 100);
    CHECK_EQ_INT(json_integer_value(
                     json_object_get(json_array_get(json_object_get(doc, "cases"), 0), "tasks")),
                 100);
    json_decref(doc);
    /* Bounded in-flight: 10 tasks of 0.1 s with 5 at once take two rounds
     * (wall >= 0.2 s) and never more than 5 are in flight. */
    cfb_override ov2[] = {{"loiter", "tasks", "10", false},
                          {"loiter", "unit", "0.1", false},
                          {"loiter", "pattern", "fixed", false}};
    doc = run("loiter", "async", 5, ov2, 3);
    r = rep0(doc);
    wall = json_real_value(json_object_get(r, "wall_s"));
    fprintf(stderr, "   10 x 0.1 s, 5 at once: wall %.3f s\n", wall);
    CHECK(wall >= 0.2);
    CHECK_EQ_INT(max_in_flight(doc), 5);
    json_decref(doc);
}

static void test_primes_blocks_loop(void) {
    /* No driver: the tasks run inline on the loop thread, one after another.
     * The timeline shows it: no two tasks overlap, even with 4 "workers". */
    json_t *doc = run("primes", "async", 4, NULL, 0);
    json_t *c = json_array_get(json_object_get(doc, "cases"), 0);
    json_t *r = rep0(doc);
    CHECK_EQ_INT(json_integer_value(json_object_get(r, "check_failures")), 0);
    json_t *tasks = json_object_get(json_object_get(c, "timeline"), "tasks");
    size_t n = json_array_size(tasks);
    CHECK(n > 0);
    double prev_end = -1;
    size_t overlaps = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *t = json_array_get(tasks, i);
        double s = json_real_value(json_object_get(t, "start_s"));
        double e = json_real_value(json_object_get(t, "end_s"));
        if (s < prev_end) overlaps++;
        prev_end = e;
    }
    CHECK_EQ_INT(overlaps, 0);
    CHECK_EQ_INT(max_in_flight(doc), 1); /* the helper agrees */
    json_decref(doc);
}

/* Closing the loiter driver with sleepers and queued tasks fails or cancels
 * every future: nothing is left pending (an interrupted run never hangs). */
extern const cfb_async_driver cfb_loiter_async;
static void stop_cb(cf_loop *l, void *arg) {
    (void)arg;
    cf_loop_stop(l);
}

static void test_loiter_close(void) {
    cf_loop *l;
    CHECK_EQ_INT(cf_loop_new(&l), 0);
    void *st;
    CHECK_EQ_INT(cfb_loiter_async.open(l, NULL, 2, &st), 0);
    cf_future *fs[5];
    for (int i = 0; i < 5; i++) {
        cfb_loiter_arg a = {.index = i, .seconds = i == 0 ? 0.0 : 100.0};
        fs[i] = cf_future_new();
        CHECK_EQ_INT(cfb_loiter_async.start(st, &a, sizeof a, fs[i]), 0);
    }
    cf_loop_call_later(l, 0.05, stop_cb, NULL);
    CHECK_EQ_INT(cf_loop_run(l), 0);
    /* Task 0 (0 s) finished with 0; task 1 sleeps; task 2 took task 0's slot. */
    const void *d;
    size_t len;
    CHECK_EQ_INT(cf_future_result(fs[0], 0, &d, &len), 0);
    CHECK(!cf_future_done(fs[1]));
    CHECK(!cf_future_done(fs[2]));
    cfb_loiter_async.close(st);
    for (int i = 0; i < 5; i++)
        CHECK(cf_future_done(fs[i]));
    int rc = cf_future_result(fs[1], 0, &d, &len); /* was sleeping: failed "interrupted" */
    CHECK(rc != 0 && rc != CF_ETIMEDOUT);
    int code = 0;
    const char *msg = "";
    cf_future_error(fs[1], &code, &msg);
    CHECK_EQ_STR(msg, "interrupted");
    CHECK(cf_future_cancelled(fs[4])); /* queued, never started */
    CHECK_EQ_INT(cf_loop_ntimers(l), 0);
    for (int i = 0; i < 5; i++)
        cf_future_release(fs[i]);
    cf_loop_free(l);
}

int main(void) {
    RUN(test_loiter_close);
    RUN(test_flags_async);
    RUN(test_loiter_async);
    RUN(test_primes_blocks_loop);
    return check_summary();
}
