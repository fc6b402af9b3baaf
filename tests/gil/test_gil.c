/*
 * test_gil: the emulated GIL (core/src/gil.c).
 *
 *   - argument and state errors of enable / disable / acquire / release;
 *   - disabled = no-op (two threads "hold" it at once, check does nothing);
 *   - mutual exclusion: threads increment a shared NON-atomic counter while
 *     holding the GIL and handing it over at check points; the total is
 *     exact and TSan (make test-tsan) sees no race; every round is made to
 *     contain a forced handover (waiters queued behind a spinning holder);
 *   - handover: a waiter gets the GIL from a holder that spins on
 *     cf_gil_check() through exactly one forced drop, after at least one
 *     switch interval and (best of a few attempts) within 40 intervals;
 *   - forced switching: whenever a holder dropped the GIL at a check point,
 *     another thread held it before the holder got it back;
 *   - save/restore around a "blocking call" lets another thread run;
 *   - fork: the child has its own lock, free even when a parent thread held
 *     the parent's.
 * No test relies on sleeping or on how threads happen to be scheduled: the
 * contention each check needs is forced, and waits are bounded polls that
 * fail on timeout.
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

/* MX_THREADS threads run MX_ROUNDS rounds. A round starts at a barrier, so
 * when the round's first holder has the GIL the other MX_THREADS-1 threads
 * are queued for it (or about to be: they passed the barrier and call
 * cf_gil_acquire next). The first holder does its increments and keeps
 * spinning at check points until a forced drop happened in this round — a
 * queued waiter's interval must expire with no switch, since the holder
 * never releases — or MX_DROP_BOUND_S passes, which fails the test. So every
 * round contains at least one forced handover, whatever the scheduler does;
 * after it the threads take turns at check points as they happen to. */
#define MX_THREADS 4
#define MX_ROUNDS 20
#define MX_INCS 200000
#define MX_DROP_BOUND_S BOUND_S

static long mx_counter;      /* NOT atomic: the GIL is its only protection */
static const void *mx_owner; /* NOT atomic: who ran last under the GIL */
static atomic_int mx_violations;
static atomic_long mx_incs;              /* increments the threads made, summed at the end */
static atomic_int mx_first[MX_ROUNDS];   /* set by each round's first holder */
static atomic_int mx_no_drop_round = -1; /* first round whose holder waited in vain */
static pthread_barrier_t mx_barrier;

/* Forced drops so far (takes the GIL's mutex; fine from a holder). */
static uint64_t forced_drops_now(void) {
    cf_gil_stats st;
    cf_gil_get_stats(&st);
    return st.forced_drops;
}

static void *mx_thread(void *arg) {
    (void)arg;
    int me;
    long incs = 0;
    for (int r = 0; r < MX_ROUNDS; r++) {
        pthread_barrier_wait(&mx_barrier); /* everyone is between rounds */
        cf_gil_acquire();
        mx_owner = &me;
        /* The round's first holder: nobody else held the GIL in this round
         * yet, so the count now is the round's baseline. */
        bool wait_drop = !atomic_exchange(&mx_first[r], 1) && atomic_load(&mx_no_drop_round) < 0;
        uint64_t drops0 = wait_drop ? forced_drops_now() : 0;
        double t0 = now_s();
        for (long i = 0; i < MX_INCS || wait_drop; i++) {
            long c = mx_counter; /* read-modify-write in two steps on purpose */
            mx_counter = c + 1;
            incs++;
            if ((i & 63) == 0) {
                cf_gil_check();
                mx_owner = &me;
                if (wait_drop && forced_drops_now() > drops0) wait_drop = false;
                if (wait_drop && now_s() - t0 > MX_DROP_BOUND_S) {
                    int none = -1;
                    atomic_compare_exchange_strong(&mx_no_drop_round, &none, r);
                    wait_drop = false;
                }
            }
            if (mx_owner != &me) atomic_fetch_add(&mx_violations, 1);
        }
        cf_gil_release();
    }
    atomic_fetch_add(&mx_incs, incs);
    return NULL;
}

