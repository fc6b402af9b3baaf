/*
 * cmd_futures.c — `cfbench futures`: each future's state as it changes,
 * then executor.map, in the style of Fluent Python's demo_executor_map.py
 * (ch. 20) and the futures reprs of flags_threadpool_futures.py:
 *
 *   [21:40:01] Script starting.
 *   [21:40:01] submitted loiter(0): <Future at 0x55d0c8a0 state=running>
 *   …
 *   [21:40:01] loiter(0): <Future at 0x55d0c8a0 state=running>
 *   [21:40:01] loiter(0): doing nothing for 0s...
 *   [21:40:01] loiter(0): done.
 *   [21:40:01] loiter(0): <Future at 0x55d0c8a0 state=finished returned 0>
 *   …  then the book's executor.map demo on the same pool.
 *
 * How state changes are observed, without polling. A future goes PENDING ->
 * RUNNING when a worker takes its task, and -> FINISHED when the task
 * returns. FINISHED is seen through cf_future_add_done_callback; RUNNING
 * through the task itself: its first act is to report "started i" and wait
 * for the main thread's go-ahead, so when the main thread prints that
 * future's state it is RUNNING (the pool set it before calling the task,
 * and the task cannot finish before the go). The main thread prints every
 * line of the observer; tasks print their own two lines (one write(2) each,
 * atomic, as in cmd_demo.c).
 *
 * Threads, processes, memory. The events travel through one MAP_SHARED
 * anonymous `observer` made before the pool exists, so thread-pool workers
 * and forked process-pool workers see the same pages: a process-shared
 * mutex and condition variable guard an append-only event log (started i:
 * from the task; done i: from the done callback, which runs in the worker
 * thread or on the process pool's manager thread) and the go flags (set by
 * the main thread). The main thread consumes the log in order. Invariant:
 * each task appends exactly one "started" (observed tasks only) and its
 * callback exactly one "done", so the log holds at most 2 × tasks entries.
 *
 * Ownership: the observer mapping, the pool, the futures (one reference
 * each) and the callback arguments belong to cfb_cmd_futures and are freed
 * before it returns, after the pool has shut down.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "loiter.h"
#include "modes.h"

int cfb_cmd_futures(int argc, char **argv);

#define TASKS_MAX 20

enum { EV_STARTED = 1, EV_DONE = 2 };

typedef struct observer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int nev;
    struct {
        int kind, task;
    } ev[2 * TASKS_MAX];
    unsigned char go[TASKS_MAX];
} observer;

static observer *obs; /* set before the pool exists; inherited by forked workers */
static bool show_ms;

typedef struct demo_arg {
    int64_t index;
    double seconds;
    int observed; /* 1: report "started" and wait for the go */
} demo_arg;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[600];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, sizeof buf, "[%H:%M:%S", &tm);
    if (show_ms)
        n += (size_t)snprintf(buf + n, sizeof buf - n, ".%03ld] ", (long)(tv.tv_usec / 1000));
    else
        n += (size_t)snprintf(buf + n, sizeof buf - n, "] ");
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) return;
    n += (size_t)m < sizeof buf - n - 1 ? (size_t)m : sizeof buf - n - 2;
    buf[n++] = '\n';
    for (size_t off = 0; off < n;) {
        ssize_t w = write(STDOUT_FILENO, buf + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += (size_t)w;
    }
}

static void post(int kind, int task) {
    pthread_mutex_lock(&obs->mu);
    if (obs->nev < 2 * TASKS_MAX) {
        obs->ev[obs->nev].kind = kind;
        obs->ev[obs->nev].task = task;
        obs->nev++;
    }
    pthread_cond_broadcast(&obs->cv);
    pthread_mutex_unlock(&obs->mu);
}

static const char *tabs(int64_t i) {
    static const char t[] = "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t";
    return t + (sizeof t - 1) - (size_t)(i < 0 ? 0 : i > TASKS_MAX ? TASKS_MAX : i);
}

/* The book's loiter(n), with the observer's handshake first. */
static void loiter_task(const void *arg, size_t len, cf_out *out) {
    demo_arg a;
    if (len != sizeof a) {
        cf_out_error(out, 1, "bad argument");
        return;
    }
    memcpy(&a, arg, sizeof a);
    if (a.observed) {
        post(EV_STARTED, (int)a.index);
        pthread_mutex_lock(&obs->mu);
        while (!obs->go[a.index])
            pthread_cond_wait(&obs->cv, &obs->mu);
        pthread_mutex_unlock(&obs->mu);
    }
    say("%sloiter(%" PRId64 "): doing nothing for %gs...", tabs(a.index), a.index, a.seconds);
    cfb_sleep_s(a.seconds);
    say("%sloiter(%" PRId64 "): done.", tabs(a.index), a.index);
    int64_t v = a.index * 10;
    cf_out_set(out, &v, sizeof v);
}

