/* test_mode_hybrid.c — the hybrid mode through the sweep engine, in-process:
 * every task taken once with the right value (loiter through its timer
 * driver, primes inline, flags through curl multi against the embedded
 * LOCAL server); the process count recorded; more processes than tasks; one
 * process; a process killed mid-repetition (the CFB_INJECT_HYBRID_KILL test
 * knob, deterministic: it dies right after claiming a task) fails exactly
 * the tasks it held, with the cause, and the sweep goes on. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "modes.h"
#include "results_io.h"
#include "sweep.h"
#include "sweep_support.h"

static char dir[] = "/tmp/cfb-hybrid-XXXXXX";

/* Sweep workload wl in hybrid mode at the given worker counts, with the
 * given overrides; returns the loaded document (NULL on failure), *rc the
 * sweep's return. */
static json_t *run(const char *name, const char *wl, const int *workers, size_t nworkers,
                   const cfb_override *ov, size_t nov, int *rc) {
    char path[256], err[512];
    snprintf(path, sizeof path, "%s/%s.json", dir, name);
    cfbt_sweep s;
    cfbt_sweep_init(&s, wl, "hybrid", workers, nworkers, 2, ov, nov);
    *rc = cfbt_sweep_run(&s.cfg, path, err, sizeof err);
    if (*rc) fprintf(stderr, "sweep %s: %d %s\n", name, *rc, err);
    json_t *doc = NULL;
    if (cfb_results_load(path, &doc, err, sizeof err)) fprintf(stderr, "load: %s\n", err);
    unlink(path);
    return doc;
}

static json_t *case_of(json_t *doc, const char *id) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c) {
        if (!strcmp(json_string_value(json_object_get(c, "id")), id)) return c;
    }
    fprintf(stderr, "no case %s\n", id);
    return NULL;
}

static long long rep_int(json_t *c, size_t r, const char *key) {
    return json_integer_value(
        json_object_get(json_array_get(json_object_get(c, "repetitions"), r), key));
}

/* Every repetition of case id: ntasks ok, none failed, no wrong answer, and
 * every task's record (times, slot < processes) present. */
static void all_ok(json_t *doc, const char *id, long long ntasks, int processes) {
    json_t *c = case_of(doc, id);
    CHECK(c != NULL);
    if (!c) return;
    CHECK(json_object_get(c, "error") == NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "tasks")), ntasks);
    CHECK_EQ_INT(json_integer_value(json_object_get(c, "processes")), processes);
    json_t *reps = json_object_get(c, "repetitions");
    CHECK_EQ_INT(json_array_size(reps), 2);
    for (size_t r = 0; r < json_array_size(reps); r++) {
        CHECK_EQ_INT(rep_int(c, r, "tasks_ok"), ntasks);
        CHECK_EQ_INT(rep_int(c, r, "tasks_failed"), 0);
        CHECK_EQ_INT(rep_int(c, r, "check_failures"), 0);
        json_t *lat = json_object_get(json_array_get(reps, r), "latency_s");
        CHECK(json_is_object(lat));
    }
    json_t *tl = json_object_get(json_object_get(c, "timeline"), "tasks");
    CHECK_EQ_INT(json_array_size(tl), ntasks);
    size_t i;
    json_t *t;
    json_array_foreach(tl, i, t) {
        long long wk = json_integer_value(json_object_get(t, "worker"));
        CHECK(wk >= 0 && wk < processes);
        CHECK(json_number_value(json_object_get(t, "end_s")) >=
              json_number_value(json_object_get(t, "start_s")));
    }
}

static int cpus(void) {
    return cf_process_cpu_count();
}

