/* test_future: the future itself (spec items 1-9), through the implementer
 * API and cf_run_task, without any executor. */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>

static void test_states_and_strings(void) {
    cf_future *f = cf_future_new();
    CHECK(f != NULL);
    CHECK_EQ_INT(cf_future_state(f), CF_PENDING);
    CHECK_EQ_STR(cf_future_state_str(f), "pending");
    CHECK(!cf_future_done(f) && !cf_future_running(f) && !cf_future_cancelled(f));
    CHECK_EQ_INT(cf_future_set_running(f), 0);
    CHECK_EQ_INT(cf_future_state(f), CF_RUNNING);
    CHECK_EQ_STR(cf_future_state_str(f), "running");
    CHECK(cf_future_running(f) && !cf_future_done(f) && !cf_future_cancelled(f));
    CHECK_EQ_INT(cf_future_set_running(f), CF_ESTATE);
    CHECK_EQ_INT(cf_future_set_result(f, "abc", 4), 0);
    CHECK_EQ_INT(cf_future_state(f), CF_FINISHED);
    CHECK_EQ_STR(cf_future_state_str(f), "finished returned");
    CHECK(cf_future_done(f) && !cf_future_running(f) && !cf_future_cancelled(f));
    CHECK_EQ_INT(cf_future_set_running(f), CF_ESTATE);
    cf_future_release(f);

    f = cf_future_new();
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 3, "boom"), 0);
    CHECK_EQ_STR(cf_future_state_str(f), "finished raised");
    cf_future_release(f);

    f = cf_future_new();
    CHECK(cf_future_cancel(f));
    CHECK_EQ_STR(cf_future_state_str(f), "cancelled");
    CHECK(cf_future_done(f) && cf_future_cancelled(f) && !cf_future_running(f));
    cf_future_release(f);
}

static int ncb;
static void count_cb(cf_future *f, void *arg) {
    (void)f;
    (*(int *)arg)++;
    ncb++;
}

static void test_cancel(void) {
    /* PENDING -> CANCELLED, callbacks once; again -> true, not run again. */
    cf_future *f = cf_future_new();
    int n = 0;
    CHECK_EQ_INT(cf_future_add_done_callback(f, count_cb, &n), 0);
    CHECK(cf_future_cancel(f));
    CHECK_EQ_INT(n, 1);
    CHECK(cf_future_cancel(f));
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), CF_ECANCELLED);
    CHECK_EQ_INT(cf_future_result(f, CF_FOREVER, NULL, NULL), CF_ECANCELLED);
    bool failed = true;
    CHECK_EQ_INT(cf_future_exception(f, 0, &failed), CF_ECANCELLED);
    CHECK_EQ_INT(cf_future_set_running(f), CF_ECANCELLED);
    CHECK_EQ_INT(cf_future_set_result(f, "x", 1), CF_ESTATE);
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 1, "x"), CF_ESTATE);
    CHECK(cf_future_cancelled(f));
    cf_future_release(f);

    /* RUNNING and FINISHED: false, state unchanged. */
    f = cf_future_new();
    cf_future_set_running(f);
    CHECK(!cf_future_cancel(f));
    CHECK_EQ_INT(cf_future_state(f), CF_RUNNING);
    cf_future_set_result(f, NULL, 0);
    CHECK(!cf_future_cancel(f));
    CHECK_EQ_INT(cf_future_state(f), CF_FINISHED);
    cf_future_release(f);
}

