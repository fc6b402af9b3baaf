/*
 * test_fast_path.c — the process pool's spinning round trip (issue 15,
 * item 3): the manager spins on the workers' shm->finished and the worker
 * on shm->posted before either sleeps, and a short result read is not
 * followed by an EAGAIN read. What must hold on that path:
 *   - one task at a time (the spinning case), payloads of every size cross
 *     intact: empty, one byte, around the parent's 64 KiB read buffer,
 *     above the 256 KiB big-result threshold, 1 MiB arguments (written in
 *     pieces, so the worker's counter lags the pipe and its poll finds them);
 *   - a worker killed while the parent spins on it fails that future with
 *     CF_EBROKEN naming the signal, bounded, and the pool stays usable;
 *   - a worker that dies with its result message half-written (half a
 *     header; a header and part of a small payload; a header and part of a
 *     big payload read straight into its own buffer) fails the future,
 *     never completes it with the torn bytes, never hangs;
 *   - a task longer than the spin: the manager falls asleep in epoll_wait
 *     (seen in /proc, bounded polling) and is still woken by the result.
 */
#include "proc_channel.h"
#include "proc_test.h"

#include <fcntl.h>
#include <sys/stat.h>

/* The child's only write-only pipe is its result pipe (every other
 * descriptor above 2 was closed at fork, bar the task pipe's read end). */
static int result_fd(void) {
    for (int fd = 3; fd < 1024; fd++) {
        int fl = fcntl(fd, F_GETFL);
        struct stat st;
        if (fl >= 0 && (fl & O_ACCMODE) == O_WRONLY && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode))
            return fd;
    }
    return -1;
}

static void t_die_now(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
    raise(SIGKILL);
}

/* arg: u64 mode. Writes a torn result message, then dies. */
enum { TORN_HALF_HEADER = 1, TORN_SMALL_PAYLOAD = 2, TORN_BIG_PAYLOAD = 3 };
#define TORN_SLOT                                                                                  \
    (PT_MAXIDX - 1) /* pt->runs[] slot counting torn writes (t_square never uses it) */
static void t_torn(const void *arg, size_t len, cf_out *out) {
    (void)out;
    uint64_t mode = 0;
    if (len == sizeof mode) memcpy(&mode, arg, sizeof mode);
    int fd = result_fd();
    struct cf__pmsg_res h = {.kind = CF__PRES_RESULT, .status = 0};
    static unsigned char junk[8192];
    memset(junk, 0xab, sizeof junk);
    if (fd >= 0) {
        if (mode == TORN_HALF_HEADER) {
            (void)!write(fd, &h, sizeof h / 2);
        } else {
            h.len = mode == TORN_SMALL_PAYLOAD ? 1000 : 300000; /* above BIG_RESULT */
            (void)!write(fd, &h, sizeof h);
            (void)!write(fd, junk, mode == TORN_SMALL_PAYLOAD ? 10 : sizeof junk);
        }
        atomic_fetch_add(&pt->runs[TORN_SLOT], 1); /* the torn bytes were written */
    }
    raise(SIGKILL);
}

static bool has(const char *msg, const char *needle) {
    bool ok = msg && strstr(msg, needle);
    if (!ok) fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg ? msg : "(null)", needle);
    return ok;
}

/* One quick task at a time, enough of them for the look-ahead heuristic to
 * know the tasks are short: the manager spins from here on. */
static void warm(cf_executor *ex, int n) {
    for (uint64_t i = 0; i < (uint64_t)n; i++) {
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, t_square, &i, sizeof i, &f), 0);
        CHECK(pt_u64(f) == i * i);
        cf_future_release(f);
    }
}

static void usable(cf_executor *ex) {
    cf_future *f;
    uint64_t x = 12;
    CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &f), 0);
    CHECK(pt_u64(f) == 144);
    cf_future_release(f);
}

