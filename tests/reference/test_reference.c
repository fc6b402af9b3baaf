/*
 * test_reference: the Python reference runner (runners/reference.c and the
 * embedded runners/reference_python.py).
 *
 *   - the plan carries the C task inputs (primes numbers, loiter sleeps);
 *   - python's answers equal the C answers: the same prime/composite counts
 *     as cfb_is_prime on the same numbers, every value accepted by the C
 *     workload's own checker, loiter values i*10 in input order;
 *   - the checker does catch a wrong answer (a flipped verdict);
 *   - a failing interpreter is an error, not a hang or a crash.
 * Needs python3 (CI and this machine have it). Without one it says so and
 * passes, unless CFB_REQUIRE_PYTHON=1, where it fails.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "primes.h"
#include "reference.h"
#include "workload.h"

static char *python;

static cfb_params *params_for(const cfb_workload *w, const char *k1, const char *v1, const char *k2,
                              const char *v2) {
    char err[256];
    cfb_params *p = NULL;
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err)) return NULL;
    if (k1 && cfb_params_set(p, k1, v1, err, sizeof err)) fprintf(stderr, "%s\n", err);
    if (k2 && cfb_params_set(p, k2, v2, err, sizeof err)) fprintf(stderr, "%s\n", err);
    return p;
}

static json_t *plan_of(json_t *entry, const char *modes) {
    json_t *plan = json_pack("{s:i, s:i, s:[], s:[i], s:[o]}", "repeat", 2, "warmup", 0, "modes",
                             "workers", 2, "workloads", entry);
    char *copy = strdup(modes), *save = NULL;
    for (char *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save))
        json_array_append_new(json_object_get(plan, "modes"), json_string(m));
    free(copy);
    return plan;
}

static json_t *find_case(json_t *cases, const char *id) {
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c) {
        if (!strcmp(json_string_value(json_object_get(c, "id")), id)) return c;
    }
    return NULL;
}

static void test_primes(void) {
    const cfb_workload *w = cfb_workload_find("primes");
    CHECK(w != NULL);
    cfb_params *p = params_for(w, "set", "small", NULL, NULL);
    CHECK(p != NULL);
    cfb_tasklist tl = {0};
    char err[512] = "";
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    long c_primes = 0;
    for (size_t i = 0; i < tl.n; i++) {
        uint64_t n;
        memcpy(&n, tl.tasks[i].arg, sizeof n);
        c_primes += cfb_is_prime(n);
    }
    json_t *entry = cfb_reference_plan_workload(w, p, &tl, err, sizeof err);
    CHECK(entry != NULL);
    CHECK_EQ_INT(json_array_size(json_object_get(entry, "numbers")), tl.n);
    json_t *plan = plan_of(entry, "seq,thread,process,async");
    json_t *cases = NULL;
    int rc = cfb_reference_run(python, plan, &cases, err, sizeof err);
    if (rc) fprintf(stderr, "   %s\n", err);
    CHECK_EQ_INT(rc, 0);
    /* async is left out for primes (CPU-bound on an event loop): 3 cases */
    CHECK_EQ_INT(json_array_size(cases), 3);

    /* A flipped verdict must be caught by the C checker. */
    json_t *copy = json_deep_copy(cases);
    json_t *v0 = json_array_get(
        json_object_get(json_array_get(json_object_get(json_array_get(copy, 0), "repetitions"), 0),
                        "values"),
        1);
    json_array_set_new(v0, 1, json_boolean(!json_is_true(json_array_get(v0, 1))));
    CHECK_EQ_INT(cfb_reference_check(w, p, copy), 1);
    json_decref(copy);

    CHECK_EQ_INT(cfb_reference_check(w, p, cases), 0);
    const char *ids[] = {"primes/seq/w1/python", "primes/thread/w2/python",
                         "primes/process/w2/python"};
    for (size_t k = 0; k < 3; k++) {
        json_t *c = find_case(cases, ids[k]);
        CHECK(c != NULL);
        if (!c) continue;
        CHECK_EQ_STR(json_string_value(json_object_get(c, "impl")), "python");
        CHECK_EQ_INT(json_integer_value(json_object_get(c, "tasks")), tl.n);
        json_t *reps = json_object_get(c, "repetitions");
        CHECK_EQ_INT(json_array_size(reps), 2);
        size_t i;
        json_t *r;
        json_array_foreach(reps, i, r) {
            json_t *counts = json_object_get(r, "counts");
            CHECK_EQ_INT(json_integer_value(json_object_get(counts, "prime")), c_primes);
            CHECK_EQ_INT(json_integer_value(json_object_get(counts, "composite")),
                         (long)tl.n - c_primes);
            CHECK_EQ_INT(json_integer_value(json_object_get(r, "check_failures")), 0);
            CHECK_EQ_INT(json_integer_value(json_object_get(r, "tasks_ok")), tl.n);
            CHECK(json_object_get(r, "values") == NULL); /* dropped after checking */
            CHECK(json_number_value(json_object_get(r, "wall_s")) > 0);
        }
        json_t *sp = json_object_get(json_object_get(c, "summary"), "speedup");
        CHECK(json_is_number(sp));
    }
    CHECK_EQ_INT(c_primes, 9); /* the small set's shape: 9 primes, 11 composites */
    json_decref(cases);
    json_decref(plan);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

