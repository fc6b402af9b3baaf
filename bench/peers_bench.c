/*
 * peers_bench — cfutures against its peers and the host's floors, in one
 * process, rounds interleaved.
 *
 *   peers_bench [--rounds N] [--tasks N] [--trips N] [--quick]
 *               [--cfutures-only | --proc-only]
 *
 * --cfutures-only runs the cfutures throughput loop alone, once, on --tasks
 * tasks (no peers, no floors, no fork): the run to profile
 * (valgrind --tool=callgrind, perf record) when changing the thread pool.
 *
 * Thread pools (empty tasks, 2 workers, every completion observed by the
 * submitting thread; the same windows of WINDOW = 10,000 tasks for each):
 *   cfutures     cf_thread_pool_new(2): a future per task, WINDOW cf_submit
 *                then cf_future_result + release of each (bench_loops.h,
 *                the very loop core_bench measures)
 *   GThreadPool  g_thread_pool_new(2 exclusive threads): WINDOW
 *                g_thread_pool_push; each task bumps an atomic completion
 *                counter, the one that reaches the window's target wakes
 *                the submitter, which waits on a mutex + condvar
 *   libuv        uv_queue_work on the submitter's loop (UV_THREADPOOL_SIZE
 *                set to 2 before the first use), one after_work callback
 *                per task on the loop thread counts it; uv_run returns
 *                when the window's last callback has run
 * Round trip (RTT): submit -> done observed by the submitter for one task
 * at a time, median over --trips trips, for each of the three.
 *
 * Process pool (cf_process_pool_new(2)) against floors measured in the same
 * run: a bare pipe ping-pong of one byte with a child forked at start (RTT),
 * fork + _exit(0) + waitpid, and cfutures' process-pool RTT (one empty task
 * submit -> result).
 *
 * Each round runs every measurement once, in an order shuffled per round
 * by a fixed-seed PRNG (so runs are comparable); the end prints medians
 * over rounds and the ratios cfutures/GThreadPool, cfutures/libuv and
 * process-pool RTT / pipe RTT. Nothing here is a pass/fail threshold.
 * Each round also prints its own process-pool/pipe ratio and the mode its
 * pipe floor was in: this nested VM's pipe round trip is bimodal (about
 * 4.5 µs or 44-54 µs), so a round counts as "fast" when its pipe RTT is
 * under twice the run's smallest, and the end gives the median ratio over
 * the fast rounds and over the slow ones as well. --proc-only measures just
 * the process pool and its floors (pipe, fork+wait, process-pool RTT).
 *
 * Threads and locks: main() is the only submitter and the libuv loop
 * thread. GThreadPool's workers touch only struct gpeer: done (atomic),
 * target (atomic, written by the submitter before it pushes a window) and
 * mu/cv (the condvar the submitter waits on until done >= target; the
 * worker that makes done == target broadcasts under mu, so no wake-up is
 * lost). libuv's workers run an empty work callback; its counter is
 * touched only on the loop thread. Invariant after each window: every
 * task of that window has completed and been counted by the submitter.
 *
 * Memory: the cfutures future slots (WINDOW), the uv_work_t array (WINDOW)
 * and the latency scratch arrays are owned by main() and freed at the end;
 * every future is released in the loop that made it. The pools are freed
 * at the end (libuv's thread pool is process-wide and ends with it).
 */
#include "bench_loops.h"
#include "cfutures.h"

#include <getopt.h>
#include <glib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

static void die(const char *what, int rc) {
    fprintf(stderr, "peers_bench: %s: %s\n", what, cf_strerror(rc));
    exit(1);
}

static void die_errno(const char *what) {
    perror(what);
    exit(1);
}

/* ---- GThreadPool ---- */

