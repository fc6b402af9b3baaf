/*
 * test_death_streak.c — issue 14 item 3: the pool's breaking rule ("three
 * workers in a row died holding tasks without starting one") must count
 * only workers that never started a task in their life. Workers that ran
 * tasks and are killed *between* tasks, three at a time with no task
 * completing in between, round after round, never break the pool: the
 * tasks they held run once each on replacement workers. Workers that die
 * before their first task (a pthread_atfork child handler makes every new
 * worker _exit(7)) still break it after three, with a message that says so.
 *
 * How "between tasks" is made deterministic: each of the three workers runs
 * a task that reports its pid, then is stopped (SIGSTOP, waited for in
 * /proc/PID/stat); the manager then hands each stopped worker one task,
 * which it cannot start; the test waits until those futures are RUNNING
 * (written to the worker's pipe) and SIGKILLs the three workers at once.
 */
#include "proc_test.h"

#include <fcntl.h>
#include <pthread.h>

enum { NW = 3, ROUNDS = 6 };

struct sh {
    _Atomic int npids;
    _Atomic int pids[NW];
    _Atomic int runs[ROUNDS * NW];
    _Atomic int die_in_child;
};
static struct sh *S;

/* Records its worker's pid, posts `started`, waits for `release`. */
static void t_hold(const void *arg, size_t len, cf_out *out) {
    (void)arg;
    (void)len;
    int i = atomic_fetch_add(&S->npids, 1);
    if (i < NW) atomic_store(&S->pids[i], (int)getpid());
    sem_post(&pt->started);
    if (!pt_sem_wait(&pt->release, PT_WAIT_S)) cf_out_error(out, 1, "never released");
}

/* Counts its run; returns its id. */
static void t_count(const void *arg, size_t len, cf_out *out) {
    int id;
    if (len != sizeof id) {
        cf_out_error(out, 22, "bad length");
        return;
    }
    memcpy(&id, arg, sizeof id);
    atomic_fetch_add(&S->runs[id], 1);
    cf_out_set(out, &id, sizeof id);
}

/* The state letter of /proc/PID/stat ('?' when unreadable). No malloc. */
static char proc_state(int pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return '?';
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return '?';
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' ? rp[2] : '?';
}

static bool wait_stopped(int pid) {
    for (int i = 0; i < PT_WAIT_S * 10000; i++) {
        char c = proc_state(pid);
        if (c == 'T' || c == 't') return true;
        usleep(100);
    }
    return false;
}

static bool wait_running(cf_future *f) {
    for (int i = 0; i < PT_WAIT_S * 10000; i++) {
        if (cf_future_state(f) != CF_PENDING) return true;
        usleep(100);
    }
    return false;
}

static void test_killed_between_tasks_never_break(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = NW}, &ex), 0);
    for (int round = 0; round < ROUNDS; round++) {
        /* 1. Three workers each run a task (so each has started one). */
        atomic_store(&S->npids, 0);
        cf_future *h[NW];
        for (int i = 0; i < NW; i++)
            CHECK_EQ_INT(cf_submit(ex, t_hold, NULL, 0, &h[i]), 0);
        for (int i = 0; i < NW; i++)
            CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
        int pids[NW];
        for (int i = 0; i < NW; i++) {
            pids[i] = atomic_load(&S->pids[i]);
            CHECK(pids[i] > 0 && pids[i] != (int)getpid());
            for (int j = 0; j < i; j++)
                CHECK(pids[i] != pids[j]); /* three distinct workers */
        }
        for (int i = 0; i < NW; i++)
            sem_post(&pt->release);
        for (int i = 0; i < NW; i++) {
            CHECK_EQ_INT(cf_future_result(h[i], PT_WAIT_S, NULL, NULL), 0);
            cf_future_release(h[i]);
        }
        /* 2. Stop them between tasks; 3. hand each one a task it cannot start. */
        bool ok = true;
        for (int i = 0; i < NW; i++)
            ok &= pids[i] > 0 && pids[i] != (int)getpid() && kill(pids[i], SIGSTOP) == 0;
        CHECK(ok);
        if (!ok) break;
        for (int i = 0; i < NW; i++)
            CHECK(wait_stopped(pids[i]));
        cf_future *f[NW];
        for (int i = 0; i < NW; i++) {
            int id = round * NW + i;
            CHECK_EQ_INT(cf_submit(ex, t_count, &id, sizeof id, &f[i]), 0);
        }
        for (int i = 0; i < NW; i++)
            CHECK(wait_running(f[i]));
        /* 4. Kill all three at once: three deaths in a row, no task done between. */
        for (int i = 0; i < NW; i++)
            kill(pids[i], SIGKILL);
        for (int i = 0; i < NW; i++) {
            int id = round * NW + i;
            const void *d = NULL;
            size_t n = 0;
            int rc = cf_future_result(f[i], PT_WAIT_S, &d, &n);
            CHECK_EQ_INT(rc, 0);
            if (rc != 0) {
                int code = 0;
                const char *msg = NULL;
                cf_future_error(f[i], &code, &msg);
                fprintf(stderr, "round %d task %d: %s\n", round, id, msg ? msg : "(none)");
            }
            CHECK(n == sizeof id && d && memcmp(d, &id, sizeof id) == 0);
            CHECK_EQ_INT(atomic_load(&S->runs[id]), 1); /* run once, on a replacement */
            cf_future_release(f[i]);
        }
        CHECK(!cf_executor_is_broken(ex));
    }
    cf_executor_stats st;
    CHECK_EQ_INT(cf_executor_stats_get(ex, &st), 0);
    CHECK(st.workers_replaced >= (uint64_t)(ROUNDS * NW));
    CHECK(!cf_executor_is_broken(ex));
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

static void child_die(void) {
    if (atomic_load(&S->die_in_child)) _exit(7);
}

/* The rule still holds where it should: every new worker dies before its
 * first task. */
static void test_never_started_still_breaks(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    atomic_store(&S->die_in_child, 1);
    int id = 0;
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_count, &id, sizeof id, &f), 0);
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), CF_EBROKEN);
    int code = 0;
    const char *msg = NULL;
    CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_EBROKEN);
    CHECK(msg && strstr(msg, "3 worker processes in a row died before starting any task"));
    CHECK(msg && strstr(msg, "exited with status 7"));
    if (msg) fprintf(stderr, "broken: %s\n", msg);
    cf_future_release(f);
    CHECK(cf_executor_is_broken(ex));
    CHECK_EQ_INT(cf_submit(ex, t_count, &id, sizeof id, &f), CF_EBROKEN);
    atomic_store(&S->die_in_child, 0);
    cf_executor_free(ex);
    CHECK_EQ_INT(pt_count_children((int)getpid()), 0);
}

int main(void) {
    pt_setup();
    S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (S == MAP_FAILED) return 1;
    memset(S, 0, sizeof *S);
    pthread_atfork(NULL, NULL, child_die);
    RUN(test_killed_between_tasks_never_break);
    RUN(test_never_started_still_breaks);
    return check_summary();
}
