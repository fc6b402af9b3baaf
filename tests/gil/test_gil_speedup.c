/*
 * test_gil_speedup: what the emulated GIL does to real executors, on the
 * primes workload's own task function (medium set, ~0.2 s of trial division
 * per repetition), with 2 workers:
 *   - C threads + GIL: speedup over the sequential loop stays <= 1.2
 *     (threads take turns: the GIL serialises CPU-bound work);
 *   - C processes + GIL: speedup >= 1.7 (one GIL per process: still parallel);
 *   - C threads without the GIL: speedup >= 1.7 (the contrast; C has no GIL).
 * The machine is shared and noisy: each figure is the best (minimum wall) of
 * 3 to 10 interleaved rounds, and the test stops as soon as every criterion
 * holds. cfb-test: serial (CTest runs it alone: parallel tests would take the
 * CPUs it measures). Threads+GIL are checked on the median per-round ratio of the
 * sequential work (CPU time of the seq loop) to their wall time, and on CPUs
 * busy at once (CPU time / wall) — both <= 1.2, and other load can only
 * lower them. When other load keeps even GIL-free C threads below 1.7x the machine
 * cannot show 1.7x at that moment: the processes check is then skipped with
 * a NOTICE on stderr (a 1-core machine skips it too). When the threads did
 * reach 1.7x but the processes' best did not, the processes must keep up
 * with the threads measured in the same rounds (median ratio >= 0.85).
 */
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cf_gil.h"
#include "cfutures.h"
#include "check.h"
#include "internal.h"
#include "workload.h"

static const cfb_workload *primes;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The worker holds the GIL while it runs a task (what the runner does for
 * impl "c+gil"). */
static void gil_task(const void *arg, size_t len, cf_out *out) {
    cf_gil_acquire();
    primes->task(arg, len, out);
    cf_gil_release();
}

static double run_seq(const cfb_tasklist *tl) {
    cf_out out;
    cf__out_init(&out);
    int bad = 0;
    double t0 = now_s();
    for (size_t i = 0; i < tl->n; i++) {
        cf__out_run(&out, gil_task, tl->tasks[i].arg, tl->tasks[i].len);
        bad += out.failed;
    }
    double wall = now_s() - t0;
    cf__out_free(&out);
    return bad ? -1 : wall;
}

static double run_pool(bool process, int workers, const cfb_tasklist *tl) {
    cf_executor_opts o = {.max_workers = workers};
    cf_executor *ex = NULL;
    int rc = process ? cf_process_pool_new(&o, &ex) : cf_thread_pool_new(&o, &ex);
    if (rc) return -1;
    cf_future **fs = calloc(tl->n, sizeof *fs);
    double t0 = now_s();
    for (size_t i = 0; i < tl->n; i++)
        cf_submit(ex, gil_task, tl->tasks[i].arg, tl->tasks[i].len, &fs[i]);
    int bad = 0;
    for (size_t i = 0; i < tl->n; i++) {
        const void *v;
        size_t len;
        if (!fs[i] || cf_future_result(fs[i], CF_FOREVER, &v, &len)) bad++;
    }
    double wall = now_s() - t0;
    for (size_t i = 0; i < tl->n; i++)
        cf_future_release(fs[i]);
    free(fs);
    cf_executor_free(ex);
    return bad ? -1 : wall;
}

