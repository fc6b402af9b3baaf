/*
 * test_future_cache: the per-pool future block cache (cf__fcache in
 * core/src/future.c) and the thread pool's use of it.
 *
 *   - a recycled block comes back as a fresh future: PENDING, no tag, no
 *     value or error, no callbacks or watchers of its past life, the
 *     references asked for;
 *   - a block returns to the cache only on the LAST release;
 *   - close with futures still alive: they stay usable, and their release
 *     frees them (the sanitizer builds check for leaks and use-after-free);
 *   - the cap: a burst of live futures above CF__FCACHE_CAP is given back
 *     to malloc on the next take that refills from the inbound list;
 *   - releases from several threads at once while the owner takes;
 *   - through the pool: a future kept alive is never handed out again,
 *     callbacks run once each on their own future across many reuses,
 *     futures outlive the pool that made them, cancelled futures recycle.
 * Deterministic: single-thread cache checks; threads joined; gates.
 */
#include "cfutures.h"
#include "check.h"
#include "core_helpers.h"
#include "internal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static void count_cb(cf_future *f, void *arg) {
    (void)f;
    atomic_fetch_add((_Atomic int *)arg, 1);
}

static void test_reuse_is_fresh(void) {
    cf__fcache *c = cf__fcache_new(32);
    CHECK(c != NULL);
    cf_future *f = cf__fcache_take(c, 1);
    CHECK(f != NULL);
    _Atomic int n1 = 0, n2 = 0;
    cf_future_set_tag(f, 77);
    CHECK_EQ_INT(cf_future_add_done_callback(f, count_cb, &n1), 0);
    CHECK_EQ_INT(cf_future_add_done_callback(f, count_cb, &n1), 0); /* one in the array too */
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 5, "boom"), 0);
    CHECK_EQ_INT(n1, 2);
    uintptr_t old = (uintptr_t)f;
    cf_future_release(f);
    CHECK_EQ_INT(cf__fcache_blocks(c), 1);

    cf_future *g = cf__fcache_take(c, 1);
    CHECK(g != NULL);
    CHECK((uintptr_t)g == old); /* LIFO: the block just released */
    CHECK_EQ_INT(cf__fcache_blocks(c), 1);
    CHECK_EQ_INT(cf_future_state(g), CF_PENDING);
    CHECK(!cf_future_done(g));
    CHECK_EQ_INT(cf_future_tag(g), 0);
    int code = -1;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(g, &code, &msg), 0);
    CHECK_EQ_INT(cf_future_result(g, 0, NULL, NULL), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_future_add_done_callback(g, count_cb, &n2), 0);
    CHECK_EQ_INT(cf_future_set_result(g, "xy", 3), 0);
    CHECK_EQ_INT(n1, 2); /* the old callbacks did not come back */
    CHECK_EQ_INT(n2, 1);
    const void *data;
    size_t len;
    CHECK_EQ_INT(cf_future_result(g, 0, &data, &len), 0);
    CHECK_EQ_INT(len, 3);
    CHECK_EQ_STR((const char *)data, "xy");
    cf_future_release(g);
    cf__fcache_close(c);
}

static void test_last_release_only(void) {
    cf__fcache *c = cf__fcache_new(0);
    cf_future *f = cf__fcache_take(c, 2);
    uintptr_t old = (uintptr_t)f;
    CHECK_EQ_INT(cf_future_set_result(f, "a", 2), 0);
    cf_future_release(f); /* one reference left: the block stays a future */
    CHECK(cf_future_done(f));
    cf_future *g = cf__fcache_take(c, 1); /* must be a new block */
    CHECK((uintptr_t)g != old);
    CHECK_EQ_INT(cf__fcache_blocks(c), 2);
    const void *data;
    CHECK_EQ_INT(cf_future_result(f, 0, &data, NULL), 0);
    CHECK_EQ_STR((const char *)data, "a");
    cf_future_release(f); /* now it returns */
    cf_future *h = cf__fcache_take(c, 1);
    CHECK((uintptr_t)h == old);
    cf_future_release(g);
    cf_future_release(h);
    cf__fcache_close(c);
}

