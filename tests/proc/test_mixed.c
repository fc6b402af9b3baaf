/*
 * test_mixed.c — spec 20/21: cf_wait and cf_as_completed over futures from a
 * thread pool and a process pool together.
 */
#include "proc_test.h"

static void test_mixed(void) {
    cf_executor *tp = NULL, *pp = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 2}, &tp), 0);
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &pp), 0);
    enum { N = 40 };
    cf_future *fs[N + 1];
    for (uint64_t i = 0; i < N; i++) {
        CHECK_EQ_INT(cf_submit(i % 2 ? pp : tp, t_square, &i, sizeof i, &fs[i]), 0);
        cf_future_set_tag(fs[i], (uintptr_t)i);
    }
    /* One process-pool task that blocks until we release it: as_completed
     * must yield the other N first, then it. */
    CHECK_EQ_INT(cf_submit(pp, t_block, NULL, 0, &fs[N]), 0);
    cf_future_set_tag(fs[N], N);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));

    cf_future *done[N + 1], *nd[N + 1];
    size_t ndone = 0, nnd = 0;
    CHECK_EQ_INT(cf_wait(fs, N, PT_WAIT_S, CF_ALL_COMPLETED, done, &ndone, nd, &nnd), 0);
    CHECK_EQ_INT(ndone, N);
    CHECK_EQ_INT(cf_wait(fs, N + 1, 0, CF_ALL_COMPLETED, done, &ndone, nd, &nnd), 0);
    CHECK_EQ_INT(nnd, 1);
    CHECK(nnd == 1 && nd[0] == fs[N]);

    cf_as_completed *ac = NULL;
    CHECK_EQ_INT(cf_as_completed_new(fs, N + 1, PT_WAIT_S, &ac), 0);
    bool seen[N + 1] = {false};
    int count = 0;
    cf_future *f;
    while (count < N && cf_as_completed_next(ac, &f) == 0) {
        uintptr_t i = cf_future_tag(f);
        CHECK(i < N && !seen[i]);
        if (i < N) {
            seen[i] = true;
            CHECK(pt_u64(f) == (uint64_t)i * i);
        }
        count++;
    }
    CHECK_EQ_INT(count, N);
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[N]);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), CF_EEOF);
    cf_as_completed_free(ac);
    for (int i = 0; i <= N; i++)
        cf_future_release(fs[i]);
    cf_executor_free(tp);
    cf_executor_free(pp);
}

int main(void) {
    pt_setup();
    RUN(test_mixed);
    return check_summary();
}
