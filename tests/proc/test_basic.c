/*
 * test_basic.c — process pool: submit/result equality (spec 10), errors
 * keep code and message (17), defaults and invalid arguments (12), lazy
 * start and reuse of an idle worker, shutdown with 50 queued tasks (14),
 * submit after shutdown, stats, and no inherited descriptors.
 */
#include "proc_test.h"

#include <fcntl.h>

static void t_fail(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    cf_out_error(out, 42, "custom failure in pid %s", "child");
}

static void t_fail_falsy(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    cf_out_error(out, 0, "%s", "");
}

static int g_parent_fd = -1;

/* Reports whether the parent's descriptor is open here, and how many fds. */
static void t_fdcheck(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    int r[2] = {fcntl(g_parent_fd, F_GETFD) != -1, pt_count_fds()};
    cf_out_set(out, r, sizeof r);
}

static void test_equality(void) {
    cf_executor *ex = NULL;
    cf_executor_opts o = {.max_workers = 2};
    CHECK_EQ_INT(cf_process_pool_new(&o, &ex), 0);
    CHECK_EQ_STR(cf_executor_kind(ex), "process");
    CHECK_EQ_INT(cf_executor_max_workers(ex), 2);
    enum { N = 200 };
    cf_future *fs[N];
    for (uint64_t i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &fs[i]), 0);
    for (uint64_t i = 0; i < N; i++) {
        CHECK(pt_u64(fs[i]) == i * i);
        CHECK_EQ_STR(cf_future_state_str(fs[i]), "finished returned");
        cf_future_release(fs[i]);
    }
    /* bytes cross unchanged, including empty */
    char big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)(i * 7);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_echo, big, sizeof big, &f), 0);
    const void *d;
    size_t n;
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, &d, &n), 0);
    CHECK(n == sizeof big && memcmp(d, big, n) == 0);
    cf_future_release(f);
    CHECK_EQ_INT(cf_submit(ex, t_echo, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, &d, &n), 0);
    CHECK_EQ_INT(n, 0);
    cf_future_release(f);
    cf_executor_free(ex);
}

static void test_errors_cross(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    cf_future *f, *g;
    CHECK_EQ_INT(cf_submit(ex, t_fail, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), CF_ETASK);
    int code = 0;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 42);
    CHECK_EQ_STR(msg, "custom failure in pid child");
    CHECK_EQ_STR(cf_future_state_str(f), "finished raised");
    CHECK_EQ_INT(cf_submit(ex, t_fail_falsy, NULL, 0, &g), 0);
    CHECK_EQ_INT(cf_future_result(g, PT_WAIT_S, NULL, NULL), CF_ETASK);
    CHECK_EQ_INT(cf_future_error(g, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 0);
    CHECK_EQ_STR(msg, "");
    cf_future_release(f);
    cf_future_release(g);
    cf_executor_free(ex);
}

static void test_args_defaults(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = -1}, &ex), CF_EINVAL);
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_tasks_per_child = -1}, &ex),
                 CF_EINVAL);
    CHECK_EQ_INT(cf_process_pool_new(NULL, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_process_pool_new(NULL, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), cf_process_cpu_count());
    cf_executor_stats st;
    CHECK_EQ_INT(cf_executor_stats_get(ex, &st), 0);
    CHECK_EQ_INT(st.workers_started, 0); /* lazy: nothing forked yet */
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    cf_future *f = NULL;
    CHECK_EQ_INT(cf_submit(ex, NULL, NULL, 0, &f), CF_EINVAL);
    cf_executor_free(ex);
}

static void test_reuse_idle(void) {
    /* Three sequential submit-then-wait calls use one process. */
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 4}, &ex), 0);
    int pids[3];
    for (int i = 0; i < 3; i++) {
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, t_getpid, NULL, 0, &f), 0);
        pids[i] = pt_int(f);
        cf_future_release(f);
    }
    CHECK(pids[0] > 0 && pids[0] != (int)getpid());
    CHECK(pids[0] == pids[1] && pids[1] == pids[2]);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.workers_started, 1);
    CHECK_EQ_INT(st.tasks_submitted, 3);
    CHECK_EQ_INT(st.tasks_completed, 3);
    cf_executor_free(ex);
}

