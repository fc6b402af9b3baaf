/*
 * cmd_procs.c — `cfbench procs [N]`: Fluent Python's primes/procs.py (and,
 * with --mode thread, its threads.py: the same queues between threads,
 * which under --gil shows threads no faster than sequential code).
 *
 * N worker processes share one job queue and one result queue, as the
 * book's multiprocessing.SimpleQueue pair. They are real processes made
 * with fork() and the queues are plain pipes (not cfutures' process pool:
 * the experiment is the queue model itself — workers that pull jobs until
 * a stop signal — which a pool hides behind submit/futures).
 *
 * Processes and pipes
 *   - jobs: one pipe. The parent writes every number (uint64, 8 bytes),
 *     then forks the workers, writing one poison pill (0) after each fork,
 *     as start_jobs() does. Every worker reads 8 bytes at a time from the
 *     same read end. Each write is 8 bytes (≤ PIPE_BUF: atomic) and Linux
 *     serialises reads of one pipe (pipe_read holds the pipe's mutex), so a
 *     job is read whole by exactly one worker. All jobs and pills fit in
 *     the pipe's buffer (≤ 4 KiB + 8 × N, N ≤ 512 << 64 KiB), so the
 *     parent never blocks writing.
 *   - results: one pipe; each worker writes 24-byte records (n, prime,
 *     elapsed), atomic, so records of different workers never interleave.
 *     A worker that reads the pill writes a record with n = 0 (the book's
 *     PrimeResult(0, False, 0.0)) and exits.
 *   - The parent closes its copies of the write end of results, then
 *     reads records until it has seen N end records (report()); EOF before
 *     that means a worker died (it never wrote its end record): an error.
 *     Then it reaps every child (waitpid on their pids).
 *   - The parent is single-threaded when it forks (process mode makes no
 *     thread), stdio is flushed before the fork, and children leave with
 *     _exit() so nothing is flushed twice.
 *   - Thread mode: the workers are pthreads running the same loop on the
 *     same pipes (a thread cannot die alone, so there is no EOF case); the
 *     main thread joins them after the last end record. With --gil every
 *     worker takes the emulated GIL to compute (cf_gil.h; the main thread
 *     holds it too, as Python's does) and releases it around each blocking
 *     read and write, as queue.get()/put() do.
 *
 * Ownership: the number list (cfb_tasklist) and the pid array belong to
 * cfb_cmd_procs and are freed before it returns.
 */
#include <errno.h>
#include <getopt.h> /* optind */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cf_gil.h"
#include "commands.h"
#include "options.h"
#include "modes.h"
#include "primes.h"
#include "workload.h"

int cfb_cmd_procs(int argc, char **argv);

#define PROCS_MAX 512
#define NUMBERS_MAX 500 /* 8 × (500 + 512) bytes stay well inside a pipe's 64 KiB */

typedef struct prime_result {
    uint64_t n; /* 0 = this worker is done */
    uint64_t prime;
    double elapsed;
} prime_result;

/* Write or read exactly len bytes; 0, or -1 (errno set; EOF on read: errno 0). */
static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) errno = 0;
        if (r <= 0) return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Blocking queue operations release the GIL (when held), as get()/put(). */
static int get_job(int fd, uint64_t *n) {
    int g = cf_gil_save();
    int rc = read_all(fd, n, sizeof *n);
    cf_gil_restore(g);
    return rc;
}

static int put_result(int fd, const prime_result *r) {
    int g = cf_gil_save();
    int rc = write_all(fd, r, sizeof *r);
    cf_gil_restore(g);
    return rc;
}

/* The book's worker(): check jobs until the pill, then say so. 0, or 1
 * when the result queue failed. */
static int worker(int jobs, int results) {
    uint64_t n;
    while (get_job(jobs, &n) == 0 && n != 0) {
        double t0 = cfb_now();
        bool p = cfb_is_prime(n); /* holds the GIL; hands it over at its check points */
        prime_result r = {n, p, cfb_now() - t0};
        if (put_result(results, &r)) return 1;
    }
    prime_result end = {0, 0, 0.0};
    return put_result(results, &end) ? 1 : 0;
}

typedef struct thread_arg {
    int jobs, results;
} thread_arg;

static void *worker_thread(void *arg) {
    const thread_arg *a = arg;
    cf_gil_acquire(); /* a Python thread runs holding the GIL (no-op when it is off) */
    worker(a->jobs, a->results);
    cf_gil_release();
    return NULL;
}

