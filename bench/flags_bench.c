/*
 * flags_bench.c — download throughput of the flags client in `async`
 * (curl multi on a cf_loop) or `thread` (a cfutures thread pool, one curl
 * handle per thread) mode, against a server given by URL (bench/flags_bench.sh
 * starts `cfbench serve` in another process and compares with wrk).
 *
 *   flags_bench --url http://127.0.0.1:PORT/flags --mode async|thread
 *               --n DOWNLOADS --inflight N [--timeout S] [--runs R] [--dest DIR]
 *               [--batch N]   (async: transfers added per loop iteration)
 *
 * Downloads cycle through the 194 codes (all found). By default nothing is
 * saved (dest "-": the HTTP loop alone); --dest DIR saves each flag as the
 * workload does (temporary file + rename per download, {CC}.gif rewritten). Raises RLIMIT_NOFILE to
 * the hard limit (10,000 in flight need 10,000 sockets). Prints one line per
 * run and a median line:
 *   run 1: 10000 downloads, 10000 ok, 0 errors, 0.712 s, 14044.9 downloads/s
 *   median: 14044.9 downloads/s (0.712 s)
 * The first error text is printed when there are errors.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

#include "cf_loop.h"
#include "cfutures.h"
#include "flags/flag_server.h"
#include "flags/flags.h"
#include "flags/flags_internal.h"
#include "measure.h"
#include "rstats.h"

typedef struct job {
    size_t n;
    void **args;
    size_t *lens;
    cf_future **fs;
    int inflight;
    void *drv;
    int rc;
    cf_loop *loop;
    size_t done;
    double t0;
    double *when; /* completion times since t0, in completion order */
} job;

static void a_done(cf_future *f, void *arg) {
    (void)f;
    job *j = arg;
    j->when[j->done] = cf_loop_now() - j->t0;
    if (++j->done == j->n) cf_loop_stop(j->loop);
}

static void a_start(cf_loop *l, void *arg) {
    job *j = arg;
    j->rc = cfb_flags_async.open(l, NULL, j->inflight, &j->drv);
    for (size_t i = 0; i < j->n && !j->rc; i++) {
        cf_future_add_done_callback(j->fs[i], a_done, j);
        j->rc = cfb_flags_async.start(j->drv, j->args[i], j->lens[i], j->fs[i]);
    }
    if (j->rc) cf_loop_stop(l);
}

static int init_fn(void *a) {
    (void)a;
    return cfb_workload_flags.worker_setup(NULL);
}
static void fini_fn(void *a) {
    (void)a;
    cfb_workload_flags.worker_teardown();
}