static void test_shutdown_50(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    pt_reset_runs();
    cf_future *fs[51];
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fs[50]), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    for (uint64_t i = 0; i < 50; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &fs[i]), 0);
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    for (uint64_t i = 0; i < 50; i++) {
        CHECK(cf_future_done(fs[i]));
        CHECK(pt_u64(fs[i]) == i * i);
        CHECK_EQ_INT(atomic_load(&pt->runs[i]), 1);
    }
    CHECK_EQ_INT(cf_future_result(fs[50], 0, NULL, NULL), 0);
    for (int i = 0; i < 51; i++)
        cf_future_release(fs[i]);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0); /* all reaped */
    cf_future *f = NULL;
    uint64_t x = 1;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), CF_ESHUTDOWN);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0); /* idempotent */
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.workers_alive, 0);
    CHECK_EQ_INT(st.tasks_completed, 51);
    cf_executor_free(ex);
}

static void test_no_inherited_fds(void) {
    g_parent_fd = open("/dev/null", O_RDONLY); /* NOT close-on-exec, on purpose */
    CHECK(g_parent_fd > 2);
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_fdcheck, NULL, 0, &f), 0);
    const void *d;
    size_t n;
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, &d, &n), 0);
    if (n == 2 * sizeof(int)) {
        int r[2];
        memcpy(r, d, sizeof r);
        CHECK_EQ_INT(r[0], 0); /* the parent's descriptor is closed in the worker */
        CHECK(r[1] <= 5);      /* 0, 1, 2 and the worker's two pipe ends */
    } else {
        CHECK(0);
    }
    cf_future_release(f);
    cf_executor_free(ex);
    close(g_parent_fd);
}

/* Submit, wait, repeat: each submit finds the manager going to sleep or
 * asleep — a lost wake-up would hang here (bounded by the result timeout). */
static void test_sequential_roundtrips(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    int bad = 0;
    for (uint64_t i = 0; i < 20000 && bad < 3; i++) {
        cf_future *f;
        if (cf_submit(ex, t_square, &i, sizeof i, &f) != 0) {
            bad++;
            continue;
        }
        const void *d;
        size_t n;
        uint64_t y = 0;
        if (cf_future_result(f, 10, &d, &n) == 0 && n == sizeof y) memcpy(&y, d, sizeof y);
        bad += y != i * i;
        cf_future_release(f);
    }
    CHECK_EQ_INT(bad, 0);
    cf_executor_free(ex);
}

static void cb_shutdown(cf_future *f, void *arg) {
    (void)f;
    /* Runs on the pool's manager thread: must not wait for itself. */
    cf_executor_shutdown(arg, true, false);
}

static void test_shutdown_from_callback(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1, .name = "cbtest"}, &ex),
                 0);
    pt_reset_runs();
    cf_future *fb, *f;
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    CHECK_EQ_INT(cf_future_add_done_callback(fb, cb_shutdown, ex), 0);
    uint64_t x = 3;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), 0);
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_future_result(fb, PT_WAIT_S, NULL, NULL), 0);
    CHECK(pt_u64(f) == 9); /* queued before the shutdown: still runs */
    cf_future_release(fb);
    cf_future_release(f);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

int main(void) {
    pt_setup();
    RUN(test_args_defaults);
    RUN(test_equality);
    RUN(test_errors_cross);
    RUN(test_reuse_idle);
    RUN(test_shutdown_50);
    RUN(test_no_inherited_fds);
    RUN(test_sequential_roundtrips);
    RUN(test_shutdown_from_callback);
    return check_summary();
}
