/*
 * mpi_executor_test.c — the MPI executor under `mpirun -np 3` (run by
 * tests/mpi/test_mpi_executor.sh): primes answers, map order with and
 * without chunks, as_completed across an MPI and a thread executor, a task
 * error, an unregistered function, a failing initializer, cancel before
 * send, shutdown with queued tasks (cancelled, and run), two executors at
 * once. Blocking is deterministic: the `gate` task blocks its worker on a
 * named FIFO until the client writes one byte to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cf_mpi.h"
#include "check.h"

static bool is_prime(uint64_t n) {
    if (n < 2) return false;
    if (n % 2 == 0) return n == 2;
    for (uint64_t d = 3; d * d <= n; d += 2)
        if (n % d == 0) return false;
    return true;
}

static void prime_task(const void *arg, size_t len, cf_out *out) {
    uint64_t n;
    if (len != sizeof n) {
        cf_out_error(out, 1, "bad argument");
        return;
    }
    memcpy(&n, arg, sizeof n);
    uint8_t r = is_prime(n);
    cf_out_set(out, &r, 1);
}

static void square_task(const void *arg, size_t len, cf_out *out) {
    int64_t x;
    memcpy(&x, arg, sizeof x);
    (void)len;
    x *= x;
    cf_out_set(out, &x, sizeof x);
}

static void fail_task(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len;
    cf_out_error(out, 42, "boom on rank %d", cf_mpi_rank());
}

static void rank_task(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len;
    int32_t r = cf_mpi_rank();
    cf_out_set(out, &r, sizeof r);
}

/* Blocks until the client writes a byte into the FIFO named by arg. */
static void gate_task(const void *arg, size_t len, cf_out *out) {
    char path[256];
    snprintf(path, sizeof path, "%.*s", (int)len, (const char *)arg);
    int fd = open(path, O_RDONLY);
    char c = 0;
    if (fd < 0 || read(fd, &c, 1) != 1) {
        cf_out_error(out, errno, "gate %s: %s", path, strerror(errno));
    } else {
        cf_out_set(out, &c, 1);
    }
    if (fd >= 0) close(fd);
}

static void not_registered(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
}

static int init_fail(const void *arg, size_t len) {
    (void)arg, (void)len;
    return 7;
}

static int tagged_init(const void *arg, size_t len) {
    return len == 5 && !memcmp(arg, "hello", 5) ? 0 : 1;
}

static char fifo[128];

static void open_gate(void) {
    int fd = open(fifo, O_WRONLY);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "x", 1) == 1);
        close(fd);
    }
}

/* Bounded polling until the client sent f to a worker (RUNNING). */
static bool wait_running(cf_future *f) {
    for (int i = 0; i < 60000 && cf_future_state(f) == CF_PENDING; i++)
        usleep(1000);
    return cf_future_state(f) != CF_PENDING;
}

static void test_primes(void) {
    static const uint64_t nums[] = {2,
                                    3,
                                    4,
                                    1000003,
                                    142702110479723ULL,
                                    299593572317531ULL,
                                    3333333333333333ULL,
                                    4444444444444444ULL,
                                    999999999989ULL,
                                    999999999999ULL};
    size_t n = sizeof nums / sizeof nums[0];
    cf_executor *ex;
    CHECK_EQ_INT(cf_mpi_executor_new(NULL, &ex), 0);
    CHECK_EQ_STR(cf_executor_kind(ex), "mpi");
    CHECK_EQ_INT(cf_executor_max_workers(ex), 2);
    cf_future *fs[16];
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(cf_submit(ex, prime_task, &nums[i], sizeof nums[i], &fs[i]), 0);
    for (size_t i = 0; i < n; i++) {
        const void *d;
        size_t l;
        CHECK_EQ_INT(cf_future_result(fs[i], 60, &d, &l), 0);
        CHECK_EQ_INT(l, 1);
        if (l == 1) CHECK_EQ_INT(*(const uint8_t *)d, is_prime(nums[i]));
        cf_future_release(fs[i]);
    }
    /* both worker ranks take part */
    bool seen[3] = {false, false, false};
    cf_future *rs[64];
    for (int i = 0; i < 64; i++)
        CHECK_EQ_INT(cf_submit(ex, rank_task, NULL, 0, &rs[i]), 0);
    for (int i = 0; i < 64; i++) {
        const void *d;
        size_t l;
        if (cf_future_result(rs[i], 60, &d, &l) == 0 && l == 4) {
            int32_t r;
            memcpy(&r, d, 4);
            if (r >= 0 && r < 3) seen[r] = true;
        }
        cf_future_release(rs[i]);
    }
    CHECK(!seen[0]);
    CHECK(seen[1] || seen[2]);
    cf_executor_stats st;
    CHECK_EQ_INT(cf_executor_stats_get(ex, &st), 0);
    CHECK_EQ_INT(st.tasks_submitted, n + 64);
    CHECK_EQ_INT(st.tasks_completed, n + 64);
    cf_executor_free(ex);
}

