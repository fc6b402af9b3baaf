/* test_thread_pool: the thread-pool executor (spec items 10, 12-15, 19). */
#include "check.h"
#include "core_helpers.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static void test_submit_result(void) {
    /* spec item 10: the result equals calling fn(arg) */
    cf_executor *ex = pool(3);
    CHECK(ex != NULL);
    CHECK_EQ_STR(cf_executor_kind(ex), "thread");
    CHECK_EQ_INT(cf_executor_max_workers(ex), 3);
    cf_future *fs[200];
    for (int i = 0; i < 200; i++)
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &fs[i]), 0);
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        if (result_int(fs[i]) != i * i) bad++;
        cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(bad, 0);
    /* errors and empty values */
    cf_future *f;
    int code = 7;
    CHECK_EQ_INT(cf_submit(ex, task_fail, &code, sizeof code, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, NULL, NULL), CF_ETASK);
    const char *msg;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 7);
    CHECK_EQ_STR(msg, "failed with 7");
    CHECK_EQ_STR(cf_future_state_str(f), "finished raised");
    cf_future_release(f);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), 0);
    size_t l = 9;
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, NULL, &l), 0);
    CHECK_EQ_INT(l, 0);
    cf_future_release(f);
    /* the argument is copied at submit time */
    char buf[8] = "before";
    gate g;
    gate_init(&g);
    cf_future *blockers[3];
    for (int i = 0; i < 3; i++)
        blockers[i] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 3), 0);
    CHECK_EQ_INT(cf_submit(ex, task_echo, buf, sizeof buf, &f), 0);
    strcpy(buf, "after");
    gate_open(&g, 3);
    const void *d;
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, &d, &l), 0);
    CHECK_EQ_STR((const char *)d, "before");
    cf_future_release(f);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(cf_future_result(blockers[i], CF_FOREVER, NULL, NULL), 0);
        cf_future_release(blockers[i]);
    }
    gate_destroy(&g);
    cf_executor_stats st = stats(ex);
    CHECK_EQ_INT(st.tasks_submitted, 206);
    CHECK_EQ_INT(st.tasks_completed, 206);
    cf_executor_free(ex);
}

static void test_max_workers(void) {
    /* spec item 12 (with this API: 0 = default, negative = CF_EINVAL) */
    cf_executor *ex = (cf_executor *)1;
    cf_executor_opts o = {.max_workers = -1};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    CHECK(ex == NULL);
    o.max_workers = -100;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    o.max_workers = 0;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    int want = cf_process_cpu_count() + 4 < 32 ? cf_process_cpu_count() + 4 : 32;
    CHECK_EQ_INT(cf_executor_max_workers(ex), want);
    cf_executor_free(ex);
    CHECK_EQ_INT(cf_thread_pool_new(NULL, &ex), 0);
    CHECK_EQ_INT(cf_executor_max_workers(ex), want);
    cf_executor_free(ex);
    o = (cf_executor_opts){.max_tasks_per_child = 3};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    o.max_tasks_per_child = -1;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), CF_EINVAL);
    CHECK_EQ_INT(cf_thread_pool_new(NULL, NULL), CF_EINVAL);
}

static void test_lazy_threads(void) {
    /* spec item 13: three sequential submit-then-wait use one thread */
    cf_executor *ex = pool(8);
    CHECK_EQ_INT(stats(ex).workers_started, 0);
    for (int i = 0; i < 3; i++) {
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &f), 0);
        CHECK_EQ_INT(result_int(f), i * i);
        cf_future_release(f);
    }
    CHECK_EQ_INT(stats(ex).workers_started, 1);
    cf_executor_free(ex);

    /* 60 blocked tasks on a pool of 4 start exactly 4 threads */
    ex = pool(4);
    gate g;
    gate_init(&g);
    cf_future *fs[60];
    for (int i = 0; i < 60; i++)
        fs[i] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 4), 0);
    cf_executor_stats st = stats(ex);
    CHECK_EQ_INT(st.workers_started, 4);
    CHECK_EQ_INT(st.workers_alive, 4);
    gate_open(&g, 60);
    CHECK_EQ_INT(gate_wait_started(&g, 56), 0);
    for (int i = 0; i < 60; i++) {
        CHECK_EQ_INT(cf_future_result(fs[i], CF_FOREVER, NULL, NULL), 0);
        cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(stats(ex).workers_started, 4);
    cf_executor_shutdown(ex, true, false);
    CHECK_EQ_INT(stats(ex).workers_alive, 0);
    cf_executor_free(ex);
    gate_destroy(&g);

    /* one busy worker: the next submit starts a second thread */
    ex = pool(4);
    gate_init(&g);
    cf_future *a = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    cf_future *b = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    CHECK_EQ_INT(stats(ex).workers_started, 2);
    gate_open(&g, 2);
    cf_future_result(a, CF_FOREVER, NULL, NULL);
    cf_future_result(b, CF_FOREVER, NULL, NULL);
    cf_future_release(a);
    cf_future_release(b);
    cf_executor_free(ex);
    gate_destroy(&g);
}

