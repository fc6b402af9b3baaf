/*
 * test_map.c — spec 11 on the process pool: cf_map yields results in input
 * order, chunked (several chunk sizes) equals unchunked, a failing item
 * surfaces with its code and message and cancels the rest.
 */
#include "proc_test.h"

static void t_sq_or_fail(const void *arg, size_t len, cf_out *out) {
    uint64_t x;
    memcpy(&x, arg, sizeof x);
    (void)len;
    if (x == 777) {
        cf_out_error(out, 777, "item %llu refused", (unsigned long long)x);
        return;
    }
    uint64_t y = x * x + 1;
    cf_out_set(out, &y, sizeof y);
}

enum { N = 2000 };
static uint64_t xs[N];
static const void *args[N];
static size_t lens[N];

static int run_map(cf_executor *ex, int chunksize, uint64_t *res, size_t *nres, int *code,
                   char *msg) {
    cf_map_iter *it = NULL;
    cf_map_opts mo = {.chunksize = chunksize, .has_timeout = true, .timeout = PT_WAIT_S};
    int rc = cf_map_array(ex, t_sq_or_fail, args, lens, N, &mo, &it);
    if (rc) return rc;
    *nres = 0;
    const void *d;
    size_t n;
    while ((rc = cf_map_next(it, &d, &n)) == 0) {
        if (n == sizeof(uint64_t)) memcpy(&res[*nres], d, n);
        (*nres)++;
    }
    if (rc != CF_EEOF) {
        const char *m = "";
        cf_map_error(it, code, &m);
        snprintf(msg, 128, "%s", m);
    }
    cf_map_free(it);
    return rc == CF_EEOF ? 0 : rc;
}

static void test_map_chunks(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    for (int i = 0; i < N; i++) {
        xs[i] = (uint64_t)i * 3 + 1; /* never 777 */
        args[i] = &xs[i];
        lens[i] = sizeof xs[i];
    }
    static uint64_t ref[N], got[N];
    size_t nref = 0, ngot = 0;
    int code = 0;
    char msg[128] = "";
    CHECK_EQ_INT(run_map(ex, 1, ref, &nref, &code, msg), 0);
    CHECK_EQ_INT(nref, N);
    for (int i = 0; i < N; i++)
        CHECK(ref[i] == xs[i] * xs[i] + 1);
    int sizes[] = {2, 7, 100, 5000};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        memset(got, 0, sizeof got);
        CHECK_EQ_INT(run_map(ex, sizes[k], got, &ngot, &code, msg), 0);
        CHECK_EQ_INT(ngot, N);
        CHECK(memcmp(got, ref, sizeof ref) == 0);
    }
    /* A failing item in the middle: N/2 results, then its error. */
    xs[N / 2] = 777;
    for (int cs = 1; cs <= 64; cs *= 8) {
        ngot = 0;
        CHECK_EQ_INT(run_map(ex, cs, got, &ngot, &code, msg), CF_ETASK);
        CHECK_EQ_INT(ngot, N / 2);
        CHECK_EQ_INT(code, 777);
        CHECK_EQ_STR(msg, "item 777 refused");
    }
    cf_executor_free(ex);
}

int main(void) {
    pt_setup();
    RUN(test_map_chunks);
    return check_summary();
}