static void test_loiter(void) {
    const cfb_workload *w = cfb_workload_find("loiter");
    CHECK(w != NULL);
    cfb_params *p = params_for(w, "unit", "0.01", "tasks", "4");
    cfb_tasklist tl = {0};
    char err[512] = "";
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    json_t *entry = cfb_reference_plan_workload(w, p, &tl, err, sizeof err);
    CHECK(entry != NULL);
    json_t *plan = plan_of(entry, "seq,thread,async");
    json_t *cases = NULL;
    CHECK_EQ_INT(cfb_reference_run(python, plan, &cases, err, sizeof err), 0);
    CHECK_EQ_INT(json_array_size(cases), 3); /* loiter does have an async case */
    CHECK_EQ_INT(cfb_reference_check(w, p, cases), 0);
    json_t *c = find_case(cases, "loiter/async/w2/python");
    CHECK(c != NULL);
    json_t *seq = find_case(cases, "loiter/seq/w1/python");
    /* 0+10+20+30 ms sequentially: at least 60 ms; the checker saw i*10 */
    if (seq)
        CHECK(json_number_value(json_object_get(
                  json_object_get(json_object_get(seq, "summary"), "wall_s"), "median")) >= 0.055);
    json_decref(cases);
    json_decref(plan);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

static void test_errors(void) {
    const cfb_workload *w = cfb_workload_find("noop");
    cfb_params *p = params_for(w, "tasks", "3", NULL, NULL);
    cfb_tasklist tl = {0};
    char err[512] = "";
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    json_t *entry = cfb_reference_plan_workload(w, p, &tl, err, sizeof err);
    json_t *plan = plan_of(entry, "seq");
    json_t *cases = NULL;
    /* an interpreter that fails */
    CHECK_EQ_INT(cfb_reference_run("/bin/false", plan, &cases, err, sizeof err), -1);
    CHECK(cases == NULL);
    CHECK(strstr(err, "failed") != NULL);
    /* one that does not exist */
    CHECK_EQ_INT(cfb_reference_run("/nonexistent/python3", plan, &cases, err, sizeof err), -1);
    /* a bad plan: the script exits 2 */
    json_object_set_new(plan, "repeat", json_integer(0));
    CHECK_EQ_INT(cfb_reference_run(python, plan, &cases, err, sizeof err), -1);
    json_decref(plan);
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
}

int main(void) {
    python = cfb_reference_find_python();
    if (!python) {
        const char *req = getenv("CFB_REQUIRE_PYTHON");
        fprintf(stderr, "SKIP: no python3 in PATH (set CFB_PYTHON); reference tests not run\n");
        if (req && !strcmp(req, "1")) {
            CHECK(python != NULL);
            return check_summary();
        }
        printf("skipped: no python3\n");
        return 0;
    }
    fprintf(stderr, "python: %s\n", python);
    RUN(test_primes);
    RUN(test_loiter);
    RUN(test_errors);
    free(python);
    return check_summary();
}
