/*
 * test_shutdown_timeout.c — issue 14 item 10, thread pool: with a task that
 * does not return, cf_executor_shutdown_timeout() returns CF_ETIMEDOUT at
 * the deadline, cancels what is queued, and abandons the stuck thread, so
 * cf_executor_free() returns at once. The stuck future stays RUNNING and
 * completes normally when its task returns; the abandoned thread runs no
 * finalizer and then ends (the process's thread count goes back). Within
 * the deadline it is shutdown(wait): 0, and every finalizer ran.
 */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>
#include <unistd.h>

static gate g;
static atomic_int inits, finis;

static int init_count(void *arg) {
    (void)arg;
    atomic_fetch_add(&inits, 1);
    return 0;
}
static void fini_count(void *arg) {
    (void)arg;
    atomic_fetch_add(&finis, 1);
}

static void task_stuck(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len;
    sem_post(&g.started);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 60;
    if (sem_timedwait(&g.release, &ts) != 0) cf_out_error(out, 1, "never released");
    int v = 7;
    cf_out_set(out, &v, sizeof v);
}

/* Threads of this process (/proc/self/status), -1 if unknown. */
static int nthreads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %d", &n) == 1) break;
    fclose(f);
    return n;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *noop_thread(void *arg) {
    return arg;
}

static void test_stuck_task(void) {
    /* A thread started and joined first: sanitizer runtimes start a
     * background thread of their own at the first pthread_create. */
    pthread_t t;
    CHECK_EQ_INT(pthread_create(&t, NULL, noop_thread, NULL), 0);
    pthread_join(t, NULL);
    int base = nthreads();
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 1,
                                                        .initializer = init_count,
                                                        .finalizer = fini_count},
                                    &ex),
                 0);
    cf_future *fs, *q[2];
    CHECK_EQ_INT(cf_submit(ex, task_stuck, NULL, 0, &fs), 0);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    for (int i = 0; i < 2; i++)
        CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &q[i]), 0);
    double t0 = now();
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, 0.2), CF_ETIMEDOUT);
    double dt = now() - t0;
    CHECK(dt >= 0.19 && dt < 30);
    CHECK(cf_future_running(fs)); /* abandoned, not failed: a thread cannot be stopped */
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(cf_future_result(q[i], 0, NULL, NULL), CF_ECANCELLED);
        cf_future_release(q[i]);
    }
    CHECK(!cf_executor_is_broken(ex));
    t0 = now();
    cf_executor_free(ex); /* must not wait for the stuck task */
    CHECK(now() - t0 < 30);
    gate_open(&g, 1);
    const void *d = NULL;
    size_t n = 0;
    CHECK_EQ_INT(cf_future_result(fs, 30, &d, &n), 0); /* it completes when the task returns */
    CHECK(n == sizeof(int) && d && *(const int *)d == 7);
    cf_future_release(fs);
    /* The abandoned thread ends by itself (and frees the pool). */
    bool back = false;
    for (double end = now() + 30; !back && now() < end;) {
        back = nthreads() == base;
        if (!back) usleep(1000);
    }
    if (!back) fprintf(stderr, "threads: %d, before the pool: %d\n", nthreads(), base);
    CHECK(back);
    CHECK_EQ_INT(atomic_load(&inits), 1);
    CHECK_EQ_INT(atomic_load(&finis), 0); /* no finalizer after abandonment */
}

static void test_in_time(void) {
    atomic_store(&inits, 0);
    atomic_store(&finis, 0);
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 3,
                                                        .initializer = init_count,
                                                        .finalizer = fini_count},
                                    &ex),
                 0);
    enum { N = 50 };
    cf_future *f[N];
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(cf_submit(ex, task_echo, &i, sizeof i, &f[i]), 0);
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, false, 60), 0);
    for (int i = 0; i < N; i++) {
        CHECK(cf_future_done(f[i]));
        CHECK_EQ_INT(cf_future_result(f[i], 0, NULL, NULL), 0);
        cf_future_release(f[i]);
    }
    CHECK_EQ_INT(atomic_load(&finis), atomic_load(&inits)); /* every worker's finalizer */
    CHECK_EQ_INT(cf_executor_shutdown_timeout(ex, true, 0), 0);
    cf_executor_free(ex);
}

/* From inside one of its tasks: it does not wait for the calling worker. */
static cf_executor *self_ex;
static atomic_int self_rc = 1;
static void task_shutdown_self(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
    atomic_store(&self_rc, cf_executor_shutdown_timeout(self_ex, false, 5));
}

static void test_from_own_task(void) {
    CHECK_EQ_INT(cf_thread_pool_new(&(cf_executor_opts){.max_workers = 1}, &self_ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(self_ex, task_shutdown_self, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 30, NULL, NULL), 0);
    CHECK_EQ_INT(atomic_load(&self_rc), 0);
    cf_future_release(f);
    cf_executor_free(self_ex);
}

int main(void) {
    gate_init(&g);
    RUN(test_stuck_task);
    RUN(test_in_time);
    RUN(test_from_own_task);
    gate_destroy(&g);
    return check_summary();
}
