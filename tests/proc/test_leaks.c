/*
 * test_leaks.c — spec 19: many tasks (and many worker replacements) leave no
 * descriptors, processes or memory behind. The million-task figure is in
 * bench/core_bench; here 100,000 tasks, plus 200 worker lifetimes.
 */
#include "proc_test.h"

#include <sys/resource.h>

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2) res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static void batch(cf_executor *ex, uint64_t n) {
    enum { W = 2000 };
    static cf_future *fs[W];
    for (uint64_t base = 0; base < n; base += W) {
        uint64_t k = n - base < W ? n - base : W;
        for (uint64_t i = 0; i < k; i++) {
            uint64_t x = base + i;
            if (cf_submit(ex, t_square, &x, sizeof x, &fs[i]) != 0) fs[i] = NULL;
        }
        for (uint64_t i = 0; i < k; i++) {
            uint64_t x = base + i;
            CHECK(fs[i] && pt_u64(fs[i]) == x * x);
            cf_future_release(fs[i]);
        }
    }
}

static void test_many_tasks(void) {
    int fds0 = pt_count_fds();
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    batch(ex, 20000); /* warm up: buffers and allocator reach steady state */
    long rss1 = rss_kb();
    batch(ex, 100000);
    long rss2 = rss_kb();
    fprintf(stderr, "rss after warm-up %ld KiB, after 100k more %ld KiB\n", rss1, rss2);
#ifndef CFB_SANITIZER
    CHECK(rss2 - rss1 < 8 * 1024); /* no per-task growth */
#endif
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_fds(), fds0);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

static void test_many_workers(void) {
    int fds0 = pt_count_fds();
    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_process_pool_new(&(cf_executor_opts){.max_workers = 2, .max_tasks_per_child = 5}, &ex),
        0);
    /* 200 worker lifetimes (50 under the sanitizers: see the fork gate in
     * process_pool.c — their allocators are not fork-safe) */
#ifdef CFB_SANITIZER
    enum { NT = 250 };
#else
    enum { NT = 1000 };
#endif
    batch(ex, NT);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK(st.workers_started >= NT / 5);
    CHECK_EQ_INT(st.tasks_completed, NT);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_fds(), fds0);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

int main(void) {
    pt_setup();
    RUN(test_many_tasks);
    RUN(test_many_workers);
    return check_summary();
}
