/*
 * bench_loops.h — the measuring loops core_bench and peers_bench share, so
 * both report cfutures with exactly the same code.
 *
 * Included once per benchmark (static functions, one translation unit
 * each). The includer defines die(what, rc) — print and exit(1) — after
 * the #include (it is declared here).
 *
 *   throughput_once  n empty tasks: submit a window of WINDOW futures, then
 *                    wait for and release each, until n are done; tasks/s
 *   roundtrip_rep_us median submit -> done of n single tasks, in µs
 *
 * Memory: throughput_once takes the caller's array of WINDOW future slots
 * (caller-owned, reused); every future it makes is released before it
 * returns. roundtrip_rep_us takes a caller-owned array of n doubles.
 */
#ifndef CFB_BENCH_LOOPS_H
#define CFB_BENCH_LOOPS_H

#include "cfutures.h"
#include "rstats.h"

#include <time.h>

enum { WINDOW = 10000 };

static void die(const char *what, int rc);

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double median(const double *v, int n) {
    return cfb_median(v, (size_t)n);
}

static void task_empty(const void *arg, size_t len, cf_out *out) {
    (void)arg, (void)len, (void)out;
}

/* tasks/s; *cpu_us = process CPU time per task (all threads). */
static double throughput_once(cf_executor *ex, long n, cf_future **fs, double *cpu_us) {
    double t0 = now(), c0 = cpu_now();
    long done = 0;
    while (done < n) {
        long k = n - done < WINDOW ? n - done : WINDOW;
        for (long i = 0; i < k; i++) {
            int rc = cf_submit(ex, task_empty, NULL, 0, &fs[i]);
            if (rc) die("submit", rc);
        }
        for (long i = 0; i < k; i++) {
            int rc = cf_future_result(fs[i], CF_FOREVER, NULL, NULL);
            if (rc) die("result", rc);
            cf_future_release(fs[i]);
        }
        done += k;
    }
    double dt = now() - t0;
    if (cpu_us) *cpu_us = (cpu_now() - c0) / (double)n * 1e6;
    return (double)n / dt;
}

/* Median, in µs, of the submit -> done times of n empty tasks run one at
 * a time on ex; lat holds n doubles (scratch). */
static double roundtrip_rep_us(cf_executor *ex, int n, double *lat) {
    for (int i = 0; i < n; i++) {
        cf_future *f;
        double t0 = now();
        int rc = cf_submit(ex, task_empty, NULL, 0, &f);
        if (rc) die("submit", rc);
        rc = cf_future_result(f, CF_FOREVER, NULL, NULL);
        lat[i] = now() - t0;
        if (rc) die("result", rc);
        cf_future_release(f);
    }
    return median(lat, n) * 1e6;
}

#endif