static void test_result_table(void) {
    const void *d = NULL;
    size_t l = 99;
    cf_future *f = cf_future_new();
    /* not done: timeout 0 does not wait, a short timeout expires */
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_future_result(f, 0.01, &d, &l), CF_ETIMEDOUT);
    bool failed;
    CHECK_EQ_INT(cf_future_exception(f, 0, &failed), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_future_exception(f, 0.01, &failed), CF_ETIMEDOUT);
    CHECK_EQ_INT(cf_future_state(f), CF_PENDING);
    cf_future_set_result(f, "value", 6);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK_EQ_INT(l, 6);
    CHECK_EQ_STR((const char *)d, "value");
    CHECK_EQ_INT(cf_future_result(f, INFINITY, NULL, NULL), 0);
    failed = true;
    CHECK_EQ_INT(cf_future_exception(f, CF_FOREVER, &failed), 0);
    CHECK(!failed);
    int code = 5;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), 0);
    CHECK_EQ_INT(code, 5);
    CHECK(msg == NULL);
    /* set_* on FINISHED: CF_ESTATE and the original value stays */
    CHECK_EQ_INT(cf_future_set_result(f, "other", 6), CF_ESTATE);
    CHECK_EQ_INT(cf_future_set_result_owned(f, NULL, 0), CF_ESTATE);
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 1, "late"), CF_ESTATE);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK_EQ_STR((const char *)d, "value");
    cf_future_release(f);

    /* an error */
    f = cf_future_new();
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 17, "it broke"), 0);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), CF_ETASK);
    CHECK_EQ_INT(cf_future_exception(f, 0, &failed), 0);
    CHECK(failed);
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 17);
    CHECK_EQ_STR(msg, "it broke");
    CHECK_EQ_INT(cf_future_set_result(f, "x", 1), CF_ESTATE);
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_STR(msg, "it broke");
    cf_future_release(f);

    /* status 0 is taken as CF_ETASK */
    f = cf_future_new();
    cf_future_set_error(f, 0, 3, "zero status");
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), CF_ETASK);
    cf_future_release(f);

    /* an executor error keeps its status */
    f = cf_future_new();
    cf_future_set_error(f, CF_EBROKEN, CF_EBROKEN, "pool broke");
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), CF_EBROKEN);
    CHECK_EQ_INT(cf_future_error(f, &code, NULL), CF_EBROKEN);
    CHECK_EQ_INT(code, CF_EBROKEN);
    cf_future_release(f);

    /* owned value */
    f = cf_future_new();
    char *p = malloc(4);
    memcpy(p, "own", 4);
    CHECK_EQ_INT(cf_future_set_result_owned(f, p, 4), 0);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK(d == p);
    char *q = malloc(2);
    CHECK_EQ_INT(cf_future_set_result_owned(f, q, 2), CF_ESTATE);
    free(q); /* ownership stays with the caller on failure */
    cf_future_release(f);
}

static void test_falsy_error(void) {
    /* spec item 9: code 0 and an empty message are still an error */
    cf_future *f = cf_future_new();
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 0, ""), 0);
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), CF_ETASK);
    bool failed = false;
    CHECK_EQ_INT(cf_future_exception(f, 0, &failed), 0);
    CHECK(failed);
    int code = 9;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 0);
    CHECK_EQ_STR(msg, "");
    cf_future_release(f);

    f = cf_future_new();
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 0, NULL), 0);
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_STR(msg, "");
    cf_future_release(f);

    /* through a task */
    static const int zero = 0;
    f = cf_future_new();
    CHECK_EQ_INT(cf_run_task(f, task_fail, &zero, sizeof zero), 0);
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), CF_ETASK);
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_ETASK);
    CHECK_EQ_INT(code, 0);
    cf_future_release(f);
}

struct waiter_arg {
    cf_future *f;
    sem_t ready;
    int rc;
    char value[8];
    double timeout;
};

static void *result_waiter(void *p) {
    struct waiter_arg *a = p;
    sem_post(&a->ready);
    const void *d;
    size_t l;
    a->rc = cf_future_result(a->f, a->timeout, &d, &l);
    if (a->rc == 0 && l <= sizeof a->value) memcpy(a->value, d, l);
    return NULL;
}

static void test_wakeup(void) {
    /* spec item 6: a blocked result() wakes on completion and on cancel */
    for (int round = 0; round < 2; round++) {
        /* for ever, or a timeout too large for a timespec: same thing */
        struct waiter_arg a = {.f = cf_future_new(), .timeout = round ? 1e300 : CF_FOREVER};
        sem_init(&a.ready, 0, 0);
        pthread_t th;
        pthread_create(&th, NULL, result_waiter, &a);
        sem_wait(&a.ready);
        if (round == 0)
            cf_future_set_result(a.f, "woke", 5);
        else
            cf_future_cancel(a.f);
        pthread_join(th, NULL);
        if (round == 0) {
            CHECK_EQ_INT(a.rc, 0);
            CHECK_EQ_STR(a.value, "woke");
        } else {
            CHECK_EQ_INT(a.rc, CF_ECANCELLED);
        }
        sem_destroy(&a.ready);
        cf_future_release(a.f);
    }
}