static void test_shutdown(void) {
    /* spec item 14: idempotent; submit after it fails */
    cf_executor *ex = pool(2);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, true), 0);
    cf_future *f = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_ESHUTDOWN);
    CHECK(f == NULL);
    cf_executor_free(ex);

    /* shutdown(wait) with 50 queued tasks completes them all */
    ex = pool(2);
    gate g;
    gate_init(&g);
    cf_future *fs[52];
    fs[0] = submit_gate(ex, &g);
    fs[1] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 2), 0);
    for (int i = 2; i < 52; i++)
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &fs[i]), 0);
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, false), 0);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), CF_ESHUTDOWN);
    gate_open(&g, 2);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    int bad = 0;
    for (int i = 2; i < 52; i++)
        if (!cf_future_done(fs[i]) || result_int(fs[i]) != i * i) bad++;
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(stats(ex).tasks_completed, 52);
    CHECK_EQ_INT(stats(ex).workers_alive, 0);
    for (int i = 0; i < 52; i++)
        cf_future_release(fs[i]);
    cf_executor_free(ex);
    gate_destroy(&g);

    /* cancel_futures: queued ones cancelled, running ones finish; the
     * cancelled count as done for wait and as_completed */
    ex = pool(2);
    gate_init(&g);
    fs[0] = submit_gate(ex, &g);
    fs[1] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 2), 0);
    for (int i = 2; i < 12; i++)
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &fs[i]), 0);
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, true), 0);
    for (int i = 2; i < 12; i++)
        CHECK(cf_future_cancelled(fs[i]));
    cf_future *done[12], *not_done[12];
    size_t nd, nn;
    CHECK_EQ_INT(cf_wait(fs + 2, 10, 5, CF_ALL_COMPLETED, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 10);
    CHECK_EQ_INT(nn, 0);
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(fs + 2, 10, 5, &ac), 0);
    int k = 0;
    cf_future *y;
    while (cf_as_completed_next(ac, &y) == 0)
        k++;
    CHECK_EQ_INT(k, 10);
    cf_as_completed_free(ac);
    CHECK(!cf_future_done(fs[0]) && cf_future_running(fs[0]));
    gate_open(&g, 2);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, true), 0);
    CHECK_EQ_INT(cf_future_result(fs[0], 0, NULL, NULL), 0);
    CHECK_EQ_INT(cf_future_result(fs[1], 0, NULL, NULL), 0);
    cf_executor_stats st = stats(ex);
    CHECK_EQ_INT(st.tasks_cancelled, 10);
    CHECK_EQ_INT(st.tasks_completed, 2);
    for (int i = 0; i < 12; i++)
        cf_future_release(fs[i]);
    cf_executor_free(ex);
    gate_destroy(&g);

    /* a future cancelled by its holder while queued is skipped */
    ex = pool(1);
    gate_init(&g);
    fs[0] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    int x = 3;
    CHECK_EQ_INT(cf_submit(ex, task_square, &x, sizeof x, &fs[1]), 0);
    CHECK(cf_future_cancel(fs[1]));
    gate_open(&g, 1);
    cf_executor_shutdown(ex, true, false);
    CHECK(cf_future_cancelled(fs[1]));
    st = stats(ex);
    CHECK_EQ_INT(st.tasks_cancelled, 1);
    CHECK_EQ_INT(st.tasks_completed, 1);
    cf_future_release(fs[0]);
    cf_future_release(fs[1]);
    cf_executor_free(ex);
    gate_destroy(&g);
}

static atomic_int inits, finis, init_seen_by_task, bad_initarg;
static int init_ok(void *arg) {
    if (strcmp(arg, "init-arg") != 0) /* no CHECK here: not the main thread */
        atomic_fetch_add(&bad_initarg, 1);
    atomic_fetch_add(&inits, 1);
    return 0;
}
static void fini_count(void *arg) {
    if (strcmp(arg, "init-arg") != 0) atomic_fetch_add(&bad_initarg, 1);
    atomic_fetch_add(&finis, 1);
}
static _Thread_local int tl_initialised;
static int init_tl(void *arg) {
    tl_initialised = 1;
    return init_ok(arg);
}
static void task_check_init(const void *a, size_t l, cf_out *out) {
    if (tl_initialised) atomic_fetch_add(&init_seen_by_task, 1);
    gate *g;
    memcpy(&g, a, sizeof g);
    sem_post(&g->started);
    sem_wait(&g->release);
}

