/*
 * test_gil: the emulated GIL (core/src/gil.c).
 *
 *   - argument and state errors of enable / disable / acquire / release;
 *   - disabled = no-op (two threads "hold" it at once, check does nothing);
 *   - mutual exclusion: threads increment a shared NON-atomic counter while
 *     holding the GIL and handing it over at check points; the total is
 *     exact and TSan (make test-tsan) sees no race;
 *   - handover: a waiter gets the GIL from a holder that spins on
 *     cf_gil_check() within a bounded number of switch intervals;
 *   - forced switching: whenever a holder dropped the GIL at a check point,
 *     another thread held it before the holder got it back;
 *   - save/restore around a "blocking call" lets another thread run;
 *   - fork: the child has its own lock, free even when a parent thread held
 *     the parent's.
 * No test relies on sleeping: waits are bounded polls that fail on timeout.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cf_gil.h"
#include "cfutures.h"
#include "check.h"

#define BOUND_S 20.0 /* give up (and fail) after this long: no test may hang */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- errors ---------------------------------------------------------------- */

static void test_errors(void) {
    CHECK_EQ_INT(cf_gil_enable(0.0), CF_EINVAL);
    CHECK_EQ_INT(cf_gil_enable(-1.0), CF_EINVAL);
    CHECK_EQ_INT(cf_gil_enable(NAN), CF_EINVAL);
    CHECK_EQ_INT(cf_gil_enable(INFINITY), CF_EINVAL);
    CHECK(!cf_gil_enabled());
    CHECK_EQ_INT(cf_gil_enable(0.002), 0);
    CHECK(cf_gil_enabled());
    CHECK(cf_gil_switch_interval() == 0.002);
    CHECK_EQ_INT(cf_gil_enable(0.002), CF_ESTATE);
    CHECK_EQ_INT(cf_gil_release(), CF_ESTATE); /* not held */
    CHECK_EQ_INT(cf_gil_acquire(), 0);
    CHECK(cf_gil_held());
    CHECK_EQ_INT(cf_gil_acquire(), CF_ESTATE); /* not recursive */
    CHECK_EQ_INT(cf_gil_disable(), CF_ESTATE); /* held */
    CHECK(cf_gil_enabled());
    cf_gil_check(); /* nobody waits: returns at once, still held */
    CHECK(cf_gil_held());
    int tok = cf_gil_save();
    CHECK_EQ_INT(tok, 1);
    CHECK(!cf_gil_held());
    CHECK_EQ_INT(cf_gil_save(), 0); /* nothing to save */
    cf_gil_restore(tok);
    CHECK(cf_gil_held());
    CHECK_EQ_INT(cf_gil_release(), 0);
    CHECK(!cf_gil_held());
    CHECK_EQ_INT(cf_gil_disable(), 0);
    CHECK_EQ_INT(cf_gil_disable(), 0);
    CHECK(!cf_gil_enabled());
    CHECK(cf_gil_switch_interval() == 0.0);
    CHECK_EQ_INT(cf_gil_get_stats(NULL), CF_EINVAL);
}

/* ---- disabled = no-op ------------------------------------------------------ */

static sem_t noop_sem;

static void *noop_thread(void *arg) {
    (void)arg;
    if (cf_gil_acquire() == 0) /* must not block although main "holds" it */
        sem_post(&noop_sem);
    cf_gil_check();
    cf_gil_release();
    return NULL;
}

static void test_disabled_noop(void) {
    CHECK(!cf_gil_enabled());
    cf_gil_stats before, after;
    cf_gil_get_stats(&before);
    CHECK_EQ_INT(cf_gil_acquire(), 0);
    CHECK(!cf_gil_held());
    CHECK_EQ_INT(cf_gil_save(), 0);
    sem_init(&noop_sem, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, noop_thread, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)BOUND_S;
    CHECK_EQ_INT(sem_timedwait(&noop_sem, &ts), 0);
    pthread_join(t, NULL);
    for (int i = 0; i < 1000; i++)
        cf_gil_check();
    CHECK_EQ_INT(cf_gil_release(), 0);
    cf_gil_get_stats(&after);
    CHECK_EQ_INT(after.acquisitions, before.acquisitions);
    CHECK_EQ_INT(atomic_load(&cf__gil_drop_request), 0);
    sem_destroy(&noop_sem);
}

/* ---- mutual exclusion ------------------------------------------------------ */

#define MX_THREADS 4
#define MX_ROUNDS 20
#define MX_INCS 200000

static long mx_counter;      /* NOT atomic: the GIL is its only protection */
static const void *mx_owner; /* NOT atomic: who ran last under the GIL */
static atomic_int mx_violations;