static int order[8], norder;
static pthread_t cb_thread;
static void order_cb(cf_future *f, void *arg) {
    order[norder++] = (int)(intptr_t)arg;
    cb_thread = pthread_self();
    /* a callback may use the future */
    CHECK(cf_future_done(f));
    CHECK_EQ_INT(cf_future_result(f, 0, NULL, NULL), 0);
}

static void *complete_in_thread(void *p) {
    cf_future_set_result(p, NULL, 0);
    return NULL;
}

static void test_callbacks(void) {
    cf_future *f = cf_future_new();
    norder = 0;
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(cf_future_add_done_callback(f, order_cb, (void *)(intptr_t)i), 0);
    CHECK_EQ_INT(norder, 0);
    pthread_t th;
    pthread_create(&th, NULL, complete_in_thread, f);
    pthread_join(th, NULL);
    CHECK_EQ_INT(norder, 6);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(order[i], i);
    CHECK(pthread_equal(cb_thread, th));
    /* added to a done future: at once, in this thread */
    CHECK_EQ_INT(cf_future_add_done_callback(f, order_cb, (void *)(intptr_t)6), 0);
    CHECK_EQ_INT(norder, 7);
    CHECK_EQ_INT(order[6], 6);
    CHECK(pthread_equal(cb_thread, pthread_self()));
    /* not run again by a late set_* */
    CHECK_EQ_INT(cf_future_set_result(f, NULL, 0), CF_ESTATE);
    CHECK_EQ_INT(norder, 7);
    CHECK_EQ_INT(cf_future_add_done_callback(f, NULL, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_future_add_done_callback(NULL, order_cb, NULL), CF_EINVAL);
    cf_future_release(f);
}

/* A callback that "fails" as far as C allows (cancels, re-adds, releases
 * an extra reference it took) does not stop the later ones. */
static void nasty_cb(cf_future *f, void *arg) {
    (void)arg;
    CHECK(!cf_future_cancel(f));
    CHECK_EQ_INT(cf_future_set_error(f, CF_ETASK, 1, "x"), CF_ESTATE);
    int n = 0;
    cf_future_add_done_callback(f, count_cb, &n); /* runs at once */
    CHECK_EQ_INT(n, 1);
}

static void test_callback_reentry(void) {
    cf_future *f = cf_future_new();
    int n = 0;
    ncb = 0;
    cf_future_add_done_callback(f, nasty_cb, NULL);
    cf_future_add_done_callback(f, count_cb, &n);
    cf_future_set_result(f, NULL, 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(ncb, 2);
    cf_future_release(f);
}

static void test_refcount_and_tag(void) {
    cf_future *f = cf_future_new();
    CHECK(cf_future_retain(f) == f);
    cf_future_set_result(f, "x", 2);
    cf_future_release(f);
    CHECK(cf_future_done(f)); /* still alive: one reference left */
    CHECK_EQ_INT(cf_future_tag(f), 0);
    cf_future_set_tag(f, 1234);
    CHECK_EQ_INT(cf_future_tag(f), 1234);
    cf_future_release(f);
    cf_future_release(NULL);
    CHECK(cf_future_retain(NULL) == NULL);
}

static void big_error(const void *a, size_t l, cf_out *out) {
    char buf[1000];
    memset(buf, 'e', sizeof buf - 1);
    buf[sizeof buf - 1] = '\0';
    cf_out_set(out, "discarded", 10);
    cf_out_error(out, 1, "%s", buf);
}

static void alloc_task(const void *a, size_t l, cf_out *out) {
    cf_out_error(out, 1, "replaced");
    char *p = cf_out_alloc(out, 5);
    if (p) memcpy(p, "1234", 5);
}

static void test_run_task(void) {
    cf_future *f = cf_future_new();
    CHECK_EQ_INT(cf_run_task(f, task_echo, "hey", 4), 0);
    const void *d;
    size_t l;
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK_EQ_INT(l, 4);
    CHECK_EQ_STR((const char *)d, "hey");
    CHECK_EQ_INT(cf_run_task(f, task_echo, "again", 6), CF_ESTATE);
    cf_future_release(f);

    f = cf_future_new();
    CHECK_EQ_INT(cf_run_task(f, task_empty, NULL, 0), 0);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK_EQ_INT(l, 0);
    cf_future_release(f);

    f = cf_future_new();
    cf_run_task(f, big_error, NULL, 0);
    const char *msg;
    CHECK_EQ_INT(cf_future_error(f, NULL, &msg), CF_ETASK);
    CHECK_EQ_INT(strlen(msg), CF_ERRMSG_MAX - 1);
    cf_future_release(f);

    f = cf_future_new();
    cf_run_task(f, alloc_task, NULL, 0);
    CHECK_EQ_INT(cf_future_result(f, 0, &d, &l), 0);
    CHECK_EQ_INT(l, 5);
    CHECK_EQ_STR((const char *)d, "1234");
    cf_future_release(f);

    CHECK_EQ_INT(cf_run_task(NULL, task_echo, NULL, 0), CF_EINVAL);
    f = cf_future_new();
    CHECK_EQ_INT(cf_run_task(f, NULL, NULL, 0), CF_EINVAL);
    CHECK_EQ_INT(cf_run_task(f, task_echo, NULL, 3), CF_EINVAL);
    cf_future_release(f);
}

static void test_null(void) {
    CHECK_EQ_INT(cf_future_state(NULL), CF_PENDING);
    CHECK(!cf_future_done(NULL) && !cf_future_running(NULL) && !cf_future_cancelled(NULL));
    CHECK(!cf_future_cancel(NULL));
    CHECK_EQ_INT(cf_future_result(NULL, 0, NULL, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_future_exception(NULL, 0, NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_future_error(NULL, NULL, NULL), 0);
    CHECK_EQ_INT(cf_future_set_running(NULL), CF_EINVAL);
    CHECK_EQ_INT(cf_future_set_result(NULL, NULL, 0), CF_EINVAL);
    CHECK_EQ_INT(cf_future_set_result_owned(NULL, NULL, 0), CF_EINVAL);
    CHECK_EQ_INT(cf_future_set_error(NULL, CF_ETASK, 0, ""), CF_EINVAL);
    CHECK_EQ_INT(cf_future_tag(NULL), 0);
    cf_future_set_tag(NULL, 1);
    cf_future *f = cf_future_new();
    CHECK_EQ_INT(cf_future_set_result(f, NULL, 5), CF_EINVAL);
    CHECK_EQ_INT(cf_future_state(f), CF_PENDING);
    cf_future_release(f);
    CHECK(cf_cpu_count() >= 1);
}

/* Concurrent cancel vs set_running: exactly one wins, many times. */
struct race {
    cf_future *f;
    sem_t go;
    int running_rc;
};
static void *race_runner(void *p) {
    struct race *r = p;
    sem_wait(&r->go);
    r->running_rc = cf_future_set_running(r->f);
    return NULL;
}

static void test_cancel_vs_running(void) {
    int bad = 0;
    for (int i = 0; i < 2000; i++) {
        struct race r = {.f = cf_future_new()};
        sem_init(&r.go, 0, 0);
        pthread_t th;
        pthread_create(&th, NULL, race_runner, &r);
        sem_post(&r.go);
        bool c = cf_future_cancel(r.f);
        pthread_join(th, NULL);
        if (c == (r.running_rc == 0)) bad++;
        if (c && (r.running_rc != CF_ECANCELLED || !cf_future_cancelled(r.f))) bad++;
        if (!c && !cf_future_running(r.f)) bad++;
        sem_destroy(&r.go);
        cf_future_release(r.f);
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void) {
    RUN(test_states_and_strings);
    RUN(test_cancel);
    RUN(test_result_table);
    RUN(test_falsy_error);
    RUN(test_wakeup);
    RUN(test_callbacks);
    RUN(test_callback_reentry);
    RUN(test_refcount_and_tag);
    RUN(test_run_task);
    RUN(test_null);
    RUN(test_cancel_vs_running);
    return check_summary();
}