typedef struct cb_arg {
    int task;
} cb_arg;

static void on_done(cf_future *f, void *arg) {
    (void)f;
    post(EV_DONE, ((cb_arg *)arg)->task);
}

/* Python's Future.__repr__, with the value instead of its type name. */
static void repr(cf_future *f, char *buf, size_t len) {
    if (cf_future_state(f) == CF_FINISHED) {
        const void *d = NULL;
        size_t n = 0;
        int rc = cf_future_result(f, 0, &d, &n);
        int64_t v = 0;
        if (rc == 0 && n == sizeof v) {
            memcpy(&v, d, sizeof v);
            snprintf(buf, len, "<Future at %p state=finished returned %" PRId64 ">", (void *)f, v);
        } else {
            snprintf(buf, len, "<Future at %p state=finished raised %s>", (void *)f,
                     cf_strerror(rc));
        }
        return;
    }
    snprintf(buf, len, "<Future at %p state=%s>", (void *)f, cf_future_state_str(f));
}

static int bad(const char *msg, const char *arg) {
    return cfb_usage_error("futures", msg, arg);
}

static void usage(void) {
    printf("usage: cfbench futures [--workers N] [--tasks N] [--unit S] [--mode thread|process]\n"
           "                       [--no-map]\n\n"
           "Futures as they change state, after Fluent Python's demo_executor_map.py: submit\n"
           "loiter(i) for i in range(tasks) (task i prints, sleeps i*unit seconds, prints\n"
           "again, returns i*10) and print each future as it goes pending -> running ->\n"
           "finished, every line timestamped and indented by task:\n"
           "    [21:40:01] submitted loiter(3): <Future at 0x55d0c8a0 state=pending>\n"
           "    [21:40:01] \t\t\tloiter(3): <Future at 0x55d0c8a0 state=running>\n"
           "    [21:40:04] \t\t\tloiter(3): <Future at 0x55d0c8a0 state=finished returned 30>\n"
           "then run the book's executor.map(loiter, range(tasks)) on the same pool and\n"
           "print the results in input order. States are observed, never polled: a task\n"
           "reports that it started and waits for the go-ahead (so it is seen running),\n"
           "and a done callback reports that it finished.\n"
           "  -j, --workers N  pool size (default 3, as the book)\n"
           "  -n, --tasks N    number of tasks, 1..%d (default 5)\n"
           "  -u, --unit S     seconds per step (default 1)\n"
           "  -m, --mode M     thread (default) or process\n"
           "      --no-map     skip the executor.map part\n"
           "  -h, --help       this text\n",
           TASKS_MAX);
}