static void *mx_thread(void *arg) {
    (void)arg;
    int me;
    for (int r = 0; r < MX_ROUNDS; r++) {
        cf_gil_acquire();
        mx_owner = &me;
        for (int i = 0; i < MX_INCS; i++) {
            long c = mx_counter; /* read-modify-write in two steps on purpose */
            mx_counter = c + 1;
            if ((i & 63) == 0) {
                cf_gil_check();
                mx_owner = &me;
            }
            if (mx_owner != &me) atomic_fetch_add(&mx_violations, 1);
        }
        cf_gil_release();
    }
    return NULL;
}

static void test_mutual_exclusion(void) {
    CHECK_EQ_INT(cf_gil_enable(0.0001), 0); /* short interval: many handovers */
    mx_counter = 0;
    pthread_t t[MX_THREADS];
    for (int i = 0; i < MX_THREADS; i++)
        pthread_create(&t[i], NULL, mx_thread, NULL);
    for (int i = 0; i < MX_THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_EQ_INT(mx_counter, (long)MX_THREADS * MX_ROUNDS * MX_INCS);
    CHECK_EQ_INT(atomic_load(&mx_violations), 0);
    cf_gil_stats st;
    cf_gil_get_stats(&st);
    fprintf(stderr, "   acquisitions %llu, drop requests %llu, forced drops %llu\n",
            (unsigned long long)st.acquisitions, (unsigned long long)st.drop_requests,
            (unsigned long long)st.forced_drops);
    CHECK(st.acquisitions >= (uint64_t)MX_THREADS * MX_ROUNDS);
    CHECK(st.forced_drops > 0); /* handovers happened inside the rounds */
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

/* ---- handover within a bounded number of intervals ------------------------- */

static atomic_int ho_holding, ho_waiter_got, ho_spinner_ok;
static double ho_wait_s;

static void *ho_spinner(void *arg) {
    (void)arg;
    cf_gil_acquire();
    atomic_store(&ho_holding, 1);
    double t0 = now_s();
    volatile unsigned long work = 0;
    while (!atomic_load(&ho_waiter_got)) {
        for (int i = 0; i < 256; i++)
            work += (unsigned long)i; /* "bytecodes" */
        cf_gil_check();
        if (now_s() - t0 > BOUND_S)
            break; /* a broken GIL would leave us spinning: give up, test fails */
    }
    /* check() returned after the waiter took the GIL and gave it back. */
    atomic_store(&ho_spinner_ok, cf_gil_held() && atomic_load(&ho_waiter_got));
    cf_gil_release();
    return NULL;
}

static void test_handover(void) {
    const double interval = 0.005;
    CHECK_EQ_INT(cf_gil_enable(interval), 0);
    pthread_t t;
    pthread_create(&t, NULL, ho_spinner, NULL);
    double t0 = now_s();
    while (!atomic_load(&ho_holding) && now_s() - t0 < BOUND_S)
        sched_yield();
    CHECK(atomic_load(&ho_holding));
    double w0 = now_s();
    cf_gil_acquire();
    ho_wait_s = now_s() - w0;
    atomic_store(&ho_waiter_got, 1);
    cf_gil_release();
    pthread_join(t, NULL);
    CHECK(atomic_load(&ho_spinner_ok));
    fprintf(stderr, "   waiter got the GIL after %.2f ms (interval %.1f ms)\n", ho_wait_s * 1e3,
            interval * 1e3);
    /* One interval plus scheduling; generous for a loaded 2-core machine. */
    CHECK(ho_wait_s < 40 * interval);
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

/* ---- forced switching ------------------------------------------------------ */

#define FS_SWITCHES 40

static const void *fs_last; /* NOT atomic: written under the GIL */
static atomic_int fs_failures, fs_done;

static void *fs_thread(void *arg) {
    (void)arg;
    int me, switches = 0;
    double t0 = now_s();
    cf_gil_acquire();
    fs_last = &me;
    while (!atomic_load(&fs_done)) {
        cf_gil_stats a, b;
        cf_gil_get_stats(&a);
        for (volatile int i = 0; i < 100; i++)
            ;
        cf_gil_check();
        cf_gil_get_stats(&b);
        if (b.forced_drops != a.forced_drops) {
            /* Someone (maybe we) dropped at a check point while we were
             * inside check(): if it was us, the other thread must have held
             * the GIL before we got it back. It was us iff fs_last is still
             * us — which forced switching forbids. */
            if (fs_last == &me) atomic_fetch_add(&fs_failures, 1);
            switches++;
        }
        fs_last = &me;
        if (switches >= FS_SWITCHES || now_s() - t0 > BOUND_S) atomic_store(&fs_done, 1);
    }
    cf_gil_release();
    return NULL;
}

static void test_forced_switching(void) {
    CHECK_EQ_INT(cf_gil_enable(0.001), 0);
    cf_gil_stats s0, s1;
    cf_gil_get_stats(&s0);
    pthread_t a, b;
    pthread_create(&a, NULL, fs_thread, NULL);
    pthread_create(&b, NULL, fs_thread, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    cf_gil_get_stats(&s1);
    fprintf(stderr, "   forced drops %llu, failures %d\n",
            (unsigned long long)(s1.forced_drops - s0.forced_drops), atomic_load(&fs_failures));
    CHECK(s1.forced_drops - s0.forced_drops >= FS_SWITCHES);
    CHECK_EQ_INT(atomic_load(&fs_failures), 0);
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

/* ---- save/restore around a blocking call ----------------------------------- */

static sem_t sr_in_call, sr_other_ran;

static void *sr_other(void *arg) {
    (void)arg;
    sem_wait(&sr_in_call);
    cf_gil_acquire(); /* free: the main thread released it around its "call" */
    sem_post(&sr_other_ran);
    cf_gil_release();
    return NULL;
}

static void test_save_restore(void) {
    CHECK_EQ_INT(cf_gil_enable(0.005), 0);
    sem_init(&sr_in_call, 0, 0);
    sem_init(&sr_other_ran, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, sr_other, NULL);
    cf_gil_acquire();
    int g = cf_gil_save();
    /* The "blocking call": wait for the other thread to run under the GIL. */
    sem_post(&sr_in_call);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)BOUND_S;
    CHECK_EQ_INT(sem_timedwait(&sr_other_ran, &ts), 0);
    cf_gil_restore(g);
    CHECK(cf_gil_held());
    cf_gil_release();
    pthread_join(t, NULL);
    sem_destroy(&sr_in_call);
    sem_destroy(&sr_other_ran);
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

/* ---- fork: one lock per process -------------------------------------------- */

static atomic_int fk_holding, fk_stop;

static void *fk_holder(void *arg) {
    (void)arg;
    cf_gil_acquire();
    atomic_store(&fk_holding, 1);
    double t0 = now_s();
    while (!atomic_load(&fk_stop) && now_s() - t0 < BOUND_S)
        cf_gil_check();
    cf_gil_release();
    return NULL;
}

/* Wait for pid with a bound; kill it on timeout. Returns the exit status or -1. */
static int wait_child(pid_t pid) {
    double t0 = now_s();
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (now_s() - t0 > BOUND_S) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        struct timespec d = {0, 1000000};
        nanosleep(&d, NULL);
    }
}

static void test_fork(void) {
    CHECK_EQ_INT(cf_gil_enable(0.005), 0);
    pthread_t t;
    pthread_create(&t, NULL, fk_holder, NULL);
    double t0 = now_s();
    while (!atomic_load(&fk_holding) && now_s() - t0 < BOUND_S)
        sched_yield();
    CHECK(atomic_load(&fk_holding));

    /* A parent thread holds the GIL; the forking thread does not. */
    pid_t pid = fork();
    if (pid == 0) {
        int rc = 0;
        if (!cf_gil_enabled() || cf_gil_held())
            rc = 10;
        else if (cf_gil_acquire() != 0 || !cf_gil_held()) /* free in the child */
            rc = 11;
        else if (cf_gil_release() != 0)
            rc = 12;
        _exit(rc);
    }
    CHECK(pid > 0);
    CHECK_EQ_INT(wait_child(pid), 0);

    atomic_store(&fk_stop, 1);
    pthread_join(t, NULL);

    /* The forking thread holds it: it still does in the child. */
    cf_gil_acquire();
    pid = fork();
    if (pid == 0) {
        int rc = 0;
        if (!cf_gil_held())
            rc = 20;
        else if (cf_gil_release() != 0 || cf_gil_acquire() != 0)
            rc = 21;
        _exit(rc);
    }
    CHECK(pid > 0);
    CHECK_EQ_INT(wait_child(pid), 0);
    CHECK(cf_gil_held());
    cf_gil_release();
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

int main(void) {
    RUN(test_errors);
    RUN(test_disabled_noop);
    RUN(test_mutual_exclusion);
    RUN(test_handover);
    RUN(test_forced_switching);
    RUN(test_save_restore);
    RUN(test_fork);
    return check_summary();
}