static void usage(void) {
    printf("usage: cfbench procs [N] [--mode process|thread] [--gil] [--switch-interval S]\n"
           "                    [--set fixture|small|medium] [--numbers N,N,…]\n\n"
           "Fluent Python's primes/procs.py: N worker processes take numbers from one job\n"
           "queue until a stop signal (a 0, one per worker), check each by trial division\n"
           "and put (n, prime, elapsed) on a result queue; the main process prints each\n"
           "result as it arrives, in the book's format:\n"
           "    Checking 20 numbers with 2 processes:\n"
           "                   2  P  0.000001s\n"
           "    …\n"
           "    20 checks in 5.12s\n"
           "The queues are pipes, the workers fork()ed processes. Every answer is checked\n"
           "against Miller-Rabin (exit 1 if one is wrong). The book's sequential.py is\n"
           "`cfbench primes --mode seq`.\n"
           "  N                 number of workers, 1..%d (default: the CPUs this process\n"
           "                    may use)\n"
           "  -j, --workers N   the same as N\n"
           "  -m, --mode M      process (default, procs.py) or thread (the book's threads.py:\n"
           "                    \"Checking 20 numbers with N threads:\")\n"
           "      --gil         run under the emulated GIL: threads take turns computing\n"
           "                    (no faster than sequential), processes each have their own\n"
           "      --switch-interval S  the GIL's switch interval (default 0.005)\n"
           "      --set S       the book's 20 numbers (fixture, default), small (~1e11, ms\n"
           "                    each) or medium (~1e14)\n"
           "      --numbers L   your own comma-separated numbers (at most %d, not 0)\n"
           "  -h, --help        this text\n",
           PROCS_MAX, NUMBERS_MAX);
}

static int bad(const char *msg, const char *arg) {
    return cfb_usage_error("procs", msg, arg);
}
static int parse_procs(const char *s, long *out) {
    return cfb_opt_long(s, 1, PROCS_MAX, out);
}

