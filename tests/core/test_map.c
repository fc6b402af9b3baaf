/* test_map: cf_map / cf_map_array (spec item 11) on the thread pool. */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>

enum { N = 100 };
static int vals[N];
static const void *args[N];
static size_t lens[N];

static void setup(void) {
    for (int i = 0; i < N; i++) {
        vals[i] = i;
        args[i] = &vals[i];
        lens[i] = sizeof vals[i];
    }
}

static int drain(cf_map_iter *it, int *got, int max, int *rc_end) {
    int n = 0;
    const void *d;
    size_t l;
    int rc;
    while ((rc = cf_map_next(it, &d, &l)) == 0) {
        int x = -1;
        if (l == sizeof x) memcpy(&x, d, sizeof x);
        if (n < max) got[n] = x;
        n++;
    }
    *rc_end = rc;
    return n;
}

static void test_order_and_chunks(void) {
    cf_executor *ex = pool(4);
    int chunks[] = {0, 1, 2, 3, 7, 99, 100, 1000};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        cf_map_opts o = {.chunksize = chunks[c]};
        cf_map_iter *it;
        CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, &o, &it), 0);
        int got[N], rc;
        int n = drain(it, got, N, &rc);
        CHECK_EQ_INT(n, N);
        CHECK_EQ_INT(rc, CF_EEOF);
        int bad = 0;
        for (int i = 0; i < N && i < n; i++)
            if (got[i] != i * i) bad++;
        CHECK_EQ_INT(bad, 0);
        CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_EEOF);
        CHECK_EQ_INT(cf_map_error(it, NULL, NULL), 0);
        cf_map_free(it);
    }
    /* empty input */
    cf_map_iter *it;
    CHECK_EQ_INT(cf_map_array(ex, task_square, NULL, NULL, 0, NULL, &it), 0);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_EEOF);
    cf_map_free(it);
    /* empty and variable-size values, chunked */
    const void *a2[3] = {"", "abc", NULL};
    size_t l2[3] = {0, 4, 0};
    for (int cs = 1; cs <= 3; cs++) {
        cf_map_opts o = {.chunksize = cs};
        CHECK_EQ_INT(cf_map_array(ex, task_echo, a2, l2, 3, &o, &it), 0);
        const void *d;
        size_t l;
        CHECK_EQ_INT(cf_map_next(it, &d, &l), 0);
        CHECK_EQ_INT(l, 0);
        CHECK_EQ_INT(cf_map_next(it, &d, &l), 0);
        CHECK_EQ_INT(l, 4);
        CHECK_EQ_STR((const char *)d, "abc");
        CHECK_EQ_INT(cf_map_next(it, &d, &l), 0);
        CHECK_EQ_INT(l, 0);
        CHECK_EQ_INT(cf_map_next(it, &d, &l), CF_EEOF);
        cf_map_free(it);
    }
    cf_executor_free(ex);
}

static void test_submits_at_call_time(void) {
    cf_executor *ex = pool(2);
    cf_map_iter *it;
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, NULL, &it), 0);
    CHECK_EQ_INT(stats(ex).tasks_submitted, N); /* before any cf_map_next */
    cf_map_free(it);
    cf_executor_shutdown(ex, true, false);
    cf_executor_free(ex);

    ex = pool(2);
    cf_map_opts o = {.chunksize = 10};
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, &o, &it), 0);
    CHECK_EQ_INT(stats(ex).tasks_submitted, N / 10);
    cf_map_free(it);
    cf_executor_free(ex);
}

