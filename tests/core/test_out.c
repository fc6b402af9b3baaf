/*
 * test_out: cf_out_set() given bytes inside the task's own cf_out_alloc()
 * buffer (issue 14, item 5). Before the fix cf_out_set(out, p + 4, 8) was a
 * memcpy between overlapping ranges: undefined behaviour that ASan reports
 * as memcpy-param-overlap (the test then dies under ASan); the bytes are
 * checked here in every build. A range that starts inside the buffer and
 * runs past its end is refused with CF_EINVAL (before the fix: a heap read
 * past the buffer, and the value silently made of bytes the task never set).
 */
#include "check.h"
#include "core_helpers.h"

#include <stdint.h>

/* The status cf_out_set() returned inside the last task run (each task
 * here runs synchronously or is waited for before it is read). */
static atomic_int set_rc;

/* Fills a 16-byte buffer with 0..15, then keeps bytes [off, off + len). The
 * argument is two size_t: off and len. */
static void task_keep(const void *arg, size_t arg_len, cf_out *out) {
    size_t ol[2];
    if (arg_len != sizeof ol) {
        cf_out_error(out, 22, "bad argument");
        return;
    }
    memcpy(ol, arg, sizeof ol);
    unsigned char *p = cf_out_alloc(out, 16);
    if (!p) return;
    for (int i = 0; i < 16; i++)
        p[i] = (unsigned char)i;
    atomic_store(&set_rc, cf_out_set(out, p + ol[0], ol[1]));
}

/* Runs task_keep(off, len) in this thread; returns the future (caller
 * releases it). */
static cf_future *run_keep(size_t off, size_t len) {
    size_t ol[2] = {off, len};
    cf_future *f = cf_future_new();
    CHECK(f != NULL);
    if (!f) return NULL;
    atomic_store(&set_rc, 12345);
    CHECK_EQ_INT(cf_run_task(f, task_keep, ol, sizeof ol), 0);
    return f;
}

/* Waits for f (at most 60 s); its value is exactly the n bytes first,
 * first + 1, ... */
static void check_bytes(cf_future *f, unsigned first, size_t n) {
    if (!f) return;
    const void *data = NULL;
    size_t len = 0;
    CHECK_EQ_INT(cf_future_result(f, 60, &data, &len), 0); /* bound, not a pace */
    CHECK_EQ_INT(len, n);
    if (len != n || !data) return;
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(b[i], first + i);
}

/* The case of the issue: a window in the middle, source after destination. */
static void test_overlap_middle(void) {
    cf_future *f = run_keep(4, 8);
    CHECK_EQ_INT(atomic_load(&set_rc), 0);
    check_bytes(f, 4, 8);
    cf_future_release(f);
}

/* The tail of the buffer, overlapping its own destination by 15 bytes. */
static void test_overlap_tail(void) {
    cf_future *f = run_keep(1, 15);
    CHECK_EQ_INT(atomic_load(&set_rc), 0);
    check_bytes(f, 1, 15);
    cf_future_release(f);
}

/* Source == destination: the whole buffer onto itself. */
static void test_same_range(void) {
    cf_future *f = run_keep(0, 16);
    CHECK_EQ_INT(atomic_load(&set_rc), 0);
    check_bytes(f, 0, 16);
    cf_future_release(f);
}

/* A range starting inside the buffer that runs past its end: CF_EINVAL and
 * nothing changes (the value stays the 16 bytes cf_out_alloc() gave). */
static void test_past_end(void) {
    cf_future *f = run_keep(8, 16);
    CHECK_EQ_INT(atomic_load(&set_rc), CF_EINVAL);
    check_bytes(f, 0, 16);
    cf_future_release(f);
}

/* An empty window inside the buffer: an empty value. */
static void test_empty(void) {
    cf_future *f = run_keep(3, 0);
    CHECK_EQ_INT(atomic_load(&set_rc), 0);
    check_bytes(f, 0, 0);
    cf_future_release(f);
}

/* The same through a thread pool, whose worker reuses one cf_out for many
 * tasks (the buffer's capacity can then exceed what cf_out_alloc asked). */
static void test_thread_pool(void) {
    cf_executor_opts o = {.max_workers = 1};
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    if (!ex) return;
    for (int round = 0; round < 3; round++) {
        size_t ol[2] = {(size_t)round * 2, 16 - (size_t)round * 4};
        cf_future *f = NULL;
        CHECK_EQ_INT(cf_submit(ex, task_keep, ol, sizeof ol, &f), 0);
        check_bytes(f, (unsigned)ol[0], ol[1]);
        cf_future_release(f);
    }
    cf_executor_shutdown(ex, true, false);
    cf_executor_free(ex);
}

int main(void) {
    RUN(test_overlap_middle);
    RUN(test_overlap_tail);
    RUN(test_same_range);
    RUN(test_past_end);
    RUN(test_empty);
    RUN(test_thread_pool);
    return check_summary();
}