static void test_mutual_exclusion(void) {
    CHECK_EQ_INT(cf_gil_enable(0.0001), 0); /* short interval: many handovers */
    cf_gil_stats s0;
    cf_gil_get_stats(&s0);
    mx_counter = 0;
    CHECK_EQ_INT(pthread_barrier_init(&mx_barrier, NULL, MX_THREADS), 0);
    pthread_t t[MX_THREADS];
    for (int i = 0; i < MX_THREADS; i++)
        pthread_create(&t[i], NULL, mx_thread, NULL);
    for (int i = 0; i < MX_THREADS; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&mx_barrier);
    /* no lost increment: the unprotected counter equals what was done */
    CHECK_EQ_INT(mx_counter, atomic_load(&mx_incs));
    CHECK(atomic_load(&mx_incs) >= (long)MX_THREADS * MX_ROUNDS * MX_INCS);
    CHECK_EQ_INT(atomic_load(&mx_violations), 0);
    cf_gil_stats st;
    cf_gil_get_stats(&st);
    uint64_t acq = st.acquisitions - s0.acquisitions, req = st.drop_requests - s0.drop_requests,
             drops = st.forced_drops - s0.forced_drops;
    fprintf(stderr, "   acquisitions %llu, drop requests %llu, forced drops %llu\n",
            (unsigned long long)acq, (unsigned long long)req, (unsigned long long)drops);
    int bad_round = atomic_load(&mx_no_drop_round);
    if (bad_round >= 0)
        fprintf(stderr,
                "   round %d: the holder spun at check points for %.0f s while %d threads were "
                "queued for the GIL, and no forced drop happened\n",
                bad_round, MX_DROP_BOUND_S, MX_THREADS - 1);
    CHECK_EQ_INT(bad_round, -1);
    CHECK(acq >= (uint64_t)MX_THREADS * MX_ROUNDS);
    CHECK(drops >= MX_ROUNDS); /* a forced handover inside every round */
    CHECK_EQ_INT(cf_gil_disable(), 0);
}

/* ---- handover at the holder's check points ---------------------------------- */

/* A spinner holds the GIL and calls cf_gil_check() between "bytecodes"; the
 * main thread asks for the GIL. Deterministic checks, every attempt: the
 * waiter got it through exactly one forced drop (the spinner answered the
 * request at a check point; it never releases otherwise), not before one
 * switch interval (the request only comes after a whole interval with no
 * switch). Latency: one interval plus scheduling; on a loaded machine a
 * single attempt can take much longer, so the bound must hold for the best
 * of up to HO_ATTEMPTS attempts. */
#define HO_ATTEMPTS 5

static atomic_int ho_holding, ho_waiter_got, ho_spinner_ok;

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

/* One handover; the waiter's wait in seconds, or -1 when a check failed. */
static double handover_once(double interval) {
    atomic_store(&ho_holding, 0);
    atomic_store(&ho_waiter_got, 0);
    atomic_store(&ho_spinner_ok, 0);
    cf_gil_stats s0, s1;
    cf_gil_get_stats(&s0);
    pthread_t t;
    pthread_create(&t, NULL, ho_spinner, NULL);
    double t0 = now_s();
    while (!atomic_load(&ho_holding) && now_s() - t0 < BOUND_S)
        sched_yield();
    CHECK(atomic_load(&ho_holding));
    double w0 = now_s();
    cf_gil_acquire();
    double wait_s = now_s() - w0;
    atomic_store(&ho_waiter_got, 1);
    cf_gil_release();
    pthread_join(t, NULL);
    cf_gil_get_stats(&s1);
    int before = check_failed_;
    CHECK(atomic_load(&ho_spinner_ok));
    CHECK_EQ_INT(s1.forced_drops - s0.forced_drops, 1);
    CHECK(s1.drop_requests - s0.drop_requests >= 1);
    CHECK(wait_s >= interval);
    return check_failed_ == before ? wait_s : -1;
}

static void test_handover(void) {
    const double interval = 0.005, bound = 40 * interval;
    CHECK_EQ_INT(cf_gil_enable(interval), 0);
    double best = -1;
    for (int a = 0; a < HO_ATTEMPTS; a++) {
        double w = handover_once(interval);
        if (w < 0) break; /* already failed */
        fprintf(stderr, "   attempt %d: waiter got the GIL after %.2f ms (interval %.1f ms)\n", a,
                w * 1e3, interval * 1e3);
        if (best < 0 || w < best) best = w;
        if (best < bound) break;
    }
    /* One interval plus scheduling: generous even for a loaded 2-core
     * machine, as the best of a few attempts. */
    CHECK(best >= 0 && best < bound);
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