static void test_failure_cancels_rest(void) {
    /* item 40 fails; items before it are yielded, the failure surfaces at
     * 40, everything after is cancelled, then CF_EEOF. */
    int chunks[] = {1, 3, 8};
    for (size_t c = 0; c < 3; c++) {
        cf_executor *ex = pool(1);
        gate g;
        gate_init(&g);
        cf_future *blocker = submit_gate(ex, &g); /* hold the only worker */
        CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
        int v[N];
        const void *a[N];
        for (int i = 0; i < N; i++) {
            v[i] = i == 40 ? -5 : i;
            a[i] = &v[i];
        }
        cf_map_opts o = {.chunksize = chunks[c]};
        cf_map_iter *it;
        CHECK_EQ_INT(cf_map_array(ex, task_square_or_fail, a, lens, N, &o, &it), 0);
        /* let the worker run exactly up to the failing item: we cannot
         * stop it mid-way without a gate, so release and check outcomes */
        gate_open(&g, 1);
        int got[N], rc;
        int n = drain(it, got, N, &rc);
        CHECK_EQ_INT(n, 40);
        CHECK_EQ_INT(rc, CF_ETASK);
        int code = 0;
        const char *msg = NULL;
        CHECK_EQ_INT(cf_map_error(it, &code, &msg), CF_ETASK);
        CHECK_EQ_INT(code, 5);
        CHECK_EQ_STR(msg, "negative input -5");
        CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_EEOF);
        cf_map_free(it);
        cf_future_release(blocker);
        cf_executor_free(ex);
        gate_destroy(&g);
    }

    /* deterministic cancellation: a blocked item fails the map via
     * timeout while later items are still queued -> they are cancelled */
    cf_executor *ex = pool(1);
    gate g;
    gate_init(&g);
    cf_future *blocker = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    cf_map_opts o = {.has_timeout = true, .timeout = 0.05};
    cf_map_iter *it;
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, 10, &o, &it), 0);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_ETIMEDOUT);
    int code;
    CHECK_EQ_INT(cf_map_error(it, &code, NULL), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_EEOF);
    gate_open(&g, 1);
    cf_future_result(blocker, CF_FOREVER, NULL, NULL);
    cf_executor_shutdown(ex, true, false);
    cf_executor_stats st = stats(ex);
    CHECK_EQ_INT(st.tasks_cancelled, 10); /* none of the map's tasks ran */
    CHECK_EQ_INT(st.tasks_completed, 1);
    cf_map_free(it);
    cf_future_release(blocker);
    cf_executor_free(ex);
    gate_destroy(&g);
}

static void test_timeout_from_call(void) {
    /* timeout 0: already expired when the first item is awaited and not done */
    cf_executor *ex = pool(1);
    gate g;
    gate_init(&g);
    cf_future *blocker = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    cf_map_opts o = {.has_timeout = true, .timeout = 0};
    cf_map_iter *it;
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, 3, &o, &it), 0);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_ETIMEDOUT);
    cf_map_free(it);
    /* the deadline counts from the call, not from cf_map_next: sleep past
     * it while the worker is blocked; next() must then fail at once
     * instead of waiting another second */
    o.timeout = 1.0;
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, 3, &o, &it), 0);
    struct timespec ts = {1, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    CHECK(waited < 0.8);
    cf_map_free(it);
    gate_open(&g, 1);
    cf_future_result(blocker, CF_FOREVER, NULL, NULL);
    int rc;
    /* negative timeout = none */
    o.timeout = -1;
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, 3, &o, &it), 0);
    int got[3];
    CHECK_EQ_INT(drain(it, got, 3, &rc), 3);
    CHECK_EQ_INT(rc, CF_EEOF);
    cf_map_free(it);
    cf_future_release(blocker);
    cf_executor_free(ex);
    gate_destroy(&g);
}

/* An endless input: 0, 1, 2, ... */
struct counter {
    int next;
    int value;
};
static int endless(void *state, const void **arg, size_t *len) {
    struct counter *c = state;
    c->value = c->next++;
    *arg = &c->value;
    *len = sizeof c->value;
    return 1;
}