int cfb_cmd_futures(int argc, char **argv) {
    long workers = 3, tasks = 5;
    double unit = 1.0;
    bool do_map = true;
    const char *mode = "thread";
    cfb_optparser op;
    if (cfb_opts_init(&op, "futures")) return CFB_EXIT_USAGE;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_WORKERS:
            if (cfb_opt_long(optarg, 1, 64, &workers))
                return bad("--workers: not a whole number in 1..64:", optarg);
            break;
        case CFB_OPT_TASKS:
            if (cfb_opt_long(optarg, 1, TASKS_MAX, &tasks))
                return bad("--tasks: not a whole number in 1..20:", optarg);
            break;
        case CFB_OPT_UNIT: {
            char *end;
            errno = 0;
            unit = strtod(optarg, &end);
            if (!*optarg || *end || errno || !(unit >= 0 && unit <= 60))
                return bad("--unit: not a number of seconds in 0..60:", optarg);
            break;
        }
        case CFB_OPT_MODE:
            mode = optarg;
            break;
        case CFB_OPT_NO_MAP:
            do_map = false;
            break;
        case CFB_OPT_HELP:
            usage();
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return bad("unexpected argument", argv[optind]);
    bool thread = !strcmp(mode, "thread");
    if (!thread && strcmp(mode, "process"))
        return bad("--mode must be thread or process, not", mode);
    show_ms = unit < 1.0 || unit != (double)(long)unit;

    obs = mmap(NULL, sizeof *obs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (obs == MAP_FAILED) {
        obs = NULL;
        fprintf(stderr, "cfbench futures: mmap: %s\n", strerror(errno));
        return CFB_EXIT_ENV;
    }
    memset(obs, 0, sizeof *obs);
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
    pthread_condattr_init(&ca);
    pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&obs->mu, &ma);
    pthread_cond_init(&obs->cv, &ca);
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);

    demo_arg args[TASKS_MAX];
    cb_arg cbs[TASKS_MAX];
    cf_future *fs[TASKS_MAX] = {0};
    for (long i = 0; i < tasks; i++) {
        args[i] = (demo_arg){.index = i, .seconds = (double)i * unit, .observed = 1};
        cbs[i].task = (int)i;
    }
    fflush(stdout);
    say("Script starting.");
    cf_executor_opts o = {.max_workers = (int)workers};
    cf_executor *ex = NULL;
    int rc = thread ? cf_thread_pool_new(&o, &ex) : cf_process_pool_new(&o, &ex);
    int ret = CFB_EXIT_OK;
    if (rc) {
        fprintf(stderr, "cfbench futures: cannot create the pool: %s\n", cf_strerror(rc));
        ret = CFB_EXIT_ENV;
        goto out;
    }
    say("executor: <%sPoolExecutor max_workers=%ld>", thread ? "Thread" : "Process", workers);
    long nsub = 0;
    char r[160];
    for (long i = 0; i < tasks; i++) {
        rc = cf_submit(ex, loiter_task, &args[i], sizeof args[i], &fs[i]);
        if (rc) break;
        nsub++;
        repr(fs[i], r, sizeof r);
        say("submitted loiter(%ld): %s", i, r);
        /* No task can finish before its go (below), so this never runs at once. */
        cf_future_add_done_callback(fs[i], on_done, &cbs[i]);
    }
    if (rc) {
        fprintf(stderr, "cfbench futures: submit: %s\n", cf_strerror(rc));
        ret = CFB_EXIT_FAIL;
        pthread_mutex_lock(&obs->mu); /* let the submitted ones run to the end */
        for (long i = 0; i < nsub; i++)
            obs->go[i] = 1;
        pthread_cond_broadcast(&obs->cv);
        pthread_mutex_unlock(&obs->mu);
    } else {
        say("Watching the futures change state:");
        int seen = 0;
        long done = 0;
        while (done < nsub) {
            pthread_mutex_lock(&obs->mu);
            while (seen == obs->nev)
                pthread_cond_wait(&obs->cv, &obs->mu);
            int kind = obs->ev[seen].kind, i = obs->ev[seen].task;
            seen++;
            pthread_mutex_unlock(&obs->mu);
            repr(fs[i], r, sizeof r);
            say("%sloiter(%d): %s", tabs(i), i, r);
            if (kind == EV_STARTED) {
                pthread_mutex_lock(&obs->mu);
                obs->go[i] = 1;
                pthread_cond_broadcast(&obs->cv);
                pthread_mutex_unlock(&obs->mu);
            } else {
                done++;
                if (cf_future_result(fs[i], 0, NULL, NULL) != 0) ret = CFB_EXIT_FAIL;
            }
        }
    }
    if (do_map && ret == CFB_EXIT_OK) {
        const void *ptrs[TASKS_MAX];
        size_t lens[TASKS_MAX];
        for (long i = 0; i < tasks; i++) {
            args[i].observed = 0;
            ptrs[i] = &args[i];
            lens[i] = sizeof args[i];
        }
        cf_map_iter *it = NULL;
        rc = cf_map_array(ex, loiter_task, ptrs, lens, (size_t)tasks, NULL, &it);
        if (!rc) {
            say("results = executor.map(loiter, range(%ld)): <cf_map_iter %p>", tasks, (void *)it);
            say("Waiting for individual results:");
            const void *d;
            size_t len;
            for (long i = 0; (rc = cf_map_next(it, &d, &len)) == 0; i++) {
                int64_t v = 0;
                if (len == sizeof v) memcpy(&v, d, sizeof v);
                say("result %ld: %" PRId64, i, v);
            }
            if (rc == CF_EEOF) rc = 0;
        }
        cf_map_free(it);
        if (rc) {
            fprintf(stderr, "cfbench futures: map: %s\n", cf_strerror(rc));
            ret = CFB_EXIT_FAIL;
        }
    }
    cf_executor_free(ex); /* waits for every task: no callback runs after this */
out:
    for (long i = 0; i < tasks; i++)
        cf_future_release(fs[i]);
    pthread_cond_destroy(&obs->cv);
    pthread_mutex_destroy(&obs->mu);
    munmap(obs, sizeof *obs);
    obs = NULL;
    return ret;
}
