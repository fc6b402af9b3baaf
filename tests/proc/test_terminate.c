/*
 * test_terminate.c — issue 14 item 10: cf_executor_terminate_workers() and
 * cf_executor_kill_workers(), after CPython 3.14. The process pool is shut
 * down and broken, queued tasks are cancelled, running ones fail with
 * CF_EBROKEN naming the signal and who sent it, tasks handed to a worker
 * but not started fail (never run); SIGTERM can be ignored by a task,
 * SIGKILL cannot; no process is left. The thread pool answers CF_ENOTSUP
 * and stays usable.
 */
#include "proc_test.h"

static bool has(const char *msg, const char *needle) {
    bool ok = msg && strstr(msg, needle);
    if (!ok) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg ? msg : "(null)", needle);
    return ok;
}

static void check_died(cf_future *f, const char *sig, const char *by) {
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), CF_EBROKEN);
    int code = 0;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_EBROKEN);
    CHECK(has(msg, "died while running the task"));
    CHECK(has(msg, sig));
    CHECK(has(msg, by));
}

/* Ignores SIGTERM, then blocks like t_block. */
static void t_block_noterm(const void *arg, size_t len, cf_out *out) {
    signal(SIGTERM, SIG_IGN);
    t_block(arg, len, out);
}

static void test_terminate(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    pt_reset_runs();
    cf_future *b[2], *q[3];
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &b[i]), 0);
    for (int i = 0; i < 2; i++)
        CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    for (uint64_t i = 0; i < 3; i++) /* look-ahead 1: these stay queued (PENDING) */
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &q[i]), 0);
    CHECK(!cf_executor_is_broken(ex));
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), 0);
    CHECK(cf_executor_is_broken(ex));
    cf_future *f = NULL;
    CHECK_EQ_INT(cf_submit(ex, t_square, &(uint64_t){9}, sizeof(uint64_t), &f), CF_EBROKEN);
    for (int i = 0; i < 2; i++) {
        check_died(b[i], "SIGTERM", "sent by cf_executor_terminate_workers()");
        cf_future_release(b[i]);
    }
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(cf_future_result(q[i], PT_WAIT_S, NULL, NULL), CF_ECANCELLED);
        CHECK_EQ_INT(atomic_load(&pt->runs[i]), 0);
        cf_future_release(q[i]);
    }
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0); /* bounded: they are dead */
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), 0); /* again: nothing left to do */
    cf_executor_free(ex);
}

/* SIGTERM can be refused (the task finishes with its value); SIGKILL not. */
static void test_terminate_ignored_then_kill(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_block_noterm, NULL, 0, &f), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), 0);
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), 0); /* it survived SIGTERM */
    cf_future_release(f);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);

    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    CHECK_EQ_INT(cf_submit(ex, t_block_noterm, NULL, 0, &f), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), 0);
    CHECK_EQ_INT(cf_executor_kill_workers(ex), 0);
    check_died(f, "SIGKILL", "sent by cf_executor_kill_workers()");
    cf_future_release(f);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

/* Tasks already written to the killed worker's pipe (RUNNING, not started)
 * fail with the broken pool's message and never run; queued ones are
 * cancelled. Which of the two a task gets depends on the look-ahead. */
static void test_kill_with_lookahead(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    enum { WARM = 200, N = 20 };
    for (uint64_t i = 0; i < WARM; i++) { /* open the look-ahead */
        cf_future *w;
        uint64_t x = 100 + i;
        CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &w), 0);
        cf_future_release(w);
    }
    pt_reset_runs();
    cf_future *fb, *fs[N];
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb), 0);
    for (uint64_t i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &fs[i]), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    CHECK_EQ_INT(cf_executor_kill_workers(ex), 0);
    check_died(fb, "SIGKILL", "sent by cf_executor_kill_workers()");
    cf_future_release(fb);
    int ncancel = 0, nbroken = 0;
    for (uint64_t i = 0; i < N; i++) {
        int rc = cf_future_result(fs[i], PT_WAIT_S, NULL, NULL);
        CHECK(rc == CF_ECANCELLED || rc == CF_EBROKEN);
        if (rc == CF_EBROKEN) {
            int code;
            const char *msg = NULL;
            cf_future_error(fs[i], &code, &msg);
            CHECK(
                has(msg, "the pool's worker processes were killed by cf_executor_kill_workers()"));
            nbroken++;
        } else {
            ncancel++;
        }
        CHECK_EQ_INT(atomic_load(&pt->runs[i]), 0); /* never run */
        cf_future_release(fs[i]);
    }
    fprintf(stderr, "handed over and failed: %d, cancelled in the queue: %d\n", nbroken, ncancel);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

static void test_fresh_and_idle(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(NULL, &ex), 0);
    CHECK_EQ_INT(cf_executor_kill_workers(ex), 0); /* no worker yet */
    CHECK(cf_executor_is_broken(ex));
    cf_future *f = NULL;
    CHECK_EQ_INT(cf_submit(ex, t_getpid, NULL, 0, &f), CF_EBROKEN);
    CHECK_EQ_INT(cf_executor_kill_workers(ex), 0);
    cf_executor_free(ex);

    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    CHECK_EQ_INT(cf_submit(ex, t_getpid, NULL, 0, &f), 0);
    CHECK(pt_int(f) > 0);
    cf_future_release(f);
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), 0); /* an idle worker */
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    cf_executor_free(ex);
}

static void test_thread_pool_enotsup(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    CHECK_EQ_INT(cf_executor_terminate_workers(ex), CF_ENOTSUP);
    CHECK_EQ_INT(cf_executor_kill_workers(ex), CF_ENOTSUP);
    CHECK(!cf_executor_is_broken(ex));
    cf_future *f = NULL;
    uint64_t x = 3;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), 0); /* unchanged: still usable */
    CHECK(pt_u64(f) == 9);
    cf_future_release(f);
    cf_executor_free(ex);
    CHECK_EQ_INT(cf_executor_terminate_workers(NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_executor_kill_workers(NULL), CF_EINVAL);
}

int main(void) {
    pt_setup();
    RUN(test_terminate);
    RUN(test_terminate_ignored_then_kill);
    RUN(test_kill_with_lookahead);
    RUN(test_fresh_and_idle);
    RUN(test_thread_pool_enotsup);
    return check_summary();
}