static void test_buffersize(void) {
    cf_executor *ex = pool(2);
    int bs[] = {1, 4};
    int cs[] = {1, 3};
    for (int b = 0; b < 2; b++)
        for (int c = 0; c < 2; c++) {
            struct counter ctr = {0, 0};
            cf_map_opts o = {.buffersize = bs[b], .chunksize = cs[c]};
            cf_map_iter *it;
            uint64_t sub0 = stats(ex).tasks_submitted;
            CHECK_EQ_INT(cf_map(ex, task_square, endless, &ctr, &o, &it), 0);
            CHECK_EQ_INT(stats(ex).tasks_submitted - sub0, bs[b]);
            int bad = 0;
            for (int i = 0; i < 50; i++) {
                const void *d;
                size_t l;
                int x = -1;
                if (cf_map_next(it, &d, &l) != 0)
                    bad++;
                else
                    memcpy(&x, d, sizeof x);
                if (x != i * i) bad++;
                /* at most buffersize tasks not yet yielded */
                uint64_t sub = stats(ex).tasks_submitted - sub0;
                uint64_t yielded_tasks = (uint64_t)(i + 1) / (uint64_t)cs[c];
                if (sub > yielded_tasks + (uint64_t)bs[b] + 1) bad++;
            }
            CHECK_EQ_INT(bad, 0);
            cf_map_free(it);
        }
    cf_executor_free(ex);
}

static int failing_input_calls;
static int failing_input(void *state, const void **arg, size_t *len) {
    (void)state;
    if (failing_input_calls++ == 3) return CF_ENOMEM;
    *arg = &vals[2];
    *len = sizeof vals[2];
    return 1;
}

static void test_input_error(void) {
    cf_executor *ex = pool(2);
    cf_map_iter *it = (cf_map_iter *)1;
    failing_input_calls = 0;
    CHECK_EQ_INT(cf_map(ex, task_square, failing_input, NULL, NULL, &it), CF_ENOMEM);
    CHECK(it == NULL);
    /* with a look-ahead the error surfaces in order */
    failing_input_calls = 0;
    cf_map_opts o = {.buffersize = 2};
    CHECK_EQ_INT(cf_map(ex, task_square, failing_input, NULL, &o, &it), 0);
    int got[8], rc;
    CHECK_EQ_INT(drain(it, got, 8, &rc), 3);
    CHECK_EQ_INT(rc, CF_ENOMEM);
    CHECK_EQ_INT(cf_map_error(it, NULL, NULL), CF_ENOMEM);
    CHECK_EQ_INT(cf_map_next(it, NULL, NULL), CF_EEOF);
    cf_map_free(it);
    cf_executor_free(ex);
}

static void test_map_bad_input(void) {
    cf_executor *ex = pool(1);
    cf_map_iter *it = (cf_map_iter *)1;
    cf_map_opts o = {.chunksize = -1};
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, &o, &it), CF_EINVAL);
    CHECK(it == NULL);
    o = (cf_map_opts){.buffersize = -1};
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, &o, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_array(NULL, task_square, args, lens, N, NULL, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_array(ex, NULL, args, lens, N, NULL, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_array(ex, task_square, NULL, lens, N, NULL, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, NULL, N, NULL, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, NULL, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_map(ex, task_square, NULL, NULL, NULL, &it), CF_EINVAL);
    CHECK_EQ_INT(cf_map_next(NULL, NULL, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_map_error(NULL, NULL, NULL), 0);
    cf_map_free(NULL);
    cf_executor_shutdown(ex, true, false);
    CHECK_EQ_INT(cf_map_array(ex, task_square, args, lens, N, NULL, &it), CF_ESHUTDOWN);
    CHECK(it == NULL);
    cf_executor_free(ex);
}

int main(void) {
    setup();
    RUN(test_order_and_chunks);
    RUN(test_submits_at_call_time);
    RUN(test_failure_cancels_rest);
    RUN(test_timeout_from_call);
    RUN(test_buffersize);
    RUN(test_input_error);
    RUN(test_map_bad_input);
    return check_summary();
}