struct gpeer {
    GThreadPool *pool;
    atomic_long done, target;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void g_task(gpointer data, gpointer user) {
    (void)user;
    struct gpeer *g = data;
    long d = atomic_fetch_add(&g->done, 1) + 1;
    if (d == atomic_load(&g->target)) {
        pthread_mutex_lock(&g->mu);
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
}

/* Pushes k tasks and waits until all have completed. */
static void g_window(struct gpeer *g, long k) {
    long target = atomic_load(&g->done) + k;
    atomic_store(&g->target, target);
    for (long i = 0; i < k; i++)
        if (!g_thread_pool_push(g->pool, g, NULL)) die("g_thread_pool_push", CF_EINVAL);
    pthread_mutex_lock(&g->mu);
    while (atomic_load(&g->done) < target)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static double g_throughput(struct gpeer *g, long n) {
    double t0 = now();
    for (long done = 0; done < n; done += WINDOW)
        g_window(g, n - done < WINDOW ? n - done : WINDOW);
    return (double)n / (now() - t0);
}

static double g_roundtrip_us(struct gpeer *g, int n, double *lat) {
    for (int i = 0; i < n; i++) {
        double t0 = now();
        g_window(g, 1);
        lat[i] = now() - t0;
    }
    return median(lat, n) * 1e6;
}

/* ---- libuv ---- */

struct upeer {
    uv_loop_t loop;
    uv_work_t *reqs; /* WINDOW, owned */
    long done;       /* loop thread only */
};

static void u_work(uv_work_t *req) {
    (void)req;
}

static void u_after(uv_work_t *req, int status) {
    if (status) die("uv after_work", CF_EINVAL);
    struct upeer *u = req->data;
    u->done++;
}

static void u_window(struct upeer *u, long k) {
    long target = u->done + k;
    for (long i = 0; i < k; i++) {
        u->reqs[i].data = u;
        if (uv_queue_work(&u->loop, &u->reqs[i], u_work, u_after)) die("uv_queue_work", CF_EINVAL);
    }
    uv_run(&u->loop, UV_RUN_DEFAULT);
    if (u->done != target) die("uv_run: completions missing", CF_EINVAL);
}

static double u_throughput(struct upeer *u, long n) {
    double t0 = now();
    for (long done = 0; done < n; done += WINDOW)
        u_window(u, n - done < WINDOW ? n - done : WINDOW);
    return (double)n / (now() - t0);
}

static double u_roundtrip_us(struct upeer *u, int n, double *lat) {
    for (int i = 0; i < n; i++) {
        double t0 = now();
        u_window(u, 1);
        lat[i] = now() - t0;
    }
    return median(lat, n) * 1e6;
}

/* ---- host floors ---- */

struct pingpong {
    pid_t pid;
    int to_child, from_child;
};

/* Forks the echo child (before any thread exists). */
static void pingpong_start(struct pingpong *p) {
    int a[2], b[2];
    if (pipe(a) || pipe(b)) die_errno("pipe");
    pid_t pid = fork();
    if (pid < 0) die_errno("fork");
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        char c;
        while (read(a[0], &c, 1) == 1)
            if (write(b[1], &c, 1) != 1) _exit(1);
        _exit(0);
    }
    close(a[0]);
    close(b[1]);
    *p = (struct pingpong){pid, a[1], b[0]};
}

static double pingpong_us(struct pingpong *p, int n, double *lat) {
    char c = 'x';
    for (int i = 0; i < n; i++) {
        double t0 = now();
        if (write(p->to_child, &c, 1) != 1 || read(p->from_child, &c, 1) != 1)
            die_errno("ping-pong");
        lat[i] = now() - t0;
    }
    return median(lat, n) * 1e6;
}

static void pingpong_stop(struct pingpong *p) {
    close(p->to_child);
    close(p->from_child);
    waitpid(p->pid, NULL, 0);
}

static double fork_wait_us(int n, double *lat) {
    for (int i = 0; i < n; i++) {
        double t0 = now();
        pid_t pid = fork();
        if (pid < 0) die_errno("fork");
        if (pid == 0) _exit(0);
        if (waitpid(pid, NULL, 0) != pid) die_errno("waitpid");
        lat[i] = now() - t0;
    }
    return median(lat, n) * 1e6;
}

/* ---- rounds ---- */

enum {
    M_CF_TPUT,
    M_G_TPUT,
    M_U_TPUT,
    M_CF_RTT,
    M_G_RTT,
    M_U_RTT,
    M_PIPE,
    M_FORK,
    M_PROC_RTT,
    M_COUNT
};

static const char *const m_name[M_COUNT] = {
    "cfutures tasks/s", "GThreadPool tasks/s", "libuv tasks/s",
    "cfutures RTT us",  "GThreadPool RTT us",  "libuv RTT us",
    "pipe RTT us",      "fork+wait us",        "process-pool RTT us"};
static const char m_tag[M_COUNT] = {'C', 'G', 'U', 'c', 'g', 'u', 'p', 'f', 'P'};

static uint64_t rng_state = 0x15157ea5e0f15ULL; /* fixed seed: same orders every run */

static uint64_t rng_next(void) {
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static long parse_long(const char *opt, const char *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1) {
        fprintf(stderr, "peers_bench: %s wants a positive integer, not '%s'\n", opt, s);
        exit(2);
    }
    return v;
}

static void usage(FILE *fp) {
    fprintf(fp, "usage: peers_bench [--rounds N (7)] [--tasks N (1000000)] [--trips N (5000)] "
                "[--quick] [--cfutures-only | --proc-only]\n");
}

int main(int argc, char **argv) {
    long rounds = 7, tasks = 1000000, trips = 5000;
    bool quick = false, proc_only = false, set_rounds = false, set_tasks = false, set_trips = false,
         only = false;
    static const struct option longopts[] = {
        {"rounds", required_argument, NULL, 'r'},  {"tasks", required_argument, NULL, 't'},
        {"trips", required_argument, NULL, 'p'},   {"quick", no_argument, NULL, 'q'},
        {"cfutures-only", no_argument, NULL, 'c'}, {"proc-only", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            rounds = parse_long("--rounds", optarg), set_rounds = true;
            break;
        case 't':
            tasks = parse_long("--tasks", optarg), set_tasks = true;
            break;
        case 'p':
            trips = parse_long("--trips", optarg), set_trips = true;
            break;
        case 'q':
            quick = true;
            break;
        case 'c':
            only = true;
            break;
        case 'P':
            proc_only = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (quick) {
        if (!set_rounds) rounds = 2;
        if (!set_tasks) tasks = 20000;
        if (!set_trips) trips = 300;
    }
    if (trips > 10000000) trips = 10000000;
    if (rounds > 100000) rounds = 100000;
    int forks = trips / 25 > 10 ? (int)(trips / 25) : 10;

    if (only) { /* the cfutures loop alone, for profilers */
        cf_executor *ex;
        cf_executor_opts oo = {.max_workers = 2};
        int rc = cf_thread_pool_new(&oo, &ex);
        if (rc) die("thread pool", rc);
        cf_future **ofs = malloc(WINDOW * sizeof *ofs);
        if (!ofs) die("malloc", CF_ENOMEM);
        double cpu_us;
        double tps = throughput_once(ex, tasks, ofs, &cpu_us);
        printf("cfutures tasks/s %.0f (%ld empty tasks, 2 workers, windows of %d; %.3f us CPU "
               "per task)\n",
               tps, tasks, WINDOW, cpu_us);
        cf_executor_free(ex);
        free(ofs);
        return 0;
    }

    /* Floors first: the echo child is forked before any thread exists. */
    struct pingpong pp;
    pingpong_start(&pp);
    setenv("UV_THREADPOOL_SIZE", "2", 1); /* read at libuv's first uv_queue_work */

    cf_executor *cf, *proc;
    cf_executor_opts o = {.max_workers = 2};
    int rc = cf_thread_pool_new(&o, &cf);
    if (rc) die("thread pool", rc);
    rc = cf_process_pool_new(&o, &proc);
    if (rc) die("process pool", rc);
    struct gpeer g = {.done = 0, .target = 0};
    pthread_mutex_init(&g.mu, NULL);
    pthread_cond_init(&g.cv, NULL);
    GError *gerr = NULL;
    g.pool = g_thread_pool_new(g_task, NULL, 2, TRUE, &gerr);
    if (!g.pool) {
        fprintf(stderr, "peers_bench: g_thread_pool_new: %s\n", gerr ? gerr->message : "?");
        return 1;
    }
    struct upeer u = {.done = 0};
    if (uv_loop_init(&u.loop)) die("uv_loop_init", CF_EINVAL);
    u.reqs = malloc(WINDOW * sizeof *u.reqs);
    cf_future **fs = malloc(WINDOW * sizeof *fs);
    double *lat = malloc((size_t)(trips > forks ? trips : forks) * sizeof *lat);
    double *res = malloc((size_t)rounds * M_COUNT * sizeof *res); /* res[r * M_COUNT + m] */
    double *col = malloc((size_t)rounds * sizeof *col);
    if (!u.reqs || !fs || !lat || !res || !col) die("malloc", CF_ENOMEM);

    printf("peers_bench: %d cpus, %ld rounds, %ld empty tasks per throughput run (windows of "
           "%d), %ld single-task trips per RTT, %d forks%s%s\n",
           cf_cpu_count(), rounds, tasks, WINDOW, trips, forks, quick ? ", quick" : "",
           proc_only ? ", process pool only" : "");
    printf("semantics: 2 workers each; every completion observed by the submitter (cfutures: "
           "a future per task + result; GThreadPool: counter + condvar per window; libuv: "
           "after_work callback per task on the loop thread)\n");
    fflush(stdout);

    /* Warm-up: every pool's threads/processes started, caches warm. */
    int wtrips = (int)(trips / 10 > 1 ? trips / 10 : 1);
    if (!proc_only) {
        throughput_once(cf, tasks / 10 + 1, fs, NULL);
        g_throughput(&g, tasks / 10 + 1);
        u_throughput(&u, tasks / 10 + 1);
    }
    roundtrip_rep_us(proc, wtrips, lat);
    pingpong_us(&pp, wtrips, lat);

    printf("\nround order      %11s %11s %11s | RTT us: %8s %8s %8s | %8s %8s %8s | %6s\n",
           "cfutures/s", "GThrPool/s", "libuv/s", "cfutures", "GThrPool", "libuv", "pipe", "fork",
           "procpool", "P/pipe");
    int order[M_COUNT];
    for (long r = 0; r < rounds; r++) {
        for (int m = 0; m < M_COUNT; m++)
            order[m] = m;
        for (int m = M_COUNT - 1; m > 0; m--) { /* Fisher-Yates */
            int j = (int)(rng_next() % (uint64_t)(m + 1)), t = order[m];
            order[m] = order[j], order[j] = t;
        }
        char tags[M_COUNT + 1];
        double *v = &res[r * M_COUNT];
        for (int k = 0; k < M_COUNT; k++) {
            int m = order[k];
            tags[k] = m_tag[m];
            if (proc_only && m != M_PIPE && m != M_FORK && m != M_PROC_RTT) {
                v[m] = 0; /* not measured */
                continue;
            }
            switch (m) {
            case M_CF_TPUT:
                v[m] = throughput_once(cf, tasks, fs, NULL);
                break;
            case M_G_TPUT:
                v[m] = g_throughput(&g, tasks);
                break;
            case M_U_TPUT:
                v[m] = u_throughput(&u, tasks);
                break;
            case M_CF_RTT:
                v[m] = roundtrip_rep_us(cf, (int)trips, lat);
                break;
            case M_G_RTT:
                v[m] = g_roundtrip_us(&g, (int)trips, lat);
                break;
            case M_U_RTT:
                v[m] = u_roundtrip_us(&u, (int)trips, lat);
                break;
            case M_PIPE:
                v[m] = pingpong_us(&pp, (int)trips, lat);
                break;
            case M_FORK:
                v[m] = fork_wait_us(forks, lat);
                break;
            case M_PROC_RTT:
                v[m] = roundtrip_rep_us(proc, (int)trips, lat);
                break;
            }
        }
        tags[M_COUNT] = '\0';
        printf("%5ld %-10s %11.0f %11.0f %11.0f |         %8.2f %8.2f %8.2f | %8.2f %8.1f %8.2f | "
               "%5.2fx\n",
               r + 1, tags, v[M_CF_TPUT], v[M_G_TPUT], v[M_U_TPUT], v[M_CF_RTT], v[M_G_RTT],
               v[M_U_RTT], v[M_PIPE], v[M_FORK], v[M_PROC_RTT], v[M_PROC_RTT] / v[M_PIPE]);
        fflush(stdout);
    }
    printf("(order: C/G/U throughput of cfutures/GThreadPool/libuv, c/g/u their RTT, p pipe, "
           "f fork+wait, P process-pool RTT)\n");

    double med[M_COUNT];
    for (int m = 0; m < M_COUNT; m++) {
        for (long r = 0; r < rounds; r++)
            col[r] = res[r * M_COUNT + m];
        med[m] = median(col, (int)rounds);
    }
    printf("\nmedians over %ld rounds\n", rounds);
    for (int m = 0; m < M_COUNT; m++)
        if (!proc_only || m == M_PIPE || m == M_FORK || m == M_PROC_RTT)
            printf("  %-22s %12.2f\n", m_name[m], med[m]);
    printf("\n");
    if (!proc_only) {
        printf("ratio cfutures/GThreadPool: %.2fx tasks/s, RTT %.2fx (cfutures %.2f us, "
               "GThreadPool %.2f us)\n",
               med[M_CF_TPUT] / med[M_G_TPUT], med[M_CF_RTT] / med[M_G_RTT], med[M_CF_RTT],
               med[M_G_RTT]);
        printf("ratio cfutures/libuv: %.2fx tasks/s, RTT %.2fx (cfutures %.2f us, libuv %.2f us)\n",
               med[M_CF_TPUT] / med[M_U_TPUT], med[M_CF_RTT] / med[M_U_RTT], med[M_CF_RTT],
               med[M_U_RTT]);
    }
    printf("ratio process-pool RTT / pipe RTT: %.2fx (process pool %.2f us, pipe ping-pong "
           "%.2f us, fork+exit+wait %.1f us)\n",
           med[M_PROC_RTT] / med[M_PIPE], med[M_PROC_RTT], med[M_PIPE], med[M_FORK]);
    /* The pipe floor's two modes: a round is fast when its pipe RTT is under
     * twice the run's smallest. Per-round ratios, medians per mode. */
    double pmin = res[M_PIPE];
    for (long r = 1; r < rounds; r++)
        if (res[r * M_COUNT + M_PIPE] < pmin) pmin = res[r * M_COUNT + M_PIPE];
    for (int fast = 1; fast >= 0; fast--) {
        int k = 0;
        for (long r = 0; r < rounds; r++) {
            const double *v = &res[r * M_COUNT];
            if ((v[M_PIPE] < 2 * pmin) == (bool)fast) col[k++] = v[M_PROC_RTT] / v[M_PIPE];
        }
        if (k)
            printf("rounds with the pipe floor %s: %d of %ld, median per-round ratio "
                   "process-pool/pipe %.2fx\n",
                   fast ? "fast (pipe RTT under 2x the run's smallest)" : "slow (2x or more)", k,
                   rounds, median(col, k));
    }

    g_thread_pool_free(g.pool, FALSE, TRUE);
    pthread_cond_destroy(&g.cv);
    pthread_mutex_destroy(&g.mu);
    uv_loop_close(&u.loop);
    cf_executor_free(cf);
    cf_executor_free(proc);
    pingpong_stop(&pp);
    free(u.reqs);
    free(fs);
    free(lat);
    free(res);
    free(col);
    return 0;
}