static void test_map_order(void) {
    cf_executor *ex;
    CHECK_EQ_INT(cf_mpi_executor_new(NULL, &ex), 0);
    enum { N = 200 };
    static int64_t xs[N];
    static const void *args[N];
    static size_t lens[N];
    for (int i = 0; i < N; i++) {
        xs[i] = i - 50;
        args[i] = &xs[i];
        lens[i] = sizeof xs[i];
    }
    for (int chunk = 1; chunk <= 7; chunk += 6) {
        cf_map_opts o = {.chunksize = chunk};
        cf_map_iter *it;
        CHECK_EQ_INT(cf_map_array(ex, square_task, args, lens, N, &o, &it), 0);
        int i = 0, bad = 0;
        const void *d;
        size_t l;
        int rc;
        while ((rc = cf_map_next(it, &d, &l)) == 0) {
            int64_t v;
            memcpy(&v, d, sizeof v);
            if (l != sizeof v || v != xs[i] * xs[i]) bad++;
            i++;
        }
        CHECK_EQ_INT(rc, CF_EEOF);
        CHECK_EQ_INT(i, N);
        CHECK_EQ_INT(bad, 0);
        cf_map_free(it);
    }
    /* a map over an unregistered function is refused, chunked or not */
    cf_map_opts o = {.chunksize = 4};
    cf_map_iter *it = NULL;
    CHECK_EQ_INT(cf_map_array(ex, not_registered, args, lens, 8, &o, &it), CF_ENOTSUP);
    cf_executor_free(ex);
}

static void test_as_completed_mixed(void) {
    cf_executor *mx, *tx;
    CHECK_EQ_INT(cf_mpi_executor_new(NULL, &mx), 0);
    CHECK_EQ_INT(cf_thread_pool_new(NULL, &tx), 0);
    enum { N = 20 };
    cf_future *fs[2 * N];
    for (int i = 0; i < N; i++) {
        int64_t x = i;
        CHECK_EQ_INT(cf_submit(mx, square_task, &x, sizeof x, &fs[2 * i]), 0);
        CHECK_EQ_INT(cf_submit(tx, square_task, &x, sizeof x, &fs[2 * i + 1]), 0);
        cf_future_set_tag(fs[2 * i], (uintptr_t)(2 * i));
        cf_future_set_tag(fs[2 * i + 1], (uintptr_t)(2 * i + 1));
    }
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(fs, 2 * N, 60, &ac), 0);
    bool seen[2 * N] = {false};
    int count = 0, wrong = 0;
    cf_future *f;
    while (cf_as_completed_next(ac, &f) == 0) {
        uintptr_t k = cf_future_tag(f);
        if (k < 2 * N && !seen[k]) {
            seen[k] = true;
            count++;
        }
        const void *d;
        size_t l;
        int64_t v = -1;
        if (cf_future_result(f, 0, &d, &l) == 0 && l == 8) memcpy(&v, d, 8);
        if (v != (int64_t)(k / 2) * (int64_t)(k / 2)) wrong++;
    }
    CHECK_EQ_INT(count, 2 * N);
    CHECK_EQ_INT(wrong, 0);
    CHECK_EQ_INT(cf_as_completed_pending(ac), 0);
    cf_as_completed_free(ac);
    /* cf_wait over the same mix */
    size_t nd = 0, nn = 0;
    cf_future *done[2 * N], *nd_[2 * N];
    CHECK_EQ_INT(cf_wait(fs, 2 * N, 10, CF_ALL_COMPLETED, done, &nd, nd_, &nn), 0);
    CHECK_EQ_INT(nd, 2 * N);
    for (int i = 0; i < 2 * N; i++)
        cf_future_release(fs[i]);
    cf_executor_free(mx);
    cf_executor_free(tx);
}

