/*
 * test_too_big.c — spec 17: an argument above CF_PROCESS_MAX_BYTES is
 * refused with CF_ETOOBIG, a result above it fails only its own future with
 * CF_ETOOBIG; big but legal payloads cross intact; the pool stays usable.
 */
#include "proc_test.h"

static void t_big_result(const void *arg, size_t len, cf_out *out) {
    uint64_t n;
    if (len != sizeof n) return;
    memcpy(&n, arg, sizeof n);
    unsigned char *p = cf_out_alloc(out, (size_t)n);
    if (p)
        for (uint64_t i = 0; i < n; i += 4096)
            p[i] = (unsigned char)(i >> 12);
}

/* Returns the sum of the bytes of its argument. */
static void t_sum(const void *arg, size_t len, cf_out *out) {
    uint64_t s = 0;
    const unsigned char *p = arg;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    cf_out_set(out, &s, sizeof s);
}

static void test_too_big(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    size_t limit = CF_PROCESS_MAX_BYTES;
    unsigned char *big = calloc(1, limit + 1);
    CHECK(big != NULL);
    cf_future *f = NULL, *ok;
    uint64_t x = 9;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &ok), 0);
    CHECK_EQ_INT(cf_submit(ex, t_sum, big, limit + 1, &f), CF_ETOOBIG);
    CHECK(f == NULL);
    CHECK(pt_u64(ok) == 81);
    cf_future_release(ok);

    /* A legal 16 MiB argument, and a 64 MiB (limit) result, cross intact. */
    size_t n = 16u << 20;
    uint64_t want = 0;
    for (size_t i = 0; i < n; i++) {
        big[i] = (unsigned char)(i * 31 + 7);
        want += big[i];
    }
    CHECK_EQ_INT(cf_submit(ex, t_sum, big, n, &f), 0);
    CHECK(pt_u64(f) == want);
    cf_future_release(f);
    free(big);

    uint64_t sz = limit;
    CHECK_EQ_INT(cf_submit(ex, t_big_result, &sz, sizeof sz, &f), 0);
    const void *d;
    size_t len = 0;
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, &d, &len), 0);
    CHECK(len == limit);
    if (len == limit) CHECK(((const unsigned char *)d)[4096 * 5] == 5);
    cf_future_release(f);

    /* A result one byte too big fails only its own future. */
    sz = limit + 1;
    cf_future *g, *h;
    CHECK_EQ_INT(cf_submit(ex, t_big_result, &sz, sizeof sz, &g), 0);
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &h), 0);
    CHECK_EQ_INT(cf_future_result(g, PT_WAIT_S, NULL, NULL), CF_ETOOBIG);
    int code;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(g, &code, &msg), CF_ETOOBIG);
    CHECK(msg && strstr(msg, "limit"));
    CHECK(pt_u64(h) == 81);
    cf_future_release(g);
    cf_future_release(h);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.workers_replaced, 0); /* nobody died */
    cf_executor_free(ex);
}

int main(void) {
    pt_setup();
    RUN(test_too_big);
    return check_summary();
}
