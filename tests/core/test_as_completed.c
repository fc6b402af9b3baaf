/* test_as_completed: the as_completed iterator (spec items 20, 22). */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>

static void test_order(void) {
    /* already-done first, then in completion order, each once */
    cf_future *fs[5];
    for (int i = 0; i < 5; i++)
        fs[i] = cf_future_new();
    cf_future_set_result(fs[3], NULL, 0);
    cf_future_cancel(fs[1]);
    cf_future *in[8] = {fs[0], fs[1], fs[2], fs[3], fs[4], fs[3], fs[0], fs[1]};
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(in, 8, CF_FOREVER, &ac), 0);
    CHECK_EQ_INT(cf_as_completed_total(ac), 5);
    CHECK_EQ_INT(cf_as_completed_pending(ac), 5);
    cf_future *f;
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[1]);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[3]);
    cf_future_set_result(fs[4], NULL, 0);
    cf_future_set_error(fs[0], CF_ETASK, 0, "");
    cf_future_set_result(fs[2], NULL, 0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[4]);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[0]);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[2]);
    CHECK_EQ_INT(cf_as_completed_pending(ac), 0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), CF_EEOF);
    CHECK(f == NULL);
    cf_as_completed_free(ac);
    for (int i = 0; i < 5; i++)
        cf_future_release(fs[i]);
}

static void test_timeout(void) {
    cf_executor *ex = pool(2);
    gate g;
    gate_init(&g);
    cf_future *fs[3];
    fs[0] = submit_gate(ex, &g);
    fs[1] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 2), 0);
    fs[2] = cf_future_new();
    cf_future_set_result(fs[2], "x", 2);
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(fs, 3, 0.2, &ac), 0);
    /* the clock starts at the first next(): sleeping past the timeout
     * before iterating does not use it up — next() still waits ~0.2 s */
    struct timespec ts = {0, 250 * 1000 * 1000};
    nanosleep(&ts, NULL);
    cf_future *f;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK(f == fs[2]);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), CF_ETIMEDOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    CHECK(waited >= 0.19);
    CHECK_EQ_INT(cf_as_completed_pending(ac), 2);
    CHECK_EQ_INT(cf_as_completed_total(ac), 3);
    /* the futures complete later; the iterator still yields them */
    gate_open(&g, 2);
    cf_future_result(fs[0], CF_FOREVER, NULL, NULL);
    cf_future_result(fs[1], CF_FOREVER, NULL, NULL);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), 0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), CF_EEOF);
    cf_as_completed_free(ac);

    /* timeout 0: only what is done */
    cf_future *p = cf_future_new();
    CHECK_EQ_INT(cf_as_completed_new(&p, 1, 0, &ac), 0);
    CHECK_EQ_INT(cf_as_completed_next(ac, &f), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_as_completed_pending(ac), 1);
    cf_as_completed_free(ac);         /* frees with a watch still linked */
    cf_future_set_result(p, NULL, 0); /* no notify into freed memory */
    cf_future_release(p);

    for (int i = 0; i < 3; i++)
        cf_future_release(fs[i]);
    cf_executor_free(ex);
    gate_destroy(&g);
}

static void test_completion_order_pool(void) {
    /* tasks released one at a time in reverse order come back reversed */
    cf_executor *ex = pool(4);
    gate gs[4];
    cf_future *fs[4];
    for (int i = 0; i < 4; i++) {
        gate_init(&gs[i]);
        fs[i] = submit_gate(ex, &gs[i]);
        CHECK_EQ_INT(gate_wait_started(&gs[i], 1), 0);
    }
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(fs, 4, 30, &ac), 0);
    int bad = 0;
    for (int i = 3; i >= 0; i--) {
        gate_open(&gs[i], 1);
        cf_future *f;
        if (cf_as_completed_next(ac, &f) != 0 || f != fs[i]) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    cf_as_completed_free(ac);
    for (int i = 0; i < 4; i++) {
        cf_future_release(fs[i]);
        gate_destroy(&gs[i]);
    }
    cf_executor_free(ex);
}

struct completer {
    cf_future **fs;
    int n;
    sem_t go;
};
static void *complete_all(void *p) {
    struct completer *c = p;
    sem_wait(&c->go);
    for (int i = 0; i < c->n; i++)
        cf_future_set_result(c->fs[i], &i, sizeof i);
    return NULL;
}

static void test_no_race(void) {
    int bad = 0;
    for (int round = 0; round < 300; round++) {
        cf_future *fs[100];
        for (int i = 0; i < 100; i++)
            fs[i] = cf_future_new();
        struct completer c = {.fs = fs, .n = 100};
        sem_init(&c.go, 0, 0);
        pthread_t th;
        pthread_create(&th, NULL, complete_all, &c);
        sem_post(&c.go);
        cf_as_completed *ac;
        if (cf_as_completed_new(fs, 100, 60, &ac) != 0) {
            bad++;
        } else {
            int n = 0;
            cf_future *f;
            while (cf_as_completed_next(ac, &f) == 0)
                n++;
            if (n != 100) bad++;
            cf_as_completed_free(ac);
        }
        pthread_join(th, NULL);
        sem_destroy(&c.go);
        for (int i = 0; i < 100; i++)
            cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_mixed_and_refs(void) {
    /* the iterator keeps its own references */
    cf_executor *a = pool(1), *b = pool(1);
    cf_future *fs[3];
    int x = 2;
    cf_submit(a, task_square, &x, sizeof x, &fs[0]);
    cf_submit(b, task_square, &x, sizeof x, &fs[1]);
    fs[2] = cf_future_new();
    cf_as_completed *ac;
    CHECK_EQ_INT(cf_as_completed_new(fs, 3, CF_FOREVER, &ac), 0);
    cf_future *hand = fs[2];
    for (int i = 0; i < 3; i++)
        cf_future_release(fs[i]);
    cf_future_set_result(hand, NULL, 0);
    int n = 0;
    cf_future *f;
    while (cf_as_completed_next(ac, &f) == 0) {
        CHECK(cf_future_done(f));
        n++;
    }
    CHECK_EQ_INT(n, 3);
    cf_as_completed_free(ac);
    cf_executor_free(a);
    cf_executor_free(b);
}

static void test_ac_bad_input(void) {
    cf_as_completed *ac = (cf_as_completed *)1;
    CHECK_EQ_INT(cf_as_completed_new(NULL, 2, 0, &ac), CF_EINVAL);
    CHECK(ac == NULL);
    cf_future *f = cf_future_new();
    CHECK_EQ_INT(cf_as_completed_new(&f, 1, 0, NULL), CF_EINVAL);
    cf_future *withnull[2] = {f, NULL};
    CHECK_EQ_INT(cf_as_completed_new(withnull, 2, 0, &ac), CF_EINVAL);
    CHECK_EQ_INT(cf_as_completed_new(NULL, 0, 0, &ac), 0);
    cf_future *g;
    CHECK_EQ_INT(cf_as_completed_next(ac, &g), CF_EEOF);
    CHECK_EQ_INT(cf_as_completed_next(ac, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_as_completed_next(NULL, &g), CF_EINVAL);
    CHECK_EQ_INT(cf_as_completed_pending(NULL), 0);
    CHECK_EQ_INT(cf_as_completed_total(NULL), 0);
    cf_as_completed_free(ac);
    cf_as_completed_free(NULL);
    cf_future_release(f);
}

int main(void) {
    RUN(test_order);
    RUN(test_timeout);
    RUN(test_completion_order_pool);
    RUN(test_no_race);
    RUN(test_mixed_and_refs);
    RUN(test_ac_bad_input);
    return check_summary();
}
