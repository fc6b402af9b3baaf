/*
 * cmd_demo.c — the book's demos: `cfbench primes` and `cfbench loiter`.
 *
 * Modes: the tasks run through cfb_run_tasks() (runners/taskrun.h), i.e.
 * the engine's own seq, thread, process, async and hybrid modes; this file
 * has no pool code of its own. Threads/processes are the mode's: seq and
 * async run the tasks on the main thread (async: loiter on its timer
 * driver, primes inline, blocking the loop), thread/process a cfutures
 * pool, hybrid forked processes with a loop each. The main thread prints
 * each result from the run's events, which arrive on it in completion
 * order: --as-completed prints them so; map order (loiter's default, as
 * Executor.map) buffers them and prints the longest done prefix. primes
 * prints in completion order with the engine's own per-task times
 * (start/end recorded around the task in its worker). Demo tasks print
 * with one write(2) per line (atomic for short lines on pipes and
 * terminals), so lines from threads or forked workers never interleave,
 * and stdio buffers are never duplicated by fork.
 *
 * Who frees what: each command owns its params, task list and result
 * buffers; the engine owns everything of the run.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "options.h"
#include "loiter.h"
#include "modes.h"
#include "primes.h"
#include "taskrun.h"
#include "workload.h"

int cfb_cmd_primes(int argc, char **argv);
int cfb_cmd_loiter(int argc, char **argv);

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(STDOUT_FILENO, buf + off, len - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        off += (size_t)w;
    }
}

/* ---- primes --------------------------------------------------------------- */

static double now_s(void) {
    return cfb_now();
}

/* The mode as --help and errors spell it, and a run's one-line description. */
static const cfb_mode *demo_mode(const char *cmd, const char *name, int *ret) {
    const cfb_mode *m = cfb_taskrun_mode_find(name);
    if (!m) {
        char names[128], msg[160];
        snprintf(msg, sizeof msg, "--mode must be %s, not",
                 cfb_taskrun_mode_names(names, sizeof names));
        *ret = cfb_usage_error(cmd, msg, name);
    }
    return m;
}

/* A task of demo cmd that failed (its status, else "invalid argument" for a
 * value of the wrong size), on stderr. */
static void say_task_failed(const char *cmd, const cfb_task_event *ev) {
    fprintf(stderr, "cfbench %s: task %zu failed: %s%s%s\n", cmd, ev->index,
            cf_strerror(ev->status ? ev->status : CF_EINVAL), ev->msg[0] ? ": " : "", ev->msg);
}

static void with_what(const cfb_mode *m, long workers, char *buf, size_t len) {
    if (!strcmp(m->name, "seq"))
        snprintf(buf, len, "sequentially");
    else if (!strcmp(m->name, "thread"))
        snprintf(buf, len, "with %ld threads", workers);
    else if (!strcmp(m->name, "process"))
        snprintf(buf, len, "with %ld processes", workers);
    else if (!strcmp(m->name, "async"))
        snprintf(buf, len, "on one event loop, %ld in flight", workers);
    else if (!strcmp(m->name, "hybrid"))
        snprintf(buf, len, "with %d processes, an event loop each, %ld in flight",
                 cfb_hybrid_processes((int)workers), workers);
    else
        snprintf(buf, len, "in %s mode, %ld workers", m->name, workers);
}

typedef struct primes_demo {
    int wrong, failed;
} primes_demo;

/* One line per number as it completes: `n  P  elapsed` (the task's own
 * time in its worker), and the workload's check of the answer. */
static void primes_done(void *arg, const cfb_task_event *ev) {
    primes_demo *d = arg;
    cfb_primes_result r;
    if (ev->status || ev->len != sizeof r) {
        say_task_failed("primes", ev);
        d->failed++;
        return;
    }
    memcpy(&r, ev->value, sizeof r);
    say("%16" PRIu64 "  %c %9.6fs\n", r.n, r.prime ? 'P' : ' ', ev->end - ev->start);
    if (ev->wrong) {
        fprintf(stderr, "cfbench primes: WRONG: %s\n", ev->wrong);
        d->wrong++;
    }
}