int cfb_cmd_procs(int argc, char **argv) {
    const char *set = NULL, *numbers = NULL, *mode = "process";
    long procs = 0;
    bool gil = false;
    double switch_iv = CF_GIL_DEFAULT_INTERVAL;
    cfb_optparser op;
    if (cfb_opts_init(&op, "procs")) return CFB_EXIT_USAGE;
    int c;
    while ((c = cfb_opts_next(&op, argc, argv)) != -1) {
        switch (c) {
        case CFB_OPT_WORKERS:
            if (parse_procs(optarg, &procs))
                return bad("--workers: not a number of workers in 1..512:", optarg);
            break;
        case CFB_OPT_MODE:
            mode = optarg;
            break;
        case CFB_OPT_GIL:
            gil = true;
            break;
        case CFB_OPT_SWITCH_INTERVAL:
            if (cfb_opt_double(optarg, 1e-6, 10, &switch_iv))
                return bad("--switch-interval: not a number of seconds in 0.000001..10:", optarg);
            break;
        case CFB_OPT_SET:
            set = optarg;
            break;
        case CFB_OPT_NUMBERS:
            numbers = optarg;
            break;
        case CFB_OPT_HELP:
            usage();
            return CFB_EXIT_OK;
        default: /* CFB_OPT_ERROR, said by cfb_opts_next */
            return CFB_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        if (procs) return bad("N given twice (positional and --workers):", argv[optind]);
        if (!strcmp(argv[optind], "0"))
            return bad("N must be at least 1 (the book's sequential.py is `cfbench primes --mode "
                       "seq`), not",
                       argv[optind]);
        if (parse_procs(argv[optind], &procs))
            return bad("N: not a number of workers in 1..512:", argv[optind]);
        if (optind + 1 < argc) return bad("unexpected argument", argv[optind + 1]);
    }
    bool threads = !strcmp(mode, "thread");
    if (!threads && strcmp(mode, "process"))
        return bad("--mode must be process or thread, not", mode);
    if (!procs) procs = cf_process_cpu_count();
    if (procs < 1) procs = 1;
    if (procs > PROCS_MAX) procs = PROCS_MAX;

    /* The numbers: the primes workload's sets and --numbers parser. */
    const cfb_workload *w = &cfb_workload_primes;
    cfb_params *p = NULL;
    char err[512];
    if (cfb_params_new(w->params, w->nparams, &p, err, sizeof err)) return bad(err, NULL);
    cfb_tasklist tl = {0};
    int ret = CFB_EXIT_OK;
    if ((set && cfb_params_set(p, "set", set, err, sizeof err)) ||
        (numbers && cfb_params_set(p, "numbers", numbers, err, sizeof err)) ||
        w->make_tasks(p, &tl, err, sizeof err)) {
        ret = bad(err, NULL);
        goto out;
    }
    if (tl.n > NUMBERS_MAX) {
        snprintf(err, sizeof err, "--numbers: %zu numbers, at most %d", tl.n, NUMBERS_MAX);
        ret = bad(err, NULL);
        goto out;
    }
    for (size_t i = 0; i < tl.n; i++) {
        uint64_t n;
        memcpy(&n, tl.tasks[i].arg, sizeof n);
        if (n == 0) {
            ret = bad("--numbers: 0 is the stop signal (the book's poison pill), not a number to "
                      "check",
                      NULL);
            goto out;
        }
    }

    int jobs[2] = {-1, -1}, results[2] = {-1, -1};
    pid_t *pids = calloc((size_t)procs, sizeof *pids);
    pthread_t *tids = calloc((size_t)procs, sizeof *tids);
    if (!pids || !tids || pipe(jobs) || pipe(results)) {
        fprintf(stderr, "cfbench procs: cannot make the queues: %s\n", strerror(errno));
        free(pids);
        free(tids);
        for (int k = 0; k < 2; k++) {
            if (jobs[k] >= 0) close(jobs[k]);
            if (results[k] >= 0) close(results[k]);
        }
        ret = CFB_EXIT_ENV;
        goto out;
    }
    if (gil) {
        int rc = cf_gil_enable(switch_iv);
        if (rc) {
            fprintf(stderr, "cfbench procs: cannot enable the GIL: %s\n", cf_strerror(rc));
            gil = false;
            ret = CFB_EXIT_ENV;
        } else {
            cf_gil_acquire(); /* the main thread holds it, as Python's does */
        }
    }
    printf("Checking %zu numbers with %ld %s:\n", tl.n, procs, threads ? "threads" : "processes");
    fflush(stdout);
    double t0 = cfb_now();
    for (size_t i = 0; i < tl.n; i++)
        write_all(jobs[1], tl.tasks[i].arg, sizeof(uint64_t)); /* fits the pipe: cannot block */
    long started = 0;
    thread_arg ta = {jobs[0], results[1]};
    for (long k = 0; threads && ret == CFB_EXIT_OK && k < procs; k++) {
        int rc = pthread_create(&tids[k], NULL, worker_thread, &ta);
        if (rc) {
            fprintf(stderr, "cfbench procs: cannot start a thread: %s\n", strerror(rc));
            ret = CFB_EXIT_ENV;
            break;
        }
        started++;
        uint64_t pill = 0;
        write_all(jobs[1], &pill, sizeof pill);
    }
    for (long k = 0; !threads && ret == CFB_EXIT_OK && k < procs; k++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "cfbench procs: fork: %s\n", strerror(errno));
            ret = CFB_EXIT_ENV;
            break;
        }
        if (pid == 0) {
            close(jobs[1]);
            close(results[0]);
            _exit(worker(jobs[0], results[1]));
        }
        pids[started++] = pid;
        uint64_t pill = 0;
        write_all(jobs[1], &pill, sizeof pill);
    }
    if (!threads) { /* the children have their copies; EOF on results = all of them gone */
        close(jobs[0]);
        close(jobs[1]);
        close(results[1]);
    }

    /* The book's report(): print results until every worker said it is done. */
    size_t checked = 0;
    long done = 0;
    int wrong = 0;
    while (done < started) {
        prime_result r;
        int g = cf_gil_save(); /* results.get() releases the GIL */
        int rc = read_all(results[0], &r, sizeof r);
        cf_gil_restore(g);
        if (rc) {
            fprintf(stderr, "cfbench procs: %ld of %ld workers ended without their stop record\n",
                    started - done, started);
            ret = CFB_EXIT_FAIL;
            break;
        }
        if (r.n == 0) {
            done++;
            continue;
        }
        checked++;
        printf("%16" PRIu64 "  %c %9.6fs\n", r.n, r.prime ? 'P' : ' ', r.elapsed);
        fflush(stdout);
        if ((r.prime != 0) != cfb_is_prime_mr(r.n)) {
            fprintf(stderr, "cfbench procs: WRONG: %" PRIu64 " is %s\n", r.n,
                    r.prime ? "composite" : "prime");
            wrong++;
        }
    }
    int g = cf_gil_save(); /* join releases the GIL */
    for (long k = 0; threads && k < started; k++)
        pthread_join(tids[k], NULL);
    cf_gil_restore(g);
    if (threads) {
        close(jobs[0]);
        close(jobs[1]);
        close(results[1]);
    }
    close(results[0]);
    for (long k = 0; !threads && k < started; k++) {
        int st;
        while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
            ;
    }
    if (gil) {
        cf_gil_release();
        cf_gil_disable();
    }
    free(pids);
    free(tids);
    printf("%zu checks in %.2fs\n", checked, cfb_now() - t0);
    if (ret == CFB_EXIT_OK && checked != tl.n) {
        fprintf(stderr, "cfbench procs: %zu of %zu numbers were checked\n", checked, tl.n);
        ret = CFB_EXIT_FAIL;
    }
    if (wrong) {
        fprintf(stderr, "cfbench procs: %d wrong answers\n", wrong);
        ret = CFB_EXIT_FAIL;
    }
out:
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    return ret;
}