static int init_fail(void *arg) {
    return 5;
}

static void test_initializer(void) {
    /* spec item 15: runs in every worker before any task, with its argument */
    char arg[] = "init-arg";
    cf_executor_opts o = {
        .max_workers = 3, .initializer = init_tl, .finalizer = fini_count, .initarg = arg};
    cf_executor *ex;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    gate g;
    gate_init(&g);
    cf_future *fs[3];
    gate *gp = &g;
    for (int i = 0; i < 3; i++)
        CHECK_EQ_INT(cf_submit(ex, task_check_init, &gp, sizeof gp, &fs[i]), 0);
    CHECK_EQ_INT(gate_wait_started(&g, 3), 0);
    CHECK_EQ_INT(atomic_load(&inits), 3);
    CHECK_EQ_INT(atomic_load(&init_seen_by_task), 3);
    gate_open(&g, 3);
    cf_executor_free(ex);
    CHECK_EQ_INT(atomic_load(&finis), 3);
    CHECK_EQ_INT(atomic_load(&bad_initarg), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(cf_future_result(fs[i], 0, NULL, NULL), 0);
        cf_future_release(fs[i]);
    }
    gate_destroy(&g);

    /* a failing initializer breaks the pool */
    o = (cf_executor_opts){.max_workers = 2, .initializer = init_fail};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, NULL, NULL), CF_EBROKEN);
    int code;
    const char *msg;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_EBROKEN);
    CHECK_EQ_INT(code, CF_EBROKEN);
    CHECK(strstr(msg, "initializer") != NULL);
    cf_future_release(f);
    cf_future *g2 = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &g2), CF_EBROKEN);
    CHECK(g2 == NULL);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    cf_executor_free(ex);
}

static void task_name(const void *a, size_t l, cf_out *out) {
    char name[16] = "";
    pthread_getname_np(pthread_self(), name, sizeof name);
    cf_out_set(out, name, strlen(name) + 1);
}

static void test_thread_names(void) {
    cf_executor *ex = pool(1);
    cf_future *f;
    cf_submit(ex, task_name, NULL, 0, &f);
    const void *d;
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, &d, NULL), 0);
    CHECK_EQ_STR((const char *)d, "cf-pool-0");
    cf_future_release(f);
    cf_executor_free(ex);

    cf_executor_opts o = {.max_workers = 1, .name = "averylongname"};
    cf_thread_pool_new(&o, &ex);
    cf_submit(ex, task_name, NULL, 0, &f);
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, &d, NULL), 0);
    CHECK_EQ_STR((const char *)d, "averylon-0");
    cf_future_release(f);
    cf_executor_free(ex);
}

static long rss_kb(void) {
    FILE *fp = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (fp) {
        if (fscanf(fp, "%ld %ld", &pages, &resident) != 2) resident = 0;
        fclose(fp);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static void test_memory_flat(void) {
    /* spec item 19: completed tasks' arguments and results are released */
    cf_executor *ex = pool(2);
    enum { BATCH = 1000 };
    cf_future *fs[BATCH];
    char arg[256];
    memset(arg, 'a', sizeof arg);
    long base = 0;
#ifdef CFB_SANITIZER
    int rounds = 40; /* sanitizers keep freed memory in quarantine */
#else
    int rounds = 200;
#endif
    int bad = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < BATCH; i++)
            if (cf_submit(ex, task_echo, arg, sizeof arg, &fs[i]) != 0) bad++;
        for (int i = 0; i < BATCH; i++) {
            size_t l = 0;
            if (cf_future_result(fs[i], CF_FOREVER, NULL, &l) != 0 || l != sizeof arg) bad++;
            cf_future_release(fs[i]);
        }
        if (r == 10) base = rss_kb();
    }
    long end = rss_kb();
    CHECK_EQ_INT(bad, 0);
    fprintf(stderr, "rss after warm-up %ld kB, after %d tasks %ld kB\n", base, rounds * BATCH, end);
#ifndef CFB_SANITIZER
    CHECK(end - base < 4096); /* 190k tasks x 256-byte args+results = 97 MB if leaked */
#endif
    cf_executor_free(ex);
}

static void test_executor_null(void) {
    cf_future *f = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(NULL, task_empty, NULL, 0, &f), CF_EINVAL);
    CHECK(f == NULL);
    cf_executor *ex = pool(1);
    CHECK_EQ_INT(cf_submit(ex, NULL, NULL, 0, &f), CF_EINVAL);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 4, &f), CF_EINVAL);
    CHECK_EQ_INT(cf_executor_shutdown(NULL, true, false), CF_EINVAL);
    CHECK(cf_executor_kind(NULL) == NULL);
    CHECK_EQ_INT(cf_executor_max_workers(NULL), CF_EINVAL);
    cf_executor_stats st;
    CHECK_EQ_INT(cf_executor_stats_get(NULL, &st), CF_EINVAL);
    CHECK_EQ_INT(cf_executor_stats_get(ex, NULL), CF_EINVAL);
    cf_executor_free(NULL);
    cf_executor_free(ex);
}