static void test_loiter(void) {
    cfb_override ov[] = {{"loiter", "unit", "0.002", false},
                         {"loiter", "tasks", "12", false},
                         {"loiter", "pattern", "fixed", false}};
    int wk[] = {1, 4};
    int rc;
    json_t *doc = run("loiter", "loiter", wk, 2, ov, 3, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(doc != NULL);
    if (!doc) return;
    all_ok(doc, "loiter/hybrid/w1", 12, 1);
    all_ok(doc, "loiter/hybrid/w4", 12, cpus() < 4 ? cpus() : 4);
    json_decref(doc);
}

static void test_primes_inline(void) {
    cfb_override ov[] = {{"primes", "set", "small", false}};
    int wk[] = {2};
    int rc;
    json_t *doc = run("primes", "primes", wk, 1, ov, 1, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(doc != NULL);
    if (!doc) return;
    json_t *c = case_of(doc, "primes/hybrid/w2");
    long long n = c ? json_integer_value(json_object_get(c, "tasks")) : -1;
    CHECK(n > 0);
    all_ok(doc, "primes/hybrid/w2", n, cpus() < 2 ? 1 : 2);
    json_decref(doc);
}

static void test_flags_local(void) {
    cfb_override ov[] = {{"flags", "server", "LOCAL", false},
                         {"flags", "dest", "-", false},
                         {"flags", "codes", "all", false}};
    int wk[] = {8};
    int rc;
    json_t *doc = run("flags", "flags", wk, 1, ov, 3, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(doc != NULL);
    if (!doc) return;
    json_t *c = case_of(doc, "flags/hybrid/w8");
    long long n = c ? json_integer_value(json_object_get(c, "tasks")) : -1;
    CHECK(n >= 190); /* 'all': every flag of the table */
    all_ok(doc, "flags/hybrid/w8", n, cpus() < 2 ? 1 : 2);
    /* every one a 200 with its image: the classification and the bytes */
    json_t *counts =
        json_object_get(json_array_get(json_object_get(c, "repetitions"), 0), "counts");
    CHECK_EQ_INT(json_integer_value(json_object_get(counts, "ok")), n);
    CHECK(rep_int(c, 0, "bytes") > 0);
    json_decref(doc);
}

/* More processes than tasks (the extra ones find nothing to claim), and
 * exactly one process. */
static void test_process_counts(void) {
    cfb_override ov[] = {{"loiter", "unit", "0.001", false},
                         {"loiter", "tasks", "3", false},
                         {"loiter", "pattern", "fixed", false}};
    int wk[] = {8};
    int rc;
    cfb_hybrid_set_procs(6);
    CHECK_EQ_INT(cfb_hybrid_processes(8), 6);
    CHECK_EQ_INT(cfb_hybrid_processes(4), 4); /* never more than the operations in flight */
    json_t *doc = run("more", "loiter", wk, 1, ov, 3, &rc);
    CHECK_EQ_INT(rc, 0);
    if (doc) all_ok(doc, "loiter/hybrid/w8", 3, 6);
    json_decref(doc);

    cfb_override ovp[] = {{"primes", "set", "small", false}};
    doc = run("more-inline", "primes", wk, 1, ovp, 1, &rc);
    CHECK_EQ_INT(rc, 0);
    json_t *c = doc ? case_of(doc, "primes/hybrid/w8") : NULL;
    long long n = c ? json_integer_value(json_object_get(c, "tasks")) : -1;
    if (doc) all_ok(doc, "primes/hybrid/w8", n, 6);
    json_decref(doc);

    cfb_hybrid_set_procs(1);
    ov[1].value = "10";
    doc = run("one", "loiter", wk, 1, ov, 3, &rc);
    CHECK_EQ_INT(rc, 0);
    if (doc) all_ok(doc, "loiter/hybrid/w8", 10, 1);
    json_decref(doc);
    cfb_hybrid_set_procs(0);
}

/* The first process to claim its third task dies (SIGKILL) right after
 * that claim (whichever of the two the scheduler ran first); with a window
 * of 4 it then holds three timers, none fired: exactly 3 of 8 tasks fail,
 * naming the signal; the other process does the rest; the case is not an
 * error and the sweep's return is 0. */
static void test_killed_driver(void) {
    cfb_override ov[] = {{"loiter", "unit", "0.002", false},
                         {"loiter", "tasks", "8", false},
                         {"loiter", "pattern", "fixed", false}};
    int wk[] = {8};
    int rc;
    cfb_hybrid_set_procs(2);
    setenv("CFB_INJECT_HYBRID_KILL", "2", 1);
    json_t *doc = run("killed", "loiter", wk, 1, ov, 3, &rc);
    unsetenv("CFB_INJECT_HYBRID_KILL");
    cfb_hybrid_set_procs(0);
    CHECK_EQ_INT(rc, 0);
    json_t *c = doc ? case_of(doc, "loiter/hybrid/w8") : NULL;
    CHECK(c != NULL);
    if (c) {
        CHECK(json_object_get(c, "error") == NULL);
        for (size_t r = 0; r < 2; r++) {
            CHECK_EQ_INT(rep_int(c, r, "tasks_ok"), 5);
            CHECK_EQ_INT(rep_int(c, r, "tasks_failed"), 3);
            const char *why = json_string_value(json_object_get(
                json_array_get(json_object_get(c, "repetitions"), r), "first_problem"));
            CHECK(why && strstr(why, "worker process ") && strstr(why, "killed by signal 9"));
            if (why) fprintf(stderr, "first problem: %s\n", why);
        }
    }
    json_decref(doc);
}

/* Inline (primes): the first process to claim its second task (it has
 * finished and reported its first) dies: exactly that one fails. */
static void test_killed_inline(void) {
    cfb_override ov[] = {{"primes", "set", "small", false}};
    int wk[] = {2};
    int rc;
    cfb_hybrid_set_procs(2);
    setenv("CFB_INJECT_HYBRID_KILL", "1", 1);
    json_t *doc = run("killed-inline", "primes", wk, 1, ov, 1, &rc);
    unsetenv("CFB_INJECT_HYBRID_KILL");
    cfb_hybrid_set_procs(0);
    CHECK_EQ_INT(rc, 0);
    json_t *c = doc ? case_of(doc, "primes/hybrid/w2") : NULL;
    CHECK(c != NULL);
    if (c) {
        long long n = json_integer_value(json_object_get(c, "tasks"));
        CHECK_EQ_INT(rep_int(c, 0, "tasks_failed"), 1);
        CHECK_EQ_INT(rep_int(c, 0, "tasks_ok"), n - 1);
        CHECK_EQ_INT(rep_int(c, 0, "check_failures"), 0);
    }
    json_decref(doc);
}

int main(void) {
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    /* the mode is listed */
    const cfb_mode *h = cfb_mode_find("hybrid");
    CHECK(h != NULL && h->parallel);
    CHECK_EQ_INT(cfb_hybrid_processes(1), 1);
    CHECK_EQ_INT(cfb_hybrid_processes(1000), cpus());
    test_loiter();
    test_primes_inline();
    test_flags_local();
    test_process_counts();
    test_killed_driver();
    test_killed_inline();
    rmdir(dir);
    return check_summary();
}
