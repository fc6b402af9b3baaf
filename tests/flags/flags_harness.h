/* flags_harness.h — what the flags workload tests share (test_flags.c,
 * test_flags3.c): run a task list of the flags workload in one mode and
 * leave a resolved future per task, a refused loopback port, removing a
 * flat output directory. Header-only (static functions): include once per
 * test, after check.h.
 *
 * Threads. seq runs the tasks in the caller; thread/process mode a cfutures
 * pool whose initializer does the workload's worker setup (g_p: the params,
 * set before the pool starts, read-only after); async a cf_loop on a thread
 * of its own, which opens the flags driver, starts every task and, once
 * the caller has seen all futures done, records the driver's peak in
 * flight and closes it (actx is only touched on the loop thread between
 * the two calls). Every wait is bounded (120 s): a hang is a failed check. */
#ifndef CFB_TEST_FLAGS_HARNESS_H
#define CFB_TEST_FLAGS_HARNESS_H

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_loop.h"
#include "cfutures.h"
#include "flags/flags.h"
#include "flags/flags_internal.h"

static const cfb_params *g_p;
static int init_fn(void *arg) {
    (void)arg;
    return cfb_workload_flags.worker_setup(g_p);
}
static void fini_fn(void *arg) {
    (void)arg;
    cfb_workload_flags.worker_teardown();
}

typedef struct actx {
    const cfb_tasklist *tl;
    cf_future **fs;
    int max;
    void *drv;
    int rc;
    size_t peak;
} actx;

static void a_start(cf_loop *l, void *arg) {
    actx *a = arg;
    a->rc = cfb_flags_async.open(l, g_p, a->max, &a->drv);
    for (size_t i = 0; i < a->tl->n && !a->rc; i++)
        a->rc = cfb_flags_async.start(a->drv, a->tl->tasks[i].arg, a->tl->tasks[i].len, a->fs[i]);
}
static void a_close(cf_loop *l, void *arg) {
    actx *a = arg;
    a->peak = cfb_flags_async_peak(a->drv);
    cfb_flags_async.close(a->drv);
    cf_loop_stop(l);
}
static void *a_loop(void *arg) {
    cf_loop_run(arg);
    return NULL;
}

/* Run tl (borrowed) in mode with `workers` (in flight for async), params p
 * (borrowed, must outlive the call). fs[0..tl->n) receives one finished
 * future per task (the caller releases them). Thread and process mode wait
 * with cf_as_completed when as_completed is set, else with cf_wait. Returns
 * the async driver's own peak in flight (0 in the other modes). */
static size_t flags_run_mode(const char *mode, int workers, const cfb_params *p,
                             const cfb_tasklist *tl, cf_future **fs, bool as_completed) {
    size_t peak = 0;
    g_p = p;
    if (!strcmp(mode, "seq")) {
        cfb_workload_flags.worker_setup(p);
        for (size_t i = 0; i < tl->n; i++) {
            fs[i] = cf_future_new();
            cf_future_set_running(fs[i]);
            cf_run_task(fs[i], cfb_workload_flags.task, tl->tasks[i].arg, tl->tasks[i].len);
        }
        cfb_workload_flags.worker_teardown();
    } else if (!strcmp(mode, "async")) {
        cf_loop *l;
        CHECK_EQ_INT(cf_loop_new(&l), 0);
        for (size_t i = 0; i < tl->n; i++)
            fs[i] = cf_future_new();
        actx a = {.tl = tl, .fs = fs, .max = workers};
        pthread_t th;
        pthread_create(&th, NULL, a_loop, l);
        cf_loop_call_soon_threadsafe(l, a_start, &a);
        /* Plain cf_wait from another thread: the loop resolves ordinary futures. */
        size_t nd = 0;
        CHECK_EQ_INT(cf_wait(fs, tl->n, 120.0, CF_ALL_COMPLETED, NULL, &nd, NULL, NULL), 0);
        CHECK_EQ_INT(nd, tl->n);
        cf_loop_call_soon_threadsafe(l, a_close, &a);
        pthread_join(th, NULL);
        CHECK_EQ_INT(a.rc, 0);
        peak = a.peak;
        cf_loop_free(l);
    } else {
        cf_executor_opts eo = {
            .max_workers = workers, .initializer = init_fn, .finalizer = fini_fn};
        cf_executor *ex;
        int rc =
            !strcmp(mode, "process") ? cf_process_pool_new(&eo, &ex) : cf_thread_pool_new(&eo, &ex);
        CHECK_EQ_INT(rc, 0);
        for (size_t i = 0; i < tl->n; i++)
            CHECK_EQ_INT(
                cf_submit(ex, cfb_workload_flags.task, tl->tasks[i].arg, tl->tasks[i].len, &fs[i]),
                0);
        if (as_completed) {
            cf_as_completed *ac;
            CHECK_EQ_INT(cf_as_completed_new(fs, tl->n, 120.0, &ac), 0);
            cf_future *f;
            size_t got = 0;
            while (cf_as_completed_next(ac, &f) == 0)
                got++;
            CHECK_EQ_INT(got, tl->n);
            cf_as_completed_free(ac);
        } else {
            size_t nd = 0;
            CHECK_EQ_INT(cf_wait(fs, tl->n, 120.0, CF_ALL_COMPLETED, NULL, &nd, NULL, NULL), 0);
        }
        cf_executor_free(ex);
    }
    return peak;
}

/* A loopback port nothing listens on (bound, read, closed). */
static int refused_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t al = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    return ntohs(a.sin_port);
}

/* Remove dir and the files in it (no subdirectories). */
static void rmtree_flat(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char path[1200];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

#endif
