/*
 * test_shutdown_timeout.c — issue 14 item 10: a task that never returns no
 * longer makes shutdown or cf_executor_free() block for ever. The process
 * pool's cf_executor_shutdown_timeout() returns CF_ETIMEDOUT at the deadline
 * after SIGKILLing what is left: the stuck task fails with CF_EBROKEN naming
 * the signal and the function, queued tasks are cancelled, no process is
 * left, the pool is broken. Within the deadline it is a plain
 * shutdown(wait): 0, every task done.
 */
#include "proc_test.h"

static void t_forever(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    (void)out;
    sem_post(&pt->started);
    for (;;)
        pause();
}

static void test_stuck_task(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    pt_reset_runs();
    cf_future *fs, *q[2];
    CHECK_EQ_INT(cf_submit(ex, t_forever, NULL, 0, &fs), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    for (uint64_t i = 0; i < 2; i++) /* look-ahead 1 and one busy worker: queued */
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &q[i]), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, 0.2), CF_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    CHECK(dt >= 0.19 && dt < PT_WAIT_S);
    CHECK(cf_future_done(fs)); /* the workers were reaped before it returned */
    CHECK_EQ_INT(cf_future_result(fs, 0, NULL, NULL), CF_EBROKEN);
    int code = 0;
    const char *msg = NULL;
    cf_future_error(fs, &code, &msg);
    CHECK(msg && strstr(msg, "SIGKILL") && strstr(msg, "sent by cf_executor_shutdown_timeout()"));
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(cf_future_result(q[i], 0, NULL, NULL), CF_ECANCELLED);
        CHECK_EQ_INT(atomic_load(&pt->runs[i]), 0);
        cf_future_release(q[i]);
    }
    cf_future_release(fs);
    CHECK(cf_executor_is_broken(ex));
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    cf_executor_free(ex); /* does not block */
}

static void test_in_time(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    enum { N = 50 };
    cf_future *f[N];
    for (uint64_t i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &f[i]), 0);
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, PT_WAIT_S), 0);
    for (uint64_t i = 0; i < N; i++) {
        CHECK(cf_future_done(f[i]));
        CHECK(pt_u64(f[i]) == i * i);
        cf_future_release(f[i]);
    }
    CHECK(!cf_executor_is_broken(ex));
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, 0), 0); /* again: already down */
    cf_executor_free(ex);
}

static void test_bad_args(void) {
    CHECK_EQ_INT(cf_executor_shutdown_timeout(NULL, false, 1), CF_EINVAL);
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, NAN), CF_EINVAL);
    cf_executor_free(ex);
}

int main(void) {
    pt_setup();
    RUN(test_stuck_task);
    RUN(test_in_time);
    RUN(test_bad_args);
    return check_summary();
}
