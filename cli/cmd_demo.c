/*
 * cmd_demo.c — the book's demos: `cfbench primes` and `cfbench loiter`.
 *
 * Threads/processes: a cfutures pool runs the demo tasks; the main thread
 * prints. Demo tasks print with one write(2) per line (atomic for short
 * lines on pipes and terminals), so lines from threads or forked workers
 * never interleave, and stdio buffers are never duplicated by fork.
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

typedef struct primes_demo_value {
    uint64_t n;
    uint64_t prime;
    double elapsed;
} primes_demo_value;

static double now_s(void) {
    return cfb_now();
}

/* Times cfb_is_prime (the workload's algorithm) on the worker. */
static void primes_demo_task(const void *arg, size_t len, cf_out *out) {
    uint64_t n;
    if (len != sizeof n) {
        cf_out_error(out, 1, "bad argument");
        return;
    }
    memcpy(&n, arg, sizeof n);
    double t0 = now_s();
    bool p = cfb_is_prime(n);
    primes_demo_value v = {n, p, now_s() - t0};
    cf_out_set(out, &v, sizeof v);
}

static int primes_line(const cfb_params *p, size_t i, const void *data, size_t len, int *wrong) {
    primes_demo_value v;
    if (len != sizeof v) return -1;
    memcpy(&v, data, sizeof v);
    say("%16" PRIu64 "  %c %9.6fs\n", v.n, v.prime ? 'P' : ' ', v.elapsed);
    cfb_primes_result r = {.n = v.n, .prime = (uint8_t)v.prime};
    char why[256];
    if (cfb_workload_primes.check(p, i, &r, sizeof r, why, sizeof why) != 0) {
        fprintf(stderr, "cfbench primes: WRONG: %s\n", why);
        (*wrong)++;
    }
    return 0;
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
                "usage: cfbench primes [--mode seq|thread|process] [--workers N]\n"
                "                      [--set fixture|small|medium] [--numbers N,N,…]\n\n"
                "Fluent Python's primality demo: check each number by trial division and\n"
                "print `n  P  elapsed` (P for a prime) as results complete, then the total\n"
                "time. Every answer is checked against the known one (exit 1 if wrong).\n"
                "  -m, --mode MODE      seq (a plain loop), thread or process (default process)\n"
                "  -j, --workers N      pool size (default: the number of CPUs)\n"
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
    bool seq = !strcmp(mode, "seq"), thread = !strcmp(mode, "thread"),
         proc = !strcmp(mode, "process");
    if (!seq && !thread && !proc)
        return cfb_usage_error("primes", "--mode must be seq, thread or process, not", mode);
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
    int wrong = 0, ret = CFB_EXIT_OK;
    fflush(stdout);
    if (seq)
        say("Checking %zu numbers sequentially:\n", tl.n);
    else
        say("Checking %zu numbers with %ld %s:\n", tl.n, workers, thread ? "threads" : "processes");
    double t0 = now_s();
    if (seq) {
        for (size_t i = 0; i < tl.n; i++) {
            cf_future *f = cf_future_new();
            const void *d;
            size_t len;
            if (!f || cf_run_task(f, primes_demo_task, tl.tasks[i].arg, tl.tasks[i].len) ||
                cf_future_result(f, 0, &d, &len) || primes_line(p, i, d, len, &wrong)) {
                fprintf(stderr, "cfbench primes: task %zu failed\n", i);
                ret = CFB_EXIT_FAIL;
            }
            cf_future_release(f);
        }
    } else {
        cf_executor_opts o = {.max_workers = (int)workers};
        cf_executor *ex = NULL;
        cf_future **fs = calloc(tl.n, sizeof *fs);
        int rc =
            fs ? (thread ? cf_thread_pool_new(&o, &ex) : cf_process_pool_new(&o, &ex)) : CF_ENOMEM;
        size_t nsub = 0;
        for (size_t i = 0; !rc && i < tl.n; i++) {
            rc = cf_submit(ex, primes_demo_task, tl.tasks[i].arg, tl.tasks[i].len, &fs[i]);
            if (!rc) {
                cf_future_set_tag(fs[i], i);
                nsub++;
            }
        }
        cf_as_completed *ac = NULL;
        if (!rc) rc = cf_as_completed_new(fs, nsub, CF_FOREVER, &ac);
        cf_future *f;
        while (!rc && cf_as_completed_next(ac, &f) == 0) {
            const void *d;
            size_t len;
            size_t i = (size_t)cf_future_tag(f);
            int r = cf_future_result(f, 0, &d, &len);
            if (r || primes_line(p, i, d, len, &wrong)) {
                fprintf(stderr, "cfbench primes: task %zu failed: %s\n", i, cf_strerror(r));
                ret = CFB_EXIT_FAIL;
            }
        }
        if (rc) {
            fprintf(stderr, "cfbench primes: %s\n", cf_strerror(rc));
            ret = CFB_EXIT_FAIL;
        }
        cf_as_completed_free(ac);
        for (size_t i = 0; i < nsub; i++)
            cf_future_release(fs[i]);
        free(fs);
        cf_executor_free(ex);
    }
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
                "                      [--reverse] [--mode thread|process]\n\n"
                "Fluent Python's executor demo, with timestamps: task i prints, sleeps i*unit\n"
                "seconds, prints again and returns i*10. Executor.map gives the results in\n"
                "input order (each waits for its predecessors); --as-completed submits and\n"
                "prints each result as soon as it is done.\n"
                "  -j, --workers N     pool size (default 3)\n"
                "  -n, --tasks N       number of tasks (default 5)\n"
                "  -u, --unit S        seconds per step (default 1)\n"
                "      --as-completed  results in completion order\n"
                "      --reverse       task i sleeps (tasks-1-i)*unit: later inputs finish first\n"
                "  -m, --mode MODE     thread (default) or process\n"
                "  -h, --help          this help\n"
                "(-t, -a and -r for --tasks, --as-completed and --reverse are deprecated:\n"
                "they mean --threshold, --alpha and --repeat in other commands)\n");
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) return cfb_usage_error("loiter", "unexpected argument", argv[optind]);
    bool thread = !strcmp(mode, "thread");
    if (!thread && strcmp(mode, "process"))
        return cfb_usage_error("loiter", "--mode must be thread or process, not", mode);
    loiter_ms = unit < 1.0 || unit != (double)(long)unit;
    cfb_loiter_arg *args = calloc((size_t)tasks, sizeof *args);
    const void **ptrs = calloc((size_t)tasks, sizeof *ptrs);
    size_t *lens = calloc((size_t)tasks, sizeof *lens);
    if (!args || !ptrs || !lens) {
        free(args);
        free(ptrs);
        free(lens);
        fprintf(stderr, "cfbench loiter: out of memory\n");
        return CFB_EXIT_ENV;
    }
    for (long i = 0; i < tasks; i++) {
        args[i].index = i;
        args[i].seconds = (double)(reverse ? tasks - 1 - i : i) * unit;
        ptrs[i] = &args[i];
        lens[i] = sizeof args[i];
    }
    fflush(stdout);
    display("Script starting.");
    cf_executor_opts o = {.max_workers = (int)workers};
    cf_executor *ex = NULL;
    int rc = thread ? cf_thread_pool_new(&o, &ex) : cf_process_pool_new(&o, &ex);
    int ret = CFB_EXIT_OK;
    if (rc) {
        fprintf(stderr, "cfbench loiter: cannot create the pool: %s\n", cf_strerror(rc));
        ret = CFB_EXIT_ENV;
    } else if (!as_completed) {
        cf_map_iter *it = NULL;
        rc = cf_map_array(ex, loiter_demo_task, ptrs, lens, (size_t)tasks, NULL, &it);
        if (!rc) {
            display("results: <cf_map_iter %p>", (void *)it);
            display("Waiting for individual results:");
            const void *d;
            size_t len;
            for (long i = 0; (rc = cf_map_next(it, &d, &len)) == 0; i++) {
                int64_t v = 0;
                if (len == sizeof v) memcpy(&v, d, sizeof v);
                display("result %ld: %lld", i, (long long)v);
            }
            if (rc == CF_EEOF) rc = 0;
        }
        cf_map_free(it);
    } else {
        cf_future **fs = calloc((size_t)tasks, sizeof *fs);
        long nsub = 0;
        rc = fs ? 0 : CF_ENOMEM;
        for (long i = 0; !rc && i < tasks; i++) {
            rc = cf_submit(ex, loiter_demo_task, ptrs[i], lens[i], &fs[i]);
            if (!rc) {
                cf_future_set_tag(fs[i], (uintptr_t)i);
                nsub++;
            }
        }
        cf_as_completed *ac = NULL;
        if (!rc) rc = cf_as_completed_new(fs, (size_t)nsub, CF_FOREVER, &ac);
        if (!rc) display("Waiting for results as they complete:");
        cf_future *f;
        while (!rc && (rc = cf_as_completed_next(ac, &f)) == 0) {
            const void *d;
            size_t len;
            int r = cf_future_result(f, 0, &d, &len);
            int64_t v = 0;
            if (!r && len == sizeof v) memcpy(&v, d, sizeof v);
            display("result (task %lu): %lld", (unsigned long)cf_future_tag(f), (long long)v);
        }
        if (rc == CF_EEOF) rc = 0;
        cf_as_completed_free(ac);
        for (long i = 0; i < nsub; i++)
            cf_future_release(fs[i]);
        free(fs);
    }
    if (rc) {
        fprintf(stderr, "cfbench loiter: %s\n", cf_strerror(rc));
        ret = CFB_EXIT_FAIL;
    }
    cf_executor_free(ex);
    free(args);
    free(ptrs);
    free(lens);
    return ret;
}