/* Submitting from inside a task (nested submit) works. */
static cf_executor *nested_ex;
static void task_nested(const void *a, size_t l, cf_out *out) {
    cf_future *f;
    int x = 6;
    if (cf_submit(nested_ex, task_square, &x, sizeof x, &f) != 0) {
        cf_out_error(out, 1, "submit failed");
        return;
    }
    int r = result_int(f);
    cf_future_release(f);
    cf_out_set(out, &r, sizeof r);
}

static void test_nested_submit(void) {
    nested_ex = pool(2);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(nested_ex, task_nested, NULL, 0, &f), 0);
    CHECK_EQ_INT(result_int(f), 36);
    cf_future_release(f);
    cf_executor_free(nested_ex);
}

static cf_executor *self_ex;
static void task_shutdown_own_pool(const void *a, size_t l, cf_out *out) {
    int rc = cf_executor_shutdown(self_ex, true, false);
    cf_out_set(out, &rc, sizeof rc);
}

static void test_shutdown_from_task(void) {
    /* shutdown(wait=true) from one of the pool's tasks waits for the other
     * workers but not for itself, and does not deadlock */
    self_ex = pool(2);
    gate g;
    gate_init(&g);
    cf_future *blocker = submit_gate(self_ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(self_ex, task_shutdown_own_pool, NULL, 0, &f), 0);
    gate_open(&g, 1);
    CHECK_EQ_INT(result_int(f), 0);
    CHECK_EQ_INT(cf_future_result(blocker, 0, NULL, NULL), 0);
    cf_future_release(f);
    cf_future_release(blocker);
    cf_executor_free(self_ex); /* joins the remaining worker */
    gate_destroy(&g);
}

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Threads of this process other than the caller that are running or
 * runnable (state R in /proc/self/task/<tid>/stat); -1 if unreadable. A
 * spinning worker is always R (it only yields); a parked one is S. */
static int other_running_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    char self[32];
    snprintf(self, sizeof self, "%ld", (long)syscall(SYS_gettid));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, self)) continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue; /* exited meanwhile */
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[k] = '\0';
        const char *rp = strrchr(buf, ')');
        if (rp && rp[1] == ' ' && rp[2] == 'R') n++;
    }
    closedir(d);
    return n;
}

/* Idle workers spin at most briefly (IDLE_SPINS iterations, which take
 * longer on a loaded machine), then park: an idle pool of 4 uses (almost) no
 * CPU. Deterministic part: poll (bounded, 20 s) until no other thread of the
 * process is running — a worker that never parked fails here. Then the CPU
 * used over a 0.3 s window must be < 0.1 s in one of up to 5 windows (a
 * window can catch a sanitizer's background thread or a stray wake-up). */
static void test_idle_pool_sleeps(void) {
    cf_executor *ex = pool(4);
    gate g;
    gate_init(&g);
    cf_future *fs[4];
    for (int i = 0; i < 4; i++)
        fs[i] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 4), 0);
    gate_open(&g, 4);
    for (int i = 0; i < 4; i++) {
        cf_future_result(fs[i], CF_FOREVER, NULL, NULL);
        cf_future_release(fs[i]);
    }
    struct timespec t0, now, ms = {0, 1000 * 1000};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int running;
    for (;;) {
        running = other_running_threads();
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (running <= 0 || now.tv_sec - t0.tv_sec > 20) break;
        nanosleep(&ms, NULL);
    }
    fprintf(stderr, "idle pool: %d other threads still running after %.3f s\n", running,
            (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) * 1e-9);
    CHECK_EQ_INT(running, 0);
    double used = 1;
    for (int w = 0; w < 5 && used >= 0.1; w++) {
        double c0 = cpu_seconds();
        struct timespec ts = {0, 300 * 1000 * 1000};
        nanosleep(&ts, NULL);
        used = cpu_seconds() - c0;
        fprintf(stderr, "idle pool used %.3f s CPU in 0.3 s\n", used);
    }
    CHECK(used < 0.1);
    cf_executor_free(ex);
    gate_destroy(&g);
}

int main(void) {
    RUN(test_submit_result);
    RUN(test_max_workers);
    RUN(test_lazy_threads);
    RUN(test_shutdown);
    RUN(test_initializer);
    RUN(test_thread_names);
    RUN(test_executor_null);
    RUN(test_nested_submit);
    RUN(test_memory_flat);
    RUN(test_idle_pool_sleeps);
    RUN(test_shutdown_from_task);
    return check_summary();
}