static void test_task_error(void) {
    cf_executor *ex;
    CHECK_EQ_INT(cf_mpi_executor_new(NULL, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, fail_task, NULL, 0, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 60, NULL, NULL), CF_ETASK);
    int code = 0;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 42);
    CHECK(msg && !strncmp(msg, "boom on rank ", 13));
    cf_future_release(f);
    /* the executor carries on after a task error */
    int64_t x = 9;
    CHECK_EQ_INT(cf_submit(ex, square_task, &x, sizeof x, &f), 0);
    const void *d;
    size_t l;
    CHECK_EQ_INT(cf_future_result(f, 60, &d, &l), 0);
    cf_future_release(f);
    /* not registered: refused at submit */
    f = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(ex, not_registered, NULL, 0, &f), CF_ENOTSUP);
    CHECK(f == NULL);
    cf_executor_free(ex);
}

static void test_init(void) {
    cf_mpi_opts o = {.initializer = "init_fail"};
    cf_executor *ex;
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), 0);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){3}, 8, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 60, NULL, NULL), CF_EBROKEN);
    int code;
    const char *msg = "";
    cf_future_error(f, &code, &msg);
    CHECK(strstr(msg, "initializer init_fail failed on rank") != NULL);
    cf_future_release(f);
    cf_executor_free(ex);
    o.initializer = "no_such_init";
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), CF_EINVAL);
    o = (cf_mpi_opts){.max_workers = 3};
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), CF_EINVAL);
    o = (cf_mpi_opts){.initializer = "tagged", .initarg = "hello", .initarg_len = 5};
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), 0);
    CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){3}, 8, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, 60, NULL, NULL), 0);
    cf_future_release(f);
    cf_executor_free(ex);
}

/* One worker, one task in flight: the second task stays on the client. */
static void test_cancel_before_send(void) {
    cf_mpi_opts o = {.max_workers = 1, .lookahead = 1};
    cf_executor *ex;
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), 0);
    cf_future *a, *b, *c;
    CHECK_EQ_INT(cf_submit(ex, gate_task, fifo, strlen(fifo), &a), 0);
    CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){4}, 8, &b), 0);
    CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){5}, 8, &c), 0);
    CHECK(cf_future_cancel(b));
    CHECK(cf_future_cancelled(b));
    open_gate();
    const void *d;
    size_t l;
    CHECK_EQ_INT(cf_future_result(a, 60, &d, &l), 0);
    CHECK(!cf_future_cancel(a)); /* finished */
    CHECK_EQ_INT(cf_future_result(c, 60, &d, &l), 0);
    CHECK(l == 8 && *(const int64_t *)d == 25);
    CHECK_EQ_INT(cf_future_result(b, 0, NULL, NULL), CF_ECANCELLED);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.tasks_cancelled, 1);
    cf_future_release(a);
    cf_future_release(b);
    cf_future_release(c);
    cf_executor_free(ex);
}