int cfb_cmd_primes(int argc, char **argv) {
    const char *mode = "process", *set = NULL, *numbers = NULL;
    long workers = 0;
    cfb_optparser op;
    if (cfb_opts_init(&op, "primes")) return CFB_EXIT_USAGE;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_MODE:
            mode = optarg;
            break;
        case CFB_OPT_WORKERS:
            if (cfb_opt_long(optarg, 1, 1024, &workers))
                return cfb_usage_error("primes",
                                       "--workers: not a whole number in 1..1024:", optarg);
            break;
        case CFB_OPT_SET:
            set = optarg;
            break;
        case CFB_OPT_NUMBERS:
            numbers = optarg;
            break;
        case CFB_OPT_HELP:
            printf(
                "usage: cfbench primes [--mode MODE] [--workers N]\n"
                "                      [--set fixture|small|medium] [--numbers N,N,…]\n\n"
                "Fluent Python's primality demo: check each number by trial division and\n"
                "print `n  P  elapsed` (P for a prime) as results complete, then the total\n"
                "time. Every answer is checked against the known one (exit 1 if wrong).\n"
                "  -m, --mode MODE      seq (a plain loop), thread, process (default), async\n"
                "                       (one event loop: the tasks block it, one at a time) or\n"
                "                       hybrid (processes with an event loop each)\n"
                "  -j, --workers N      pool size, or tasks in flight (default: the CPUs)\n"
                "      --set NAME       the book's 20 numbers (fixture, default), small, medium\n"
                "      --numbers N,N,…  your own comma-separated numbers (instead of --set)\n"
                "  -h, --help           this help\n"
                "(-s and -n for --set and --numbers are deprecated: -n is --tasks elsewhere)\n");
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return cfb_usage_error("primes", "unexpected argument", argv[optind]);
    int ret = CFB_EXIT_OK;
    const cfb_mode *m = demo_mode("primes", mode, &ret);
    if (!m) return ret;
    const cfb_workload *w = &cfb_workload_primes;
    cfb_params *p = NULL;
    char err[512];
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err))
        return cfb_usage_error("primes", err, NULL);
    if ((set && cfb_params_set(p, "set", set, err, sizeof err)) ||
        (numbers && cfb_params_set(p, "numbers", numbers, err, sizeof err))) {
        cfb_params_free(p);
        return cfb_usage_error("primes", err, NULL);
    }
    cfb_tasklist tl = {0};
    if (w->make_tasks(p, &tl, err, sizeof err)) {
        cfb_params_free(p);
        cfb_tasklist_free(&tl);
        return cfb_usage_error("primes", err, NULL);
    }
    if (!workers) workers = cf_cpu_count();
    if (!m->parallel) workers = 1;
    char what[128];
    with_what(m, workers, what, sizeof what);
    fflush(stdout);
    say("Checking %zu numbers %s:\n", tl.n, what);
    double t0 = now_s();
    primes_demo d = {0};
    cfb_taskrun run = {.workload = w,
                       .params = p,
                       .tasks = &tl,
                       .mode = m,
                       .workers = (int)workers,
                       .on_done = primes_done,
                       .ctx = &d};
    if (cfb_run_tasks(&run, err, sizeof err)) {
        fprintf(stderr, "cfbench primes: %s\n", err);
        ret = CFB_EXIT_FAIL;
    }
    if (d.failed) ret = CFB_EXIT_FAIL;
    int wrong = d.wrong;
    say("Total time: %.2fs\n", now_s() - t0);
    if (wrong) {
        fprintf(stderr, "cfbench primes: %d wrong answers\n", wrong);
        ret = CFB_EXIT_FAIL;
    }
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    return ret;
}

/* ---- loiter --------------------------------------------------------------- */

static bool loiter_ms; /* show milliseconds in timestamps (unit < 1 s) */

static void stamp(char *buf, size_t len) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, len, "[%H:%M:%S", &tm);
    if (loiter_ms)
        snprintf(buf + n, len - n, ".%03ld]", (long)(tv.tv_usec / 1000));
    else
        snprintf(buf + n, len - n, "]");
}