static double cpu_self(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double minf(double a, double b) {
    return a < 0 ? b : (b < a ? b : a);
}

int main(void) {
    primes = cfb_workload_find("primes");
    CHECK(primes != NULL);
    char err[256];
    cfb_params *p = NULL;
    CHECK_EQ_INT(cfb_params_new(primes->params, primes->nparams, &p, err, sizeof err), 0);
    CHECK_EQ_INT(cfb_params_set(p, "set", "medium", err, sizeof err), 0);
    cfb_tasklist tl = {0};
    CHECK_EQ_INT(primes->make_tasks(p, &tl, err, sizeof err), 0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

    enum { MAX_ROUNDS = 10, MIN_ROUNDS = 3 };
    double seq = -1, thr_gil = -1, proc_gil = -1, thr = -1; /* best (minimum) walls */
    double ratio[MAX_ROUNDS], keep_up[MAX_ROUNDS], max_par = 0;
    int rounds = 0;
    bool failed = false;
    for (int r = 0; r < MAX_ROUNDS; r++) {
        CHECK_EQ_INT(cf_gil_enable(CF_GIL_DEFAULT_INTERVAL), 0);
        double sc0 = cpu_self();
        double s1 = run_seq(&tl);
        double scpu = cpu_self() - sc0; /* the work itself: other load does not inflate it */
        double c0 = cpu_self();
        double tg = run_pool(false, 2, &tl);
        double par = (cpu_self() - c0) / tg; /* CPUs busy at once: <= 1 under a GIL */
        double pg = run_pool(true, 2, &tl);
        CHECK_EQ_INT(cf_gil_disable(), 0);
        double t = run_pool(false, 2, &tl); /* no GIL: C threads */
        if (s1 < 0 || tg < 0 || pg < 0 || t < 0) {
            failed = true;
            break;
        }
        seq = minf(seq, s1), thr_gil = minf(thr_gil, tg), proc_gil = minf(proc_gil, pg),
        thr = minf(thr, t);
        keep_up[rounds] = t / pg; /* processes+GIL speedup over GIL-free threads' speedup */
        ratio[rounds++] = (s1 < scpu ? s1 : scpu) / tg;
        max_par = par > max_par ? par : max_par;
        fprintf(stderr,
                "   round %d: seq %.3f s; threads+GIL %.2fx (%.2f CPUs busy), processes+GIL "
                "%.2fx, threads %.2fx\n",
                r, s1, s1 / tg, par, s1 / pg, s1 / t);
        if (rounds >= MIN_ROUNDS && seq / thr >= 1.7 && seq / proc_gil >= 1.7) break;
    }
    CHECK(!failed); /* every task of every run succeeded */
    if (failed) return check_summary();
    /* threads + GIL: no speedup — per round, the sequential work (the seq
     * loop's CPU time, or its wall if smaller: what other load cannot
     * inflate) over the threads' wall, median of the rounds — and never
     * more than one CPU busy at a time (load can only lower both). A GIL
     * that let threads run in parallel fails both (about 2x, 2 CPUs). */
    qsort(ratio, (size_t)rounds, sizeof ratio[0], cmp_double);
    double med = ratio[rounds / 2];
    fprintf(stderr, "   threads+GIL: median speedup %.2fx, at most %.2f CPUs busy\n", med, max_par);
    CHECK(med <= 1.2);
    CHECK(max_par <= 1.2);
    /* processes + GIL (one GIL each): parallel, when the machine can show it */
    fprintf(stderr, "   best of %d: processes+GIL %.2fx, C threads without GIL %.2fx\n", rounds,
            seq / proc_gil, seq / thr);
    if (ncpu < 2)
        fprintf(stderr, "   1 CPU: the >= 1.7 check is skipped\n");
    else if (seq / thr < 1.7)
        fprintf(stderr,
                "   NOTICE: busy machine — even GIL-free C threads reached only %.2fx, "
                "so the processes >= 1.7x check is skipped this time\n",
                seq / thr);
    else {
        /* Best walls come from different rounds: on a loaded machine one
         * lucky round can lift the threads to 1.7x while the processes never
         * get one. Then the same-round comparison decides: processes+GIL as
         * parallel as GIL-free threads measured beside them (median per-round
         * ratio of the two speedups >= 0.85; a GIL shared across processes
         * gives about 0.5 on a machine where threads reach 1.7x). */
        qsort(keep_up, (size_t)rounds, sizeof keep_up[0], cmp_double);
        double kmed = keep_up[rounds / 2];
        fprintf(stderr,
                "   processes+GIL speedup / GIL-free threads speedup, same round: median %.2f\n",
                kmed);
        CHECK(seq / proc_gil >= 1.7 || kmed >= 0.85);
    }
    cf_gil_stats st;
    cf_gil_get_stats(&st);
    fprintf(stderr, "   GIL: %llu acquisitions, %llu forced drops\n",
            (unsigned long long)st.acquisitions, (unsigned long long)st.forced_drops);
    CHECK(st.forced_drops > 0); /* the threads did take turns at check points */
    cfb_tasklist_free(&tl);
    cfb_params_free(p);
    return check_summary();
}
