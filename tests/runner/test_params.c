/* test_params.c — typed workload parameters, the registry, task lists. */
#include <math.h>

#include "check.h"
#include "primes.h"
#include "workload.h"

static const char *const colours[] = {"red", "green", NULL};
static const cfb_param_def defs[] = {
    {"n", CFB_P_INT, "5", "count", 1, 10, NULL},
    {"x", CFB_P_DOUBLE, "0.5", "secs", 0, 2, NULL},
    {"s", CFB_P_STRING, "red", "colour", 1, 0, colours},
    {"b", CFB_P_BOOL, "false", "flag", 1, 0, NULL},
    {"any", CFB_P_STRING, "", "free text", 1, 0, NULL},
    {"big", CFB_P_INT, "-7", "unbounded", 1, 0, NULL},
};

static void test_defaults_and_set(void) {
    cfb_params *p = NULL;
    char err[256];
    CHECK_EQ_INT(cfb_params_new(defs, 6, &p, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_int(p, "n"), 5);
    CHECK(fabs(cfb_params_double(p, "x") - 0.5) < 1e-12);
    CHECK_EQ_STR(cfb_params_str(p, "s"), "red");
    CHECK(!cfb_params_bool(p, "b"));
    CHECK_EQ_INT(cfb_params_int(p, "big"), -7);
    CHECK_EQ_INT(cfb_params_count(p), 6);
    CHECK_EQ_STR(cfb_params_name_at(p, 2), "s");
    CHECK_EQ_STR(cfb_params_text_at(p, 0), "5");
    CHECK(cfb_params_has(p, "x") && !cfb_params_has(p, "nope"));

    CHECK_EQ_INT(cfb_params_set(p, "n", "10", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_int(p, "n"), 10);
    CHECK_EQ_INT(cfb_params_set(p, "n", "11", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "above the maximum") != NULL);
    CHECK_EQ_INT(cfb_params_set(p, "n", "0", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "below the minimum") != NULL);
    CHECK_EQ_INT(cfb_params_set(p, "n", "3x", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "not an integer") != NULL);
    CHECK_EQ_INT(cfb_params_set(p, "n", "", err, sizeof err), CF_EINVAL);
    CHECK_EQ_INT(cfb_params_int(p, "n"), 10); /* unchanged after failures */
    CHECK_EQ_INT(cfb_params_set(p, "x", "nan", err, sizeof err), CF_EINVAL);
    CHECK_EQ_INT(cfb_params_set(p, "x", "1e-3", err, sizeof err), 0);
    CHECK(fabs(cfb_params_double(p, "x") - 1e-3) < 1e-15);
    CHECK_EQ_INT(cfb_params_set(p, "s", "blue", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "not one of red, green") != NULL);
    CHECK_EQ_INT(cfb_params_set(p, "s", "green", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "b", "yes", err, sizeof err), 0);
    CHECK(cfb_params_bool(p, "b"));
    CHECK_EQ_INT(cfb_params_set(p, "b", "maybe", err, sizeof err), CF_EINVAL);
    CHECK_EQ_INT(cfb_params_set(p, "nope", "1", err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "unknown parameter 'nope'") != NULL);
    CHECK_EQ_INT(cfb_params_set(p, "big", "-99999999999", err, sizeof err), 0);

    cfb_params *c = NULL;
    CHECK_EQ_INT(cfb_params_copy(p, &c), 0);
    CHECK_EQ_STR(cfb_params_str(c, "s"), "green");
    cfb_params_set(p, "s", "red", err, sizeof err);
    CHECK_EQ_STR(cfb_params_str(c, "s"), "green");
    cfb_params_free(c);
    /* unknown names read as zero values */
    CHECK_EQ_INT(cfb_params_int(p, "nope"), 0);
    CHECK_EQ_STR(cfb_params_str(p, "nope"), "");
    cfb_params_free(p);
    cfb_params_free(NULL);

    static const cfb_param_def bad[] = {{"n", CFB_P_INT, "x", "", 1, 0, NULL}};
    p = (cfb_params *)1;
    CHECK_EQ_INT(cfb_params_new(bad, 1, &p, err, sizeof err), CF_EINVAL);
    CHECK(p == NULL);
    CHECK_EQ_INT(cfb_param_check(&defs[0], "7", err, sizeof err), 0);
    CHECK_EQ_INT(cfb_param_check(&defs[0], "70", err, sizeof err), CF_EINVAL);
}

static void test_registry(void) {
    size_t n = 0;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    CHECK(n >= 3);
    CHECK(all[n] == NULL);
    CHECK(cfb_workload_find("primes") == &cfb_workload_primes);
    CHECK(cfb_workload_find("loiter") != NULL && cfb_workload_find("noop") != NULL);
    CHECK(cfb_workload_find("nope") == NULL);
    for (size_t i = 0; i < n; i++) { /* every default validates */
        cfb_params *p = NULL;
        char err[256];
        CHECK_EQ_INT(cfb_params_new(all[i]->params, all[i]->nparams, &p, err, sizeof err), 0);
        cfb_params_free(p);
    }
}

static void test_primes_tasks(void) {
    const cfb_workload *w = &cfb_workload_primes;
    cfb_params *p = NULL;
    char err[256];
    CHECK_EQ_INT(cfb_params_new(w->params, w->nparams, &p, err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    CHECK_EQ_INT(tl.n, 20);
    cfb_tasklist_free(&tl);
    CHECK_EQ_INT(cfb_params_set(p, "numbers", "7,8,abc", err, sizeof err), 0);
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), CF_EINVAL);
    CHECK(strstr(err, "numbers") != NULL);
    cfb_tasklist_free(&tl);
    CHECK_EQ_INT(cfb_params_set(p, "numbers", "7,8,1000003", err, sizeof err), 0);
    CHECK_EQ_INT(w->make_tasks(p, &tl, err, sizeof err), 0);
    CHECK_EQ_INT(tl.n, 3);
    CHECK_EQ_STR(tl.tasks[2].label, "1000003");
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    /* the two primality tests agree, and with the book */
    CHECK(cfb_is_prime(2) && cfb_is_prime(3) && !cfb_is_prime(1) && !cfb_is_prime(9));
    CHECK(cfb_is_prime(142702110479723ULL) && cfb_is_prime_mr(142702110479723ULL));
    CHECK(!cfb_is_prime(4444444488888889ULL) && !cfb_is_prime_mr(4444444488888889ULL));
    for (uint64_t n = 0; n < 5000; n++)
        CHECK(cfb_is_prime(n) == cfb_is_prime_mr(n));
}

int main(void) {
    RUN(test_defaults_and_set);
    RUN(test_registry);
    RUN(test_primes_tasks);
    return check_summary();
}
