/*
 * test_init.c — spec 15: the initializer runs (with its argument) in every
 * worker before any task, the finalizer as each worker exits; an
 * initializer that fails, or crashes, breaks the pool: pending futures fail
 * with CF_EBROKEN, later submits return CF_EBROKEN, shutdown does not hang.
 */
#include "proc_test.h"

static int g_init_value; /* set by the initializer, in the child */

static int init_ok(void *arg) {
    g_init_value = *(int *)arg;
    atomic_fetch_add(&pt->inits, 1);
    return 0;
}

static void fini_count(void *arg) {
    (void)arg;
    atomic_fetch_add(&pt->finis, 1);
}

static int init_fail(void *arg) {
    (void)arg;
    return 7;
}

static int init_crash(void *arg) {
    (void)arg;
    abort();
}

static void t_init_value(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    cf_out_set(out, &g_init_value, sizeof g_init_value);
}

static void test_init_runs(void) {
    int value = 1234;
    atomic_store(&pt->inits, 0);
    atomic_store(&pt->finis, 0);
    cf_executor *ex = NULL;
    cf_executor_opts o = {
        .max_workers = 2, .initializer = init_ok, .finalizer = fini_count, .initarg = &value};
    CHECK_EQ_INT(cf_process_pool_new(&o, &ex), 0);
    enum { N = 20 };
    cf_future *fs[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, t_init_value, NULL, 0, &fs[i]), 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(pt_int(fs[i]), 1234);
        cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(g_init_value, 0); /* the parent never ran it */
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(atomic_load(&pt->inits), (int)st.workers_started);
    CHECK_EQ_INT(atomic_load(&pt->finis), (int)st.workers_started);
    cf_executor_free(ex);
}

static void broken_case(cf_init_fn init, const char *needle) {
    cf_executor *ex = NULL;
    cf_executor_opts o = {.max_workers = 2, .initializer = init};
    CHECK_EQ_INT(cf_process_pool_new(&o, &ex), 0);
    enum { N = 10 };
    cf_future *fs[N];
    /* The first submit always succeeds (nothing is forked before it); the
     * pool may break while we submit the others: then submit says so. */
    int accepted = 0;
    for (uint64_t i = 0; i < N; i++) {
        int rc = cf_submit(ex, t_square, &i, sizeof i, &fs[accepted]);
        CHECK(rc == 0 || (i > 0 && rc == CF_EBROKEN));
        accepted += rc == 0;
    }
    CHECK(accepted >= 1);
    for (int i = 0; i < accepted; i++) {
        CHECK_EQ_INT(cf_future_result(fs[i], PT_WAIT_S, NULL, NULL), CF_EBROKEN);
        int code;
        const char *msg = NULL;
        CHECK_EQ_INT(cf_future_error(fs[i], &code, &msg), CF_EBROKEN);
        CHECK(msg && strstr(msg, needle));
        if (msg && !strstr(msg, needle)) fprintf(stderr, "message: %s\n", msg);
        cf_future_release(fs[i]);
    }
    cf_future *f = NULL;
    uint64_t x = 3;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), CF_EBROKEN);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    cf_executor_free(ex);
}

static void test_init_fails(void) {
    broken_case(init_fail, "initializer failed");
}

static void test_init_crashes(void) {
    broken_case(init_crash, "before its initializer succeeded");
}

int main(void) {
    pt_setup();
    RUN(test_init_runs);
    RUN(test_init_fails);
    RUN(test_init_crashes);
    return check_summary();
}