static void test_close_with_live(void) {
    cf__fcache *c = cf__fcache_new(16);
    cf_future *a = cf__fcache_take(c, 1), *b = cf__fcache_take(c, 1), *d = cf__fcache_take(c, 1);
    cf_future_release(d);
    cf__fcache_close(c); /* a and b still alive: the cache lives on for them */
    CHECK_EQ_INT(cf_future_set_result(a, "live", 5), 0);
    CHECK(cf_future_cancel(b));
    const void *data;
    CHECK_EQ_INT(cf_future_result(a, 0, &data, NULL), 0);
    CHECK_EQ_STR((const char *)data, "live");
    CHECK_EQ_INT(cf_future_result(b, 0, NULL, NULL), CF_ECANCELLED);
    cf_future_release(a);
    cf_future_release(b); /* the last one frees the cache (leak-checked under ASan) */
}

static void test_cap(void) {
    cf__fcache *c = cf__fcache_new(0);
    size_t n = CF__FCACHE_CAP + 100;
    cf_future **fs = malloc(n * sizeof *fs);
    CHECK(fs != NULL);
    if (!fs) return;
    for (size_t i = 0; i < n; i++)
        fs[i] = cf__fcache_take(c, 1);
    CHECK_EQ_INT(cf__fcache_blocks(c), n);
    for (size_t i = 0; i < n; i++)
        cf_future_release(fs[i]);
    cf_future *f = cf__fcache_take(c, 1); /* refills: trims the surplus first */
    CHECK(f != NULL);
    CHECK_EQ_INT(cf__fcache_blocks(c), CF__FCACHE_CAP);
    CHECK_EQ_INT(cf_future_state(f), CF_PENDING);
    cf_future_release(f);
    free(fs);
    cf__fcache_close(c);
}

enum { XT_THREADS = 4, XT_PER = 2000 };

struct xt {
    cf_future *fs[XT_PER];
    pthread_t th;
};

static void *release_all(void *p) {
    struct xt *x = p;
    for (int i = 0; i < XT_PER; i++) {
        cf_future_set_result(x->fs[i], NULL, 0);
        cf_future_release(x->fs[i]);
    }
    return NULL;
}

static void test_cross_thread_release(void) {
    cf__fcache *c = cf__fcache_new(8);
    static struct xt xs[XT_THREADS];
    for (int round = 0; round < 3; round++) {
        for (int t = 0; t < XT_THREADS; t++)
            for (int i = 0; i < XT_PER; i++)
                xs[t].fs[i] = cf__fcache_take(c, 1);
        for (int t = 0; t < XT_THREADS; t++)
            pthread_create(&xs[t].th, NULL, release_all, &xs[t]);
        /* The owner takes (and gives back) while the others release. */
        for (int i = 0; i < 1000; i++)
            cf_future_release(cf__fcache_take(c, 1));
        for (int t = 0; t < XT_THREADS; t++)
            pthread_join(xs[t].th, NULL);
    }
    /* Every block came home: a whole round needs no new one. */
    size_t blocks = cf__fcache_blocks(c);
    CHECK(blocks <= XT_THREADS * XT_PER + 1);
    for (int t = 0; t < XT_THREADS; t++)
        for (int i = 0; i < XT_PER; i++)
            xs[t].fs[i] = cf__fcache_take(c, 1);
    CHECK_EQ_INT(cf__fcache_blocks(c), blocks);
    for (int t = 0; t < XT_THREADS; t++)
        for (int i = 0; i < XT_PER; i++)
            cf_future_release(xs[t].fs[i]);
    cf__fcache_close(c);
}

enum { CYCLES = 2000 };
static _Atomic int cb_count[CYCLES];
static _Atomic int kept_cb;

static void cycle_cb(cf_future *f, void *arg) {
    (void)arg;
    uintptr_t tag = cf_future_tag(f);
    if (tag < CYCLES) atomic_fetch_add(&cb_count[tag], 1);
}