int main(int argc, char **argv) {
    const char *url = NULL, *mode = "async", *dest = "-";
    long n = 1000, inflight = 100, runs = 3;
    double timeout = 30;
    static const struct option lo[] = {
        {"url", 1, NULL, 'u'},      {"mode", 1, NULL, 'M'},    {"n", 1, NULL, 'n'},
        {"inflight", 1, NULL, 'i'}, {"timeout", 1, NULL, 't'}, {"runs", 1, NULL, 'r'},
        {"dest", 1, NULL, 'd'},     {"batch", 1, NULL, 'b'},   {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
        case 'u':
            url = optarg;
            break;
        case 'M':
            mode = optarg;
            break;
        case 'n':
            n = atol(optarg);
            break;
        case 'i':
            inflight = atol(optarg);
            break;
        case 't':
            timeout = atof(optarg);
            break;
        case 'r':
            runs = atol(optarg);
            break;
        case 'd':
            dest = optarg;
            break;
        case 'b': /* async: transfers added per loop iteration (default 16) */
            cfb__flags_async_set_batch(atoi(optarg));
            break;
        default:
            fprintf(stderr, "usage: flags_bench --url URL [--mode async|thread] [--n N] "
                            "[--inflight N] [--timeout S] [--runs R] [--dest DIR] [--batch N]\n");
            return 2;
        }
    }
    if (!url || n < 1 || inflight < 1 || runs < 1 ||
        (strcmp(mode, "async") && strcmp(mode, "thread"))) {
        fprintf(stderr, "flags_bench: need --url, --mode async|thread, n/inflight/runs >= 1\n");
        return 2;
    }
    if (strcmp(dest, "-")) {
        char err[256];
        if (cfb_flags_mkdirs(dest, err, sizeof err)) {
            fprintf(stderr, "flags_bench: %s\n", err);
            return 2;
        }
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
        if ((long)rl.rlim_cur < inflight + 64)
            fprintf(stderr, "flags_bench: warning: RLIMIT_NOFILE %ld < %ld in flight\n",
                    (long)rl.rlim_cur, inflight);
    }
    if (!strcmp(mode, "thread")) {
        /* 1,000 threads: keep their stacks small (curl needs little). */
        pthread_attr_t at;
        pthread_attr_init(&at);
        pthread_attr_setstacksize(&at, 256 * 1024);
        pthread_setattr_default_np(&at);
        pthread_attr_destroy(&at);
    }
    job j = {.n = (size_t)n, .inflight = (int)inflight};
    j.args = calloc(j.n, sizeof *j.args);
    j.lens = calloc(j.n, sizeof *j.lens);
    j.fs = calloc(j.n, sizeof *j.fs);
    j.when = calloc(j.n, sizeof *j.when);
    for (size_t i = 0; i < j.n; i++)
        if (cfb_flags_task_arg(cfb_flag_at(i % CFB_FLAG_COUNT)->cc, url, dest, timeout, &j.args[i],
                               &j.lens[i]))
            return 2;
    double *rates = calloc((size_t)runs, sizeof *rates),
           *walls = calloc((size_t)runs, sizeof *walls);
    int exit_code = 0;
    for (long r = 0; r < runs; r++) {
        cfb_usage u0, u1;
        cfb_usage_now(&u0);
        double t0 = cf_loop_now();
        if (!strcmp(mode, "async")) {
            for (size_t i = 0; i < j.n; i++)
                j.fs[i] = cf_future_new();
            j.done = 0;
            j.t0 = t0;
            cf_loop_new(&j.loop);
            cf_loop_call_later(j.loop, 0, a_start, &j);
            cf_loop_run(j.loop);
            cfb_flags_async.close(j.drv);
            cf_loop_free(j.loop);
        } else {
            cf_executor_opts o = {
                .max_workers = (int)inflight, .initializer = init_fn, .finalizer = fini_fn};
            cf_executor *ex;
            if (cf_thread_pool_new(&o, &ex)) return 3;
            for (size_t i = 0; i < j.n; i++)
                cf_submit(ex, cfb_workload_flags.task, j.args[i], j.lens[i], &j.fs[i]);
            cf_wait(j.fs, j.n, CF_FOREVER, CF_ALL_COMPLETED, NULL, NULL, NULL, NULL);
            walls[r] = cf_loop_now() - t0; /* before the pool's teardown */
            cf_executor_free(ex);
        }
        /* Up to the last completion, as in thread mode (before the pool's
         * teardown): closing the driver (10,000 easy handles, the multi
         * handle and its connection cache) is not part of the downloads. */
        if (!strcmp(mode, "async")) walls[r] = j.done == j.n ? j.when[j.n - 1] : cf_loop_now() - t0;
        size_t ok = 0, errs = 0;
        const char *first = NULL;
        for (size_t i = 0; i < j.n; i++) {
            const void *d;
            size_t len;
            if (cf_future_result(j.fs[i], 0, &d, &len) == 0) {
                ok++;
            } else {
                int code;
                const char *m = "";
                cf_future_error(j.fs[i], &code, &m);
                if (!first) first = strdup(m);
                errs++;
            }
        }
        for (size_t i = 0; i < j.n; i++)
            cf_future_release(j.fs[i]);
        cfb_usage_now(&u1);
        double cpu = (u1.user_s + u1.sys_s) - (u0.user_s + u0.sys_s);
        rates[r] = (double)j.n / walls[r];
        printf("run %ld: %zu downloads, %zu ok, %zu errors, %.3f s, %.1f downloads/s, "
               "client CPU %.3f s (%.1f us/download)\n",
               r + 1, j.n, ok, errs, walls[r], rates[r], cpu, cpu * 1e6 / (double)j.n);
        if (first) printf("  first error: %s\n", first);
        if (!strcmp(mode, "async"))
            printf("  completion times: p10 %.3f s, p50 %.3f s, p90 %.3f s, max %.3f s\n",
                   j.when[j.n / 10], j.when[j.n / 2], j.when[j.n * 9 / 10], j.when[j.n - 1]);
        free((void *)first);
        if (errs) exit_code = 1;
        fflush(stdout);
    }
    double mw = cfb_median(walls, (size_t)runs);
    printf("median: %.1f downloads/s (%.3f s)\n", (double)n / mw, mw);
    for (size_t i = 0; i < j.n; i++)
        free(j.args[i]);
    free(j.args);
    free(j.lens);
    free(j.fs);
    free(j.when);
    free(rates);
    free(walls);
    return exit_code;
}
