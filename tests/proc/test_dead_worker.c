/*
 * test_dead_worker.c — spec 16: a worker killed by SIGKILL mid-task, a task
 * that segfaults, a task that calls exit(3). Each fails only its own future
 * with CF_EBROKEN and a message naming the cause; every other task runs
 * exactly once; the pool replaces the worker and stays usable; result, wait
 * and shutdown do not hang.
 */
#include "proc_test.h"

#include <sys/mman.h>

static void t_segv(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    (void)out;
    volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *p = 1; /* SIGSEGV */
}

static void t_exit3(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    (void)out;
    exit(3);
}

static bool has(const char *msg, const char *needle) {
    bool ok = msg && strstr(msg, needle);
    if (!ok) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg ? msg : "(null)", needle);
    return ok;
}

/* Warm the pool with quick tasks so that it batches (several tasks in the
 * worker's pipe), then submit `bad` followed by n good tasks: the bad one
 * dies, the good ones run exactly once each (some re-queued from the dead
 * worker's pipe). */
static void run_case(cf_task_fn bad, bool kill_it, const char *needle1, const char *needle2) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    pt_reset_runs();
    enum { WARM = 300, N = 40 };
    cf_future *warm[WARM];
    for (uint64_t i = 0; i < WARM; i++)
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &warm[i]), 0);
    for (uint64_t i = 0; i < WARM; i++) {
        CHECK(pt_u64(warm[i]) == i * i);
        cf_future_release(warm[i]);
    }
    pt_reset_runs();
    cf_future *fbad, *fs[N];
    CHECK_EQ_INT(cf_submit(ex, bad, NULL, 0, &fbad), 0);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t x = 1000 + i;
        CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &fs[i]), 0);
    }
    if (kill_it) {
        CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
        int pid = atomic_load(&pt->blocker_pid);
        CHECK(pid > 0 && pid != (int)getpid());
        if (pid > 0 && pid != (int)getpid()) kill(pid, SIGKILL);
    }
    CHECK_EQ_INT(cf_future_result(fbad, PT_WAIT_S, NULL, NULL), CF_EBROKEN);
    int code = 0;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(fbad, &code, &msg), CF_EBROKEN);
    CHECK(has(msg, needle1));
    CHECK(has(msg, needle2));
    CHECK(has(msg, "died while running the task"));
    for (uint64_t i = 0; i < N; i++) {
        uint64_t x = 1000 + i;
        CHECK(pt_u64(fs[i]) == x * x);
        CHECK_EQ_INT(atomic_load(&pt->runs[x % PT_MAXIDX]), 1); /* once, not lost, not twice */
        cf_future_release(fs[i]);
    }
    /* still usable */
    cf_future *f;
    uint64_t x = 7;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), 0);
    CHECK(pt_u64(f) == 49);
    cf_future_release(f);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK(st.workers_started >= 2);
    CHECK(st.workers_replaced >= 1);
    CHECK(st.workers_alive <= 1);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
    cf_future_release(fbad);
    cf_executor_free(ex);
}

static void test_sigkill(void) {
    run_case(t_block, true, "signal 9", "SIGKILL");
}

static void test_segfault(void) {
    run_case(t_segv, false, "signal 11", "SIGSEGV");
}

static void test_exit3(void) {
    run_case(t_exit3, false, "exited with status 3", "worker process");
}

/* An idle worker killed from outside: nothing fails, the next task gets a
 * new worker. Wait on the future while the kill happens: no hang. */
static void test_idle_kill_and_wait(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_getpid, NULL, 0, &f), 0);
    int pid = pt_int(f);
    cf_future_release(f);
    CHECK(pid > 0);
    kill(pid, SIGKILL);
    /* A blocked task plus wait(FIRST_EXCEPTION) across a kill. */
    cf_future *fb;
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &fb), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    kill(atomic_load(&pt->blocker_pid), SIGKILL);
    cf_future *done[1], *notdone[1];
    size_t nd = 0, nn = 0;
    CHECK_EQ_INT(cf_wait(&fb, 1, PT_WAIT_S, CF_FIRST_EXCEPTION, done, &nd, notdone, &nn), 0);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(cf_future_result(fb, 0, NULL, NULL), CF_EBROKEN);
    cf_future_release(fb);
    CHECK_EQ_INT(cf_submit(ex, t_getpid, NULL, 0, &f), 0);
    int pid2 = pt_int(f);
    CHECK(pid2 > 0 && pid2 != pid);
    cf_future_release(f);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

int main(void) {
    pt_setup();
    RUN(test_sigkill);
    RUN(test_segfault);
    RUN(test_exit3);
    RUN(test_idle_kill_and_wait);
    return check_summary();
}