static void test_sizes(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 2}, &ex), 0);
    warm(ex, 100);
    static const size_t sizes[] = {0,
                                   1,
                                   31,
                                   32,
                                   65536 - 32,
                                   65536 - 31,
                                   65536,
                                   65537,
                                   256 * 1024,
                                   256 * 1024 + 1,
                                   300000,
                                   1u << 20,
                                   (1u << 20) + 7,
                                   5,
                                   0,
                                   65536 + 32};
    size_t maxn = (1u << 20) + 7;
    unsigned char *buf = malloc(maxn);
    CHECK(buf != NULL);
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(i * 131 + k);
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, t_echo, n ? buf : NULL, n, &f), 0);
        const void *d = NULL;
        size_t got = 99;
        CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, &d, &got), 0);
        CHECK(got == n);
        if (got == n && n) CHECK(memcmp(d, buf, n) == 0);
        cf_future_release(f);
        usable(ex); /* a quick one between: the spin keeps being exercised */
    }
    free(buf);
    cf_executor_stats st;
    cf_executor_stats_get(ex, &st);
    CHECK_EQ_INT(st.workers_replaced, 0);
    cf_executor_free(ex);
}

static void test_killed_while_spinning(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    for (int round = 0; round < 5; round++) {
        warm(ex, 40);
        cf_future *f;
        CHECK_EQ_INT(cf_submit(ex, t_die_now, NULL, 0, &f), 0);
        CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), CF_EBROKEN);
        int code = 0;
        const char *msg = NULL;
        CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_EBROKEN);
        CHECK(has(msg, "died while running the task"));
        CHECK(has(msg, "SIGKILL"));
        cf_future_release(f);
        usable(ex);
    }
    CHECK(!cf_executor_is_broken(ex));
    cf_executor_free(ex);
}

static void test_torn_results(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1}, &ex), 0);
    atomic_store(&pt->runs[TORN_SLOT], 0);
    for (uint64_t mode = TORN_HALF_HEADER; mode <= TORN_BIG_PAYLOAD; mode++) {
        warm(ex, 40);
        cf_future *f, *after;
        CHECK_EQ_INT(cf_submit(ex, t_torn, &mode, sizeof mode, &f), 0);
        uint64_t x = 1000 + mode;
        CHECK_EQ_INT(cf_submit(ex, t_square, &x, sizeof x, &after), 0); /* queued behind it */
        CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), CF_EBROKEN);
        int code = 0;
        const char *msg = NULL;
        CHECK_EQ_INT(cf_future_error(f, &code, &msg), CF_EBROKEN);
        CHECK(has(msg, "died while running the task"));
        cf_future_release(f);
        CHECK(pt_u64(after) == x * x); /* re-queued to a new worker, ran once */
        cf_future_release(after);
        usable(ex);
    }
    CHECK_EQ_INT(atomic_load(&pt->runs[TORN_SLOT]), 3);
    CHECK(!cf_executor_is_broken(ex));
    cf_executor_free(ex);
}

/* State letter of this process's thread named `name`, or 0. */
static char thread_state(const char *name) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return 0;
    char st = 0;
    struct dirent *e;
    while ((e = readdir(d)) && !st) {
        if (e->d_name[0] == '.') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
        FILE *fp = fopen(path, "r");
        if (!fp) continue;
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        char *l = strchr(buf, '('), *r = strrchr(buf, ')');
        if (!l || !r || r[1] != ' ') continue;
        *r = '\0';
        if (strcmp(l + 1, name) == 0) st = r[2];
    }
    closedir(d);
    return st;
}

static void test_long_task_sleeps(void) {
    cf_executor *ex = NULL;
    CHECK_EQ_INT(cf_process_pool_new(&(cf_executor_opts){.max_workers = 1, .name = "fpt"}, &ex), 0);
    warm(ex, 40);
    cf_future *f;
    CHECK_EQ_INT(cf_submit(ex, t_block, NULL, 0, &f), 0);
    CHECK(pt_sem_wait(&pt->started, PT_WAIT_S));
    /* Bounded polling: the manager's spin runs out and it sleeps. */
    bool asleep = false;
    for (int i = 0; i < PT_WAIT_S * 1000 && !asleep; i++) {
        asleep = thread_state("fpt-mgr") == 'S';
        if (!asleep) usleep(1000);
    }
    CHECK(asleep);
    sem_post(&pt->release);
    CHECK_EQ_INT(cf_future_result(f, PT_WAIT_S, NULL, NULL), 0);
    cf_future_release(f);
    usable(ex);
    cf_executor_free(ex);
}

int main(void) {
    pt_setup();
    test_sizes();
    test_killed_while_spinning();
    test_torn_results();
    test_long_task_sleeps();
    return check_summary();
}