static void test_pool_reuse(void) {
    cf_executor_opts o = {.max_workers = 2};
    cf_executor *ex;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    /* A future kept alive through every cycle is never handed out again. */
    int k = 12345;
    cf_future *kept;
    CHECK_EQ_INT(cf_submit(ex, task_square, &k, sizeof k, &kept), 0);
    cf_future_set_tag(kept, CYCLES + 1);
    CHECK_EQ_INT(cf_future_add_done_callback(kept, count_cb, &kept_cb), 0);
    CHECK_EQ_INT(cf_future_result(kept, CF_FOREVER, NULL, NULL), 0);
    for (int i = 0; i < CYCLES; i++) {
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &f), 0);
        CHECK(f != kept);
        CHECK_EQ_INT(cf_future_tag(f), 0);
        cf_future_set_tag(f, (uintptr_t)i);
        CHECK_EQ_INT(cf_future_add_done_callback(f, cycle_cb, NULL), 0);
        const void *data;
        size_t len;
        CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, &data, &len), 0);
        int v = -1;
        if (len == sizeof v) memcpy(&v, data, sizeof v);
        CHECK_EQ_INT(v, i * i);
        cf_future_release(f);
    }
    const void *data;
    CHECK_EQ_INT(cf_future_result(kept, 0, &data, NULL), 0);
    int v;
    memcpy(&v, data, sizeof v);
    CHECK_EQ_INT(v, 12345 * 12345);
    CHECK_EQ_INT(cf_future_tag(kept), CYCLES + 1);
    cf_future_release(kept);

    /* Futures outlive their pool: results readable after cf_executor_free. */
    cf_future *fs[8];
    for (int i = 0; i < 8; i++)
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &fs[i]), 0);
    cf_executor_free(ex);
    /* Callbacks run after the result is visible (as in Python): only once
     * the workers are joined have they all run. */
    int bad = 0;
    for (int i = 0; i < CYCLES; i++)
        if (atomic_load(&cb_count[i]) != 1) {
            bad++;
            fprintf(stderr, "cycle %d: %d callbacks\n", i, atomic_load(&cb_count[i]));
        }
    CHECK_EQ_INT(bad, 0);
    for (int i = 0; i < 8; i++) {
        CHECK_EQ_INT(cf_future_result(fs[i], 0, &data, NULL), 0);
        memcpy(&v, data, sizeof v);
        CHECK_EQ_INT(v, i * i);
        cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(kept_cb, 1);
}

static void test_pool_cancelled_recycle(void) {
    cf_executor_opts o = {.max_workers = 1};
    cf_executor *ex;
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    gate g;
    gate_init(&g);
    gate *gp = &g;
    cf_future *busy, *queued;
    CHECK_EQ_INT(cf_submit(ex, task_gate, &gp, sizeof gp, &busy), 0);
    CHECK_EQ_INT(gate_wait_started(&g, 1), 0);
    CHECK_EQ_INT(cf_submit(ex, task_empty, NULL, 0, &queued), 0);
    CHECK(cf_future_cancel(queued));
    cf_future_release(queued); /* the queue still holds it: not recycled yet */
    cf_future *more[4];
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(cf_submit(ex, task_square, &i, sizeof i, &more[i]), 0);
    gate_open(&g, 1);
    CHECK_EQ_INT(cf_future_result(busy, CF_FOREVER, NULL, NULL), 0);
    for (int i = 0; i < 4; i++) {
        const void *data;
        CHECK_EQ_INT(cf_future_result(more[i], CF_FOREVER, &data, NULL), 0);
        int v;
        memcpy(&v, data, sizeof v);
        CHECK_EQ_INT(v, i * i);
        cf_future_release(more[i]);
    }
    cf_future_release(busy);
    cf_executor_free(ex); /* waits: the cancelled one has been skipped */
    gate_destroy(&g);
}

int main(void) {
    RUN(test_reuse_is_fresh);
    RUN(test_last_release_only);
    RUN(test_close_with_live);
    RUN(test_cap);
    RUN(test_cross_thread_release);
    RUN(test_pool_reuse);
    RUN(test_pool_cancelled_recycle);
    return check_summary();
}