static void test_shutdown_queued(void) {
    cf_mpi_opts o = {.max_workers = 1, .lookahead = 1};
    cf_executor *ex;
    /* cancel_futures: what was not sent is cancelled, the running task ends */
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), 0);
    cf_future *a, *q[5];
    CHECK_EQ_INT(cf_submit(ex, gate_task, fifo, strlen(fifo), &a), 0);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){i}, 8, &q[i]), 0);
    CHECK(wait_running(a));
    CHECK_EQ_INT(cf_executor_shutdown(ex, false, true), 0);
    for (int i = 0; i < 5; i++)
        CHECK(cf_future_cancelled(q[i]));
    cf_future *late = (cf_future *)1;
    CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){1}, 8, &late), CF_ESHUTDOWN);
    CHECK(late == NULL);
    open_gate();
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    CHECK_EQ_INT(cf_future_result(a, 0, NULL, NULL), 0);
    cf_future_release(a);
    for (int i = 0; i < 5; i++)
        cf_future_release(q[i]);
    cf_executor_free(ex);
    /* without cancel: shutdown(wait) runs every queued task first */
    CHECK_EQ_INT(cf_mpi_executor_new(&o, &ex), 0);
    cf_future *r[50];
    for (int i = 0; i < 50; i++)
        CHECK_EQ_INT(cf_submit(ex, square_task, &(int64_t){i}, 8, &r[i]), 0);
    CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
    int ok = 0;
    for (int i = 0; i < 50; i++) {
        ok += cf_future_done(r[i]) && cf_future_result(r[i], 0, NULL, NULL) == 0;
        cf_future_release(r[i]);
    }
    CHECK_EQ_INT(ok, 50);
    cf_executor_free(ex);
}

static void test_two_executors(void) {
    cf_executor *e1, *e2;
    cf_mpi_opts o1 = {.max_workers = 1}, o2 = {0};
    CHECK_EQ_INT(cf_mpi_executor_new(&o1, &e1), 0);
    CHECK_EQ_INT(cf_mpi_executor_new(&o2, &e2), 0);
    cf_future *a[100], *b[100];
    for (int i = 0; i < 100; i++) {
        CHECK_EQ_INT(cf_submit(e1, square_task, &(int64_t){i}, 8, &a[i]), 0);
        CHECK_EQ_INT(cf_submit(e2, square_task, &(int64_t){i + 1}, 8, &b[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        const void *d;
        size_t l;
        ok += cf_future_result(a[i], 60, &d, &l) == 0 && *(const int64_t *)d == (int64_t)i * i;
        ok += cf_future_result(b[i], 60, &d, &l) == 0 &&
              *(const int64_t *)d == (int64_t)(i + 1) * (i + 1);
        cf_future_release(a[i]);
        cf_future_release(b[i]);
    }
    CHECK_EQ_INT(ok, 200);
    CHECK_EQ_INT(cf_mpi_finalize(), CF_ESTATE); /* executors still open */
    cf_executor_free(e1);
    cf_executor_free(e2);
}

int main(int argc, char **argv) {
    cf_mpi_register_task("prime", prime_task);
    cf_mpi_register_task("square", square_task);
    cf_mpi_register_task("fail", fail_task);
    cf_mpi_register_task("rank", rank_task);
    cf_mpi_register_task("gate", gate_task);
    cf_mpi_register_init("init_fail", init_fail);
    cf_mpi_register_init("tagged", tagged_init);
    int rank = -1;
    int rc = cf_mpi_init(&argc, &argv, &rank);
    if (rc) {
        fprintf(stderr, "cf_mpi_init: %s\n", cf_strerror(rc));
        return 1;
    }
    if (rank > 0) return cf_mpi_serve() ? 1 : 0;
    CHECK_EQ_INT(cf_mpi_world_size(), 3);
    CHECK_EQ_INT(cf_mpi_register_task("late", square_task), CF_EINVAL);
    const char *host = NULL;
    int pid = 0;
    CHECK_EQ_INT(cf_mpi_rank_info(1, &host, &pid, NULL), 0);
    CHECK(host && *host && pid > 0);
    snprintf(fifo, sizeof fifo, "/tmp/cf-mpi-gate-%d", (int)getpid());
    unlink(fifo);
    CHECK_EQ_INT(mkfifo(fifo, 0600), 0);
    RUN(test_primes);
    RUN(test_map_order);
    RUN(test_as_completed_mixed);
    RUN(test_task_error);
    RUN(test_init);
    RUN(test_cancel_before_send);
    RUN(test_shutdown_queued);
    RUN(test_two_executors);
    unlink(fifo);
    CHECK_EQ_INT(cf_mpi_finalize(), 0);
    return check_summary();
}
