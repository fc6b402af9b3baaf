/*
 * test_alloc_fork.c — threads that allocate without pause while a process
 * pool forks a new worker for every task (max_tasks_per_child = 1).
 *
 * Sanitizer builds (issue 14, item 4): there core/src/san_fork_gate.c
 * replaces malloc & co. and makes every fork wait until no thread is inside
 * the allocator. Its gate was not reentrant: TSan's strdup calls glibc's
 * strdup, which calls the gate's own malloc, so a fork prepared between the
 * two entries left the thread counted inside while it waited for the fork,
 * and the pool's manager waited for it for ever in cf__fork_quiesce(). This
 * test hung there under TSan before the fix (strdup in the hammer threads
 * is the nested path; the other calls keep every other entry point busy
 * across forks too). Under ASan+UBSan the same hammering checks that no
 * forked worker inherits a held allocator lock (the gate's original job).
 *
 * Plain builds: the gate is not compiled (glibc's malloc is fork-safe on
 * its own); the test then checks that glibc's malloc and the pool's
 * worker replacement hold up under the same load: every task's value is
 * right, computed in a fresh worker that allocated after its fork.
 *
 * Bounded: a watchdog thread fails the test with a message (exit 1) when no
 * task has completed for WATCHDOG_S seconds, so a deadlock is a failure with
 * a reason, not a CTest timeout. The bound is on progress, not on the whole
 * run, so a busy machine only makes the test slower.
 */
#include "proc_test.h"

#include <pthread.h>

#define NTASKS 150
#define NHAMMER 3
#define WATCHDOG_S 60

static atomic_bool stop_hammer;
static atomic_long hammer_rounds;
static atomic_int hammer_bad;
static sem_t progress; /* posted by main for every completed task, and at the end */
static atomic_bool all_done;

static const char text[] = "the quick brown fox jumps over the lazy dog";

static void *hammer(void *arg) {
    unsigned seed = (unsigned)(uintptr_t)arg;
    while (!atomic_load(&stop_hammer)) {
        /* strdup: under TSan the nested path (interceptor -> glibc strdup ->
         * our malloc); done several times per round to keep it hot. */
        for (int i = 0; i < 8; i++) {
            char *s = strdup(text);
            if (!s || strcmp(s, text) != 0) atomic_fetch_add(&hammer_bad, 1);
            free(s);
        }
        char *t = strndup(text, 9);
        if (!t || strcmp(t, "the quick") != 0) atomic_fetch_add(&hammer_bad, 1);
        free(t);
        seed = seed * 1103515245u + 12345u;
        size_t n = 16 + (seed >> 8) % 4096;
        unsigned char *p = malloc(n);
        if (p) {
            memset(p, 0xab, n);
            unsigned char *q = realloc(p, 2 * n + 40000 * ((seed >> 4) & 1)); /* sometimes mmap */
            if (q) p = q;
        } else {
            atomic_fetch_add(&hammer_bad, 1);
        }
        free(p);
        int *c = calloc(4, 32);
        if (!c || c[0] != 0) atomic_fetch_add(&hammer_bad, 1);
        free(c);
        void *a = NULL;
        if (posix_memalign(&a, 64, 256) != 0 || ((uintptr_t)a & 63) != 0)
            atomic_fetch_add(&hammer_bad, 1);
        free(a);
        atomic_fetch_add(&hammer_rounds, 1);
    }
    return NULL;
}

/* Fails the test when no task completes for WATCHDOG_S seconds. Only
 * async-signal-safe calls on the way out: other threads may be stuck
 * inside the allocator. */
static void *watchdog(void *arg) {
    (void)arg;
    while (!atomic_load(&all_done)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += WATCHDOG_S;
        int r;
        while ((r = sem_timedwait(&progress, &ts)) != 0 && errno == EINTR) {
        }
        if (r != 0) {
            static const char msg[] =
                "test_alloc_fork: FAILED: no task completed for 60 s: the pool's fork is "
                "deadlocked against the allocating threads (fork gate, san_fork_gate.c)\n";
            ssize_t w = write(2, msg, sizeof msg - 1);
            (void)w;
            _exit(1);
        }
    }
    return NULL;
}

