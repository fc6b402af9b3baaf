/*
 * test_max_tasks.c — spec 18: max_tasks_per_child = 3 replaces a worker
 * after 3 tasks (a new pid on the 4th), never more than max_workers worker
 * processes exist at once (each task counts its siblings in /proc), and idle
 * workers are reused.
 */
#include "proc_test.h"

/* Returns {getpid(), number of processes whose parent is the pool's owner}. */
static void t_pid_siblings(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    int r[2] = {(int)getpid(), pt_count_children(atomic_load(&pt->parent_pid))};
    cf_out_set(out, r, sizeof r);
}

static bool get2(cf_future *f, int r[2]) {
    const void *d;
    size_t n;
    if (cf_future_result(f, PT_WAIT_S, &d, &n) != 0 || n != 2 * sizeof(int)) return false;
    memcpy(r, d, 2 * sizeof(int));
    return true;
}

static void test_one_worker_sequential(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_process_pool_new(&(cf_executor_opts){.max_workers = 1, .max_tasks_per_child = 3}, &ex),
        0);
    int pids[7];
    for (int i = 0; i < 7; i++) {
        cf_future *f;
        int r[2] = {-1, -1};
        CHECK_EQ_INT(cf_submit(ex, t_pid_siblings, NULL, 0, &f), 0);
        CHECK(get2(f, r));
        pids[i] = r[0];
        CHECK(r[1] <= 1);
        cf_future_release(f);
    }
    CHECK(pids[0] == pids[1] && pids[1] == pids[2]);
    CHECK(pids[3] != pids[2]); /* a new pid on the 4th task */
    CHECK(pids[3] == pids[4] && pids[4] == pids[5]);
    CHECK(pids[6] != pids[5] && pids[6] != pids[0]);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.workers_started, 3);
    CHECK(st.workers_replaced >= 2);
    cf_executor_free(ex);
}

static void test_two_workers_bulk(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_process_pool_new(&(cf_executor_opts){.max_workers = 2, .max_tasks_per_child = 3}, &ex),
        0);
    enum { N = 60 };
    cf_future *fs[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, t_pid_siblings, NULL, 0, &fs[i]), 0);
    int pids[N], maxsib = 0;
    for (int i = 0; i < N; i++) {
        int r[2] = {-1, -1};
        CHECK(get2(fs[i], r));
        pids[i] = r[0];
        if (r[1] > maxsib) maxsib = r[1];
        cf_executor_stats st;
        cf_executor_stats_get(ex, &st);
        CHECK(st.workers_alive <= 2);
        cf_future_release(fs[i]);
    }
    CHECK(maxsib >= 1 && maxsib <= 2); /* never more than max_workers at once */
    int distinct = 0;
    for (int i = 0; i < N; i++) {
        int same = 0;
        bool first = true;
        for (int j = 0; j < N; j++) {
            if (pids[j] == pids[i]) {
                same++;
                if (j < i) first = false;
            }
        }
        CHECK(same <= 3);
        distinct += first;
    }
    CHECK(distinct >= N / 3);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

int main(void) {
    pt_setup();
    RUN(test_one_worker_sequential);
    RUN(test_two_workers_bulk);
    return check_summary();
}
