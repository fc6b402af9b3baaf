/* test_stress: many threads submitting, cancelling, waiting and shutting
 * down at once. Checks the bookkeeping adds up and nothing hangs; mostly
 * useful under ThreadSanitizer. */
#include "check.h"
#include "core_helpers.h"

#include <stdlib.h>

#ifdef CFB_SANITIZER
enum { PER_THREAD = 1500 };
#else
enum { PER_THREAD = 20000 };
#endif
enum { NSUB = 4 };

static cf_executor *ex;
static atomic_int cb_runs, shutdown_seen, got_futures;

static void on_done(cf_future *f, void *arg) {
    (void)f;
    (void)arg;
    atomic_fetch_add(&cb_runs, 1);
}

struct sub {
    int id;
    int bad;
};

static void *submitter(void *p) {
    struct sub *s = p;
    enum { WIN = 64 };
    cf_future *win[WIN];
    int n = 0;
    unsigned seed = (unsigned)s->id * 7919u + 1;
    for (int i = 0; i < PER_THREAD; i++) {
        cf_future *f;
        int x = i;
        int rc = cf_submit(ex, task_square, &x, sizeof x, &f);
        if (rc == CF_ESHUTDOWN) {
            atomic_fetch_add(&shutdown_seen, 1);
            break;
        }
        if (rc) {
            s->bad++;
            break;
        }
        atomic_fetch_add(&got_futures, 1);
        if (cf_future_add_done_callback(f, on_done, NULL) != 0) s->bad++;
        seed = seed * 1103515245u + 12345u;
        if ((seed >> 16) % 5 == 0) cf_future_cancel(f);
        win[n++] = f;
        if (n == WIN) {
            size_t nd, nn;
            int mode = (int)((seed >> 8) % 3) + 1;
            if (cf_wait(win, WIN, CF_FOREVER, mode, NULL, &nd, NULL, &nn) != 0) s->bad++;
            if (mode == CF_ALL_COMPLETED && nd != WIN) s->bad++;
            cf_as_completed *ac;
            if (cf_as_completed_new(win, WIN, CF_FOREVER, &ac) == 0) {
                cf_future *y;
                int k = 0;
                while (cf_as_completed_next(ac, &y) == 0)
                    k++;
                if (k != WIN) s->bad++;
                cf_as_completed_free(ac);
            }
            for (int j = 0; j < WIN; j++) {
                int r = cf_future_result(win[j], CF_FOREVER, NULL, NULL);
                if (r != 0 && r != CF_ECANCELLED) s->bad++;
                cf_future_release(win[j]);
            }
            n = 0;
        }
    }
    for (int j = 0; j < n; j++) {
        int r = cf_future_result(win[j], CF_FOREVER, NULL, NULL);
        if (r != 0 && r != CF_ECANCELLED) s->bad++;
        cf_future_release(win[j]);
    }
    return NULL;
}

static void run(bool shutdown_midway) {
    cf_executor_opts o = {.max_workers = 3};
    CHECK_EQ_INT(cf_thread_pool_new(&o, &ex), 0);
    atomic_store(&cb_runs, 0);
    atomic_store(&got_futures, 0);
    atomic_store(&shutdown_seen, 0);
    pthread_t th[NSUB];
    struct sub subs[NSUB];
    for (int i = 0; i < NSUB; i++) {
        subs[i] = (struct sub){.id = i};
        pthread_create(&th[i], NULL, submitter, &subs[i]);
    }
    if (shutdown_midway) {
        /* wait until some work went through, then shut down under load */
        while (atomic_load(&got_futures) < PER_THREAD / 2)
            sched_yield();
        CHECK_EQ_INT(cf_executor_shutdown(ex, false, true), 0);
    }
    int bad = 0;
    for (int i = 0; i < NSUB; i++) {
        pthread_join(th[i], NULL);
        bad += subs[i].bad;
    }
    CHECK_EQ_INT(bad, 0);
    cf_executor_shutdown(ex, true, false);
    cf_executor_stats st = stats(ex);
    CHECK_EQ_INT(st.tasks_submitted, atomic_load(&got_futures));
    CHECK_EQ_INT(st.tasks_completed + st.tasks_cancelled, st.tasks_submitted);
    CHECK_EQ_INT(atomic_load(&cb_runs), atomic_load(&got_futures));
    CHECK(st.workers_started <= 3);
    CHECK_EQ_INT(st.workers_alive, 0);
    if (!shutdown_midway)
        CHECK_EQ_INT(st.tasks_submitted, NSUB * PER_THREAD);
    else
        CHECK(atomic_load(&shutdown_seen) > 0 || st.tasks_submitted == NSUB * PER_THREAD);
    cf_executor_free(ex);
}

static void test_stress(void) {
    run(false);
}

static void test_stress_shutdown(void) {
    run(true);
}

int main(void) {
    RUN(test_stress);
    RUN(test_stress_shutdown);
    return check_summary();
}