/* In a fresh worker: allocates (strdup) and returns the argument's bytes
 * followed by its length. */
static void t_dup(const void *arg, size_t len, cf_out *out) {
    char *s = strndup(arg, len);
    if (!s) {
        cf_out_error(out, 12, "strndup failed");
        return;
    }
    size_t n = strlen(s);
    unsigned char *r = cf_out_alloc(out, n + sizeof n);
    if (r) {
        memcpy(r, s, n);
        memcpy(r + n, &n, sizeof n);
    }
    free(s);
}

static void test_fork_while_allocating(void) {
    sem_init(&progress, 0, 0);
    pthread_t wd, hm[NHAMMER];
    CHECK_EQ_INT(pthread_create(&wd, NULL, watchdog, NULL), 0);
    for (int i = 0; i < NHAMMER; i++)
        CHECK_EQ_INT(pthread_create(&hm[i], NULL, hammer, (void *)(uintptr_t)(i + 1)), 0);

    cf_executor *ex = NULL;
    CHECK_EQ_INT(
        cf_process_pool_new(&(cf_executor_opts){.max_workers = 2, .max_tasks_per_child = 1}, &ex),
        0);
    int ok = 0;
    long rounds_at_start = atomic_load(&hammer_rounds);
    /* Two in flight at a time: the manager forks while the hammers run. */
    cf_future *fs[2] = {NULL, NULL};
    char args[2][32];
    for (int i = 0; ex && i < NTASKS + 2; i++) {
        int slot = i % 2;
        if (fs[slot]) {
            const void *d = NULL;
            size_t n = 0;
            int rc = cf_future_result(fs[slot], PT_WAIT_S + WATCHDOG_S, &d, &n);
            size_t want = strlen(args[slot]);
            size_t got = 0;
            if (rc == 0 && n == want + sizeof got) memcpy(&got, (const char *)d + want, sizeof got);
            if (rc == 0 && n == want + sizeof got && got == want && !memcmp(d, args[slot], want))
                ok++;
            else
                fprintf(stderr, "task for \"%s\": rc %d (%s), %zu bytes\n", args[slot], rc,
                        cf_strerror(rc), n);
            cf_future_release(fs[slot]);
            fs[slot] = NULL;
            sem_post(&progress);
        }
        if (i < NTASKS) {
            snprintf(args[slot], sizeof args[slot], "task %d of %d", i, NTASKS);
            CHECK_EQ_INT(cf_submit(ex, t_dup, args[slot], strlen(args[slot]), &fs[slot]), 0);
        }
    }
    CHECK_EQ_INT(ok, NTASKS);
    /* The hammers really ran while the pool forked. */
    CHECK(atomic_load(&hammer_rounds) > rounds_at_start);
    if (ex) {
        /* One fork per task: every task ran in a worker of its own. */
        cf_executor_stats st = {0};
        CHECK_EQ_INT(cf_executor_stats_get(ex, &st), 0);
        CHECK(st.workers_started >= NTASKS);
        CHECK_EQ_INT(cf_executor_shutdown(ex, true, false), 0);
        cf_executor_free(ex);
    }
    sem_post(&progress);

    atomic_store(&stop_hammer, true);
    for (int i = 0; i < NHAMMER; i++)
        pthread_join(hm[i], NULL);
    CHECK_EQ_INT(atomic_load(&hammer_bad), 0);
    fprintf(stderr, "%d tasks in fresh workers, %ld hammer rounds\n", ok,
            atomic_load(&hammer_rounds));
    atomic_store(&all_done, true);
    sem_post(&progress);
    pthread_join(wd, NULL);
    sem_destroy(&progress);
}

int main(void) {
    RUN(test_fork_while_allocating);
    return check_summary();
}
