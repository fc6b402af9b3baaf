/*
 * test_cancel.c — spec 14 for the process pool: shutdown(cancel_futures)
 * cancels what was not handed to a worker and lets the running task finish;
 * cancelled futures count as done for wait; a queued future can be
 * cancelled by the caller and never runs; a running one cannot.
 */
#include "proc_test.h"

static void test_cancel_futures(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    pt_reset_runs();
    cf_future *fb, *fs[50];
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    CHECK(cf_future_running(fb));
    CHECK(!cf_future_cancel(fb)); /* running: cannot be cancelled */
    for (uint64_t i = 0; i < 50; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &fs[i]), 0);
    /* A fresh pool with a long first task hands one task at a time:
     * all 50 are still in the parent's queue. */
    CHECK(cf_future_cancel(fs[0])); /* cancelled by the caller */
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, true), 0);
    int cancelled = 0;
    for (int i = 0; i < 50; i++)
        cancelled += cf_future_cancelled(fs[i]);
    CHECK_EQ_INT(cancelled, 50);
    cf_future *done[51], *nd[51];
    size_t ndone = 0, nnd = 0;
    CHECK_EQ_INT(cf_wait(fs, 50, 5, CF_ALL_COMPLETED, done, &ndone, nd, &nnd), 0);
    CHECK_EQ_INT(ndone, 50);
    CHECK(!cf_future_done(fb)); /* still running */
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(cf_future_result(fb, 0, NULL, NULL), 0);
    for (int i = 0; i < 50; i++) {
        CHECK_EQ_INT(cf_future_result(fs[i], 0, NULL, NULL), CF_ECANCELLED);
        CHECK_EQ_INT(atomic_load(&pt->runs[i]), 0); /* never ran */
        cf_future_release(fs[i]);
    }
    cf_future_release(fb);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.tasks_cancelled, 50);
    CHECK_EQ_INT(st.tasks_completed, 1);
    cf_executor_free(ex);
}

static void test_cancel_one_queued(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    pt_reset_runs();
    cf_future *fb, *f1, *f2;
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    uint64_t a = 5, b = 6;
    CHECK_EQ_INT(cf_submit(ex, t_square, &a, sizeof a, &f1), 0);
    CHECK_EQ_INT(cf_submit(ex, t_square, &b, sizeof b, &f2), 0);
    CHECK(cf_future_cancel(f1));
    sem_post(&pt->release);
    CHECK(pt_u64(f2) == 36);
    CHECK_EQ_INT(cf_future_result(f1, 0, NULL, NULL), CF_ECANCELLED);
    CHECK_EQ_INT(atomic_load(&pt->runs[5]), 0);
    CHECK_EQ_INT(atomic_load(&pt->runs[6]), 1);
    cf_future_release(fb);
    cf_future_release(f1);
    cf_future_release(f2);
    cf_executor_free(ex);
}

/* A quick first task must not open the look-ahead: long tasks submitted
 * after it are handed out one per worker (greedy, as threads pull), and the
 * rest stay queued in the parent, cancellable. (A look-ahead sized from that
 * first ~1 µs result alone would write all of them into the workers' pipes
 * at once, round-robin: RUNNING and unbalanced.) */
static void test_quick_first_task(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    uint64_t zero = 0;
    cf_future *f0, *fb[6];
    CHECK_EQ_INT(cf_submit(ex, t_square, &zero, sizeof zero, &f0), 0);
    CHECK_EQ_INT(cf_future_result(f0, PT_WAIT_S, NULL, NULL), 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb[i]), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S)); /* both workers are busy */
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    int running = 0;
    for (int i = 0; i < 6; i++)
        running += cf_future_running(fb[i]);
    CHECK_EQ_INT(running, 2);
    CHECK(cf_future_cancel(fb[5])); /* still in the parent's queue */
    for (int i = 0; i < 5; i++)     /* one for each blocking task not cancelled */
        sem_post(&pt->release);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(cf_future_result(fb[i], PT_WAIT_S, NULL, NULL), 0);
    CHECK_EQ_INT(cf_future_result(fb[5], 0, NULL, NULL), CF_ECANCELLED);
    for (int i = 2; i < 5; i++) /* the other blocked tasks each posted `started` */
        CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    cf_future_release(f0);
    for (int i = 0; i < 6; i++)
        cf_future_release(fb[i]);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    cf_executor_free(ex);
}

int main(void) {
    pt_setup();
    RUN(test_cancel_futures);
    RUN(test_cancel_one_queued);
    RUN(test_quick_first_task);
    return check_summary();
}
