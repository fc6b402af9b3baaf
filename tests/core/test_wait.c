/* test_wait: cf_wait (spec items 21, 22) across executors and hand-made
 * futures. */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_return_when(void) {
    cf_executor *ex = pool(3);
    gate g;
    gate_init(&g);
    cf_future *fs[4];
    fs[0] = submit_gate(ex, &g);
    fs[1] = submit_gate(ex, &g);
    CHECK_EQ_INT(gate_wait_started(&g, 2), 0);
    int x = 3;
    CHECK_EQ_INT(cf_submit(ex, task_square, &x, sizeof x, &fs[2]), 0);
    CHECK_EQ_INT(cf_future_result(fs[2], CF_FOREVER, NULL, NULL), 0);
    fs[3] = cf_future_new(); /* hand-made, never completed by an executor */
    cf_future *done[4], *not_done[4];
    size_t nd = 9, nn = 9;

    /* FIRST_COMPLETED returns at once when one is done */
    CHECK_EQ_INT(cf_wait(fs, 4, CF_FOREVER, CF_FIRST_COMPLETED, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(nn, 3);
    CHECK(done[0] == fs[2]);
    CHECK(not_done[0] == fs[0] && not_done[1] == fs[1] && not_done[2] == fs[3]);

    /* FIRST_EXCEPTION with no failure: times out (never an error) */
    double t0 = now();
    CHECK_EQ_INT(cf_wait(fs, 4, 0.05, CF_FIRST_EXCEPTION, done, &nd, not_done, &nn), 0);
    CHECK(now() - t0 >= 0.04);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(nn, 3);
    /* ALL_COMPLETED with timeout 0: returns at once */
    CHECK_EQ_INT(cf_wait(fs, 4, 0, CF_ALL_COMPLETED, done, &nd, NULL, &nn), 0);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(nn, 3);

    /* FIRST_EXCEPTION returns on the first failure */
    cf_future_set_error(fs[3], CF_ETASK, 1, "hand-made failure");
    CHECK_EQ_INT(cf_wait(fs, 4, CF_FOREVER, CF_FIRST_EXCEPTION, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_INT(nn, 2);

    /* ALL_COMPLETED waits for all */
    gate_open(&g, 2);
    CHECK_EQ_INT(cf_wait(fs, 4, CF_FOREVER, CF_ALL_COMPLETED, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 4);
    CHECK_EQ_INT(nn, 0);
    for (int i = 0; i < 4; i++)
        cf_future_release(fs[i]);
    cf_executor_free(ex);
    gate_destroy(&g);
}

struct completer {
    cf_future **fs;
    int n;
    int fail_at;
    sem_t go;
};

static void *complete_all(void *p) {
    struct completer *c = p;
    sem_wait(&c->go);
    for (int i = 0; i < c->n; i++) {
        if (i == c->fail_at)
            cf_future_set_error(c->fs[i], CF_ETASK, i, "failed");
        else if (i % 7 == 3)
            cf_future_cancel(c->fs[i]);
        else
            cf_future_set_result(c->fs[i], &i, sizeof i);
    }
    return NULL;
}

static void test_first_exception_wakes(void) {
    /* a thread blocked in FIRST_EXCEPTION wakes on a failure */
    cf_future *fs[10];
    for (int i = 0; i < 10; i++)
        fs[i] = cf_future_new();
    struct completer c = {.fs = fs + 5, .n = 1, .fail_at = 0};
    sem_init(&c.go, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, complete_all, &c);
    sem_post(&c.go);
    size_t nd, nn;
    cf_future *done[10];
    CHECK_EQ_INT(cf_wait(fs, 10, 30, CF_FIRST_EXCEPTION, done, &nd, NULL, &nn), 0);
    pthread_join(th, NULL);
    CHECK_EQ_INT(nd, 1);
    CHECK(done[0] == fs[5]);
    CHECK_EQ_INT(nn, 9);
    /* cancelled futures count as done but not as exceptions */
    cf_future_cancel(fs[0]);
    CHECK_EQ_INT(cf_wait(fs, 5, 0.02, CF_FIRST_EXCEPTION, done, &nd, NULL, &nn), 0);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(nn, 4);
    sem_destroy(&c.go);
    for (int i = 0; i < 10; i++)
        cf_future_release(fs[i]);
}

static void test_duplicates(void) {
    cf_future *a = cf_future_new(), *b = cf_future_new();
    cf_future *fs[6] = {a, b, a, a, b, a};
    cf_future *done[6], *not_done[6];
    size_t nd, nn;
    CHECK_EQ_INT(cf_wait(fs, 6, 0, CF_ALL_COMPLETED, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 0);
    CHECK_EQ_INT(nn, 2);
    CHECK(not_done[0] == a && not_done[1] == b);
    cf_future_set_result(b, NULL, 0);
    CHECK_EQ_INT(cf_wait(fs, 6, CF_FOREVER, CF_FIRST_COMPLETED, done, &nd, not_done, &nn), 0);
    CHECK_EQ_INT(nd, 1);
    CHECK_EQ_INT(nn, 1);
    CHECK(done[0] == b && not_done[0] == a);
    cf_future_cancel(a);
    CHECK_EQ_INT(cf_wait(fs, 6, CF_FOREVER, CF_ALL_COMPLETED, done, &nd, NULL, &nn), 0);
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_INT(nn, 0);
    cf_future_release(a);
    cf_future_release(b);
}

static void test_no_race(void) {
    /* spec item 22: 100 futures completing while wait registers its
     * waiter are all reported. Repeated to hit the window. */
    int bad = 0;
    for (int round = 0; round < 300; round++) {
        cf_future *fs[100];
        for (int i = 0; i < 100; i++)
            fs[i] = cf_future_new();
        struct completer c = {.fs = fs, .n = 100, .fail_at = round % 2 ? 50 : -1};
        sem_init(&c.go, 0, 0);
        pthread_t th;
        pthread_create(&th, NULL, complete_all, &c);
        sem_post(&c.go);
        size_t nd = 0, nn = 0;
        if (cf_wait(fs, 100, 60, CF_ALL_COMPLETED, NULL, &nd, NULL, &nn) != 0 || nd != 100 ||
            nn != 0)
            bad++;
        pthread_join(th, NULL);
        sem_destroy(&c.go);
        for (int i = 0; i < 100; i++)
            cf_future_release(fs[i]);
    }
    CHECK_EQ_INT(bad, 0);
}

static void test_mixed_executors(void) {
    cf_executor *a = pool(1), *b = pool(2);
    cf_future *fs[40];
    for (int i = 0; i < 40; i++) {
        if (i % 3 == 2)
            fs[i] = cf_future_new();
        else
            CHECK_EQ_INT(cf_submit(i % 3 ? b : a, task_square, &i, sizeof i, &fs[i]), 0);
    }
    for (int i = 2; i < 40; i += 3)
        cf_future_set_result(fs[i], &i, sizeof i);
    size_t nd, nn;
    CHECK_EQ_INT(cf_wait(fs, 40, CF_FOREVER, CF_ALL_COMPLETED, NULL, &nd, NULL, &nn), 0);
    CHECK_EQ_INT(nd, 40);
    CHECK_EQ_INT(nn, 0);
    for (int i = 0; i < 40; i++)
        cf_future_release(fs[i]);
    cf_executor_free(a);
    cf_executor_free(b);
}

static void test_wait_bad_input(void) {
    cf_future *f = cf_future_new();
    size_t nd = 7, nn = 7;
    CHECK_EQ_INT(cf_wait(&f, 1, 0, 0, NULL, &nd, NULL, &nn), CF_EINVAL);
    CHECK_EQ_INT(cf_wait(&f, 1, 0, 4, NULL, &nd, NULL, &nn), CF_EINVAL);
    CHECK_EQ_INT(cf_wait(&f, 1, 0, -1, NULL, &nd, NULL, &nn), CF_EINVAL);
    CHECK_EQ_INT(cf_wait(NULL, 3, 0, CF_ALL_COMPLETED, NULL, &nd, NULL, &nn), CF_EINVAL);
    cf_future *withnull[2] = {f, NULL};
    CHECK_EQ_INT(cf_wait(withnull, 2, 0, CF_ALL_COMPLETED, NULL, &nd, NULL, &nn), CF_EINVAL);
    /* nothing to wait for: returns at once */
    CHECK_EQ_INT(cf_wait(NULL, 0, CF_FOREVER, CF_ALL_COMPLETED, NULL, &nd, NULL, &nn), 0);
    CHECK_EQ_INT(nd, 0);
    CHECK_EQ_INT(nn, 0);
    CHECK_EQ_INT(cf_wait(NULL, 0, CF_FOREVER, CF_FIRST_COMPLETED, NULL, NULL, NULL, NULL), 0);
    cf_future_release(f);
}

int main(void) {
    RUN(test_return_when);
    RUN(test_first_exception_wakes);
    RUN(test_duplicates);
    RUN(test_no_race);
    RUN(test_mixed_executors);
    RUN(test_wait_bad_input);
    return check_summary();
}