static void display(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void display(const char *fmt, ...) {
    char ts[32], msg[400];
    stamp(ts, sizeof ts);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    say("%s %s\n", ts, msg);
}

static void loiter_demo_task(const void *arg, size_t len, cf_out *out) {
    cfb_loiter_arg a;
    if (len != sizeof a) {
        cf_out_error(out, 1, "bad argument");
        return;
    }
    memcpy(&a, arg, sizeof a);
    char tabs[64];
    int t = a.index < 63 ? (int)a.index : 63;
    memset(tabs, '\t', (size_t)t);
    tabs[t] = '\0';
    display("%sloiter(%lld): doing nothing for %gs...", tabs, (long long)a.index, a.seconds);
    cfb_sleep_s(a.seconds);
    display("%sloiter(%lld): done.", tabs, (long long)a.index);
    int64_t v = a.index * 10;
    cf_out_set(out, &v, sizeof v);
}

/* `--mode async` / `hybrid`: the loiter workload's timer driver, with the
 * demo's two lines around each sleep (the driver sets no tag; the mode tags
 * each future with the task's index, which is the loiter index here). */
static int demo_open(struct cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    return cfb_workload_loiter.async->open(loop, p, max_inflight, state);
}

static void demo_woke(cf_future *f, void *arg) {
    (void)arg;
    long long i = (long long)cf_future_tag(f);
    char tabs[64];
    int t = i < 63 ? (int)i : 63;
    memset(tabs, '\t', (size_t)t);
    tabs[t] = '\0';
    display("%sloiter(%lld): done.", tabs, i);
}

static int demo_start(void *state, const void *arg, size_t len, cf_future *fut) {
    cfb_loiter_arg a;
    if (len != sizeof a) return CF_EINVAL;
    memcpy(&a, arg, sizeof a);
    char tabs[64];
    int t = a.index < 63 ? (int)a.index : 63;
    memset(tabs, '\t', (size_t)t);
    tabs[t] = '\0';
    display("%sloiter(%lld): doing nothing for %gs...", tabs, (long long)a.index, a.seconds);
    int rc = cfb_workload_loiter.async->start(state, arg, len, fut);
    if (!rc) cf_future_add_done_callback(fut, demo_woke, NULL); /* before the mode's */
    return rc;
}

static void demo_close(void *state) {
    cfb_workload_loiter.async->close(state);
}

static const cfb_async_driver loiter_demo_driver = {demo_open, demo_start, demo_close};

typedef struct loiter_demo {
    bool as_completed;
    size_t n, next; /* map order: results 0..next-1 printed */
    int64_t *value;
    bool *have;
    int failed;
} loiter_demo;

static void loiter_done(void *arg, const cfb_task_event *ev) {
    loiter_demo *d = arg;
    int64_t v = 0;
    if (ev->status == 0 && ev->len == sizeof v) {
        memcpy(&v, ev->value, sizeof v);
    } else {
        say_task_failed("loiter", ev);
        d->failed++;
    }
    if (d->as_completed) {
        display("result (task %zu): %lld", ev->index, (long long)v);
        return;
    }
    d->value[ev->index] = v; /* map: each result once all before it are in */
    d->have[ev->index] = true;
    while (d->next < d->n && d->have[d->next]) {
        display("result %zu: %lld", d->next, (long long)d->value[d->next]);
        d->next++;
    }
}

int cfb_cmd_loiter(int argc, char **argv) {
    long workers = 3, tasks = 5;
    double unit = 1.0;
    bool as_completed = false, reverse = false;
    const char *mode = "thread";
    cfb_optparser op;
    if (cfb_opts_init(&op, "loiter")) return CFB_EXIT_USAGE;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_WORKERS:
            if (cfb_opt_long(optarg, 1, 1024, &workers))
                return cfb_usage_error("loiter",
                                       "--workers: not a whole number in 1..1024:", optarg);
            break;
        case CFB_OPT_TASKS:
            if (cfb_opt_long(optarg, 1, 1000, &tasks))
                return cfb_usage_error("loiter", "--tasks: not a whole number in 1..1000:", optarg);
            break;
        case CFB_OPT_UNIT: {
            char *end;
            errno = 0;
            unit = strtod(optarg, &end);
            if (!*optarg || *end || errno || !(unit >= 0 && unit <= 60))
                return cfb_usage_error("loiter",
                                       "--unit: not a number of seconds in 0..60:", optarg);
            break;
        }
        case CFB_OPT_AS_COMPLETED:
            as_completed = true;
            break;
        case CFB_OPT_REVERSE:
            reverse = true;
            break;
        case CFB_OPT_MODE:
            mode = optarg;
            break;
        case CFB_OPT_HELP:
            printf(
                "usage: cfbench loiter [--workers N] [--tasks N] [--unit S] [--as-completed]\n"
                "                      [--reverse] [--mode MODE]\n\n"
                "Fluent Python's executor demo, with timestamps: task i prints, sleeps i*unit\n"
                "seconds, prints again and returns i*10. Executor.map gives the results in\n"
                "input order (each waits for its predecessors); --as-completed submits and\n"
                "prints each result as soon as it is done.\n"
                "  -j, --workers N     pool size, or tasks in flight (default 3)\n"
                "  -n, --tasks N       number of tasks (default 5)\n"
                "  -u, --unit S        seconds per step (default 1)\n"
                "      --as-completed  results in completion order\n"
                "      --reverse       task i sleeps (tasks-1-i)*unit: later inputs finish first\n"
                "  -m, --mode MODE     thread (default), process, seq (one after another),\n"
                "                      async (timers on one event loop) or hybrid (processes\n"
                "                      with an event loop each)\n"
                "  -h, --help          this help\n"
                "(-t, -a and -r for --tasks, --as-completed and --reverse are deprecated:\n"
                "they mean --threshold, --alpha and --repeat in other commands)\n");
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return cfb_usage_error("loiter", "unexpected argument", argv[optind]);
    int ret = CFB_EXIT_OK;
    const cfb_mode *m = demo_mode("loiter", mode, &ret);
    if (!m) return ret;
    loiter_ms = unit < 1.0 || unit != (double)(long)unit;
    cfb_workload w = cfb_workload_loiter; /* the demo's task and driver print */
    w.task = loiter_demo_task;
    w.async = &loiter_demo_driver;
    w.check = NULL; /* our own tasks: --reverse is not the workload's pattern */
    cfb_params *p = NULL;
    cfb_tasklist tl = {0};
    loiter_demo d = {.as_completed = as_completed, .n = (size_t)tasks};
    d.value = calloc(d.n, sizeof *d.value);
    d.have = calloc(d.n, sizeof *d.have);
    char err[512];
    if (!d.value || !d.have || cfb_params_new(w.params, w.nparams, &p, err, sizeof err)) {
        fprintf(stderr, "cfbench loiter: out of memory\n");
        ret = CFB_EXIT_ENV;
        goto out;
    }
    for (long i = 0; i < tasks; i++) {
        cfb_loiter_arg a = {.index = i, .seconds = (double)(reverse ? tasks - 1 - i : i) * unit};
        char label[32];
        snprintf(label, sizeof label, "%ld", i);
        if (cfb_tasklist_add(&tl, &a, sizeof a, label)) {
            fprintf(stderr, "cfbench loiter: out of memory\n");
            ret = CFB_EXIT_ENV;
            goto out;
        }
    }
    fflush(stdout);
    display("Script starting.");
    if (!as_completed) {
        display("results: <map of %ld tasks, yielded in input order>", tasks);
        display("Waiting for individual results:");
    } else {
        display("Waiting for results as they complete:");
    }
    cfb_taskrun run = {.workload = &w,
                       .params = p,
                       .tasks = &tl,
                       .mode = m,
                       .workers = (int)workers,
                       .on_done = loiter_done,
                       .ctx = &d};
    if (cfb_run_tasks(&run, err, sizeof err)) {
        fprintf(stderr, "cfbench loiter: %s\n", err);
        ret = CFB_EXIT_FAIL;
    } else if (d.failed) {
        ret = CFB_EXIT_FAIL;
    }
out:
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    free(d.value);
    free(d.have);
    return ret;
}
