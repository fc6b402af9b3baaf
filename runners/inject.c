/*
 * inject.c — the test-only slowdown knob (see inject.h).
 *
 * Threads: called from any worker thread (pool threads, forked children's
 * worker threads, the main thread for seq). The environment is read once
 * per process under pthread_once (a forked child inherits the parsed values
 * or parses them itself, both the same). Whether the calling thread slows
 * its tasks is a _Thread_local flag set by cfb_inject_enter() in that
 * thread; nothing else is shared, no locks.
 */
#include "inject.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static double factor;   /* 0 = off */
static char modes[128]; /* ",m1,m2," or "" = every mode */
static char wls[256];   /* ",w1,w2," or "" = every workload */
static _Thread_local int active;

static void read_env(void) {
    const char *f = getenv("CFB_INJECT_SLOWDOWN");
    if (f && *f) {
        char *end;
        double v = strtod(f, &end);
        if (end != f && !*end && v > 0 && v <= 10) factor = v;
    }
    const char *m = getenv("CFB_INJECT_SLOWDOWN_MODES");
    if (m && *m && strlen(m) + 3 < sizeof modes) snprintf(modes, sizeof modes, ",%s,", m);
    const char *w = getenv("CFB_INJECT_SLOWDOWN_WORKLOADS");
    if (w && *w && strlen(w) + 3 < sizeof wls) snprintf(wls, sizeof wls, ",%s,", w);
}

/* Whether name is in the list ",a,b," ("" = every name). */
static int listed(const char *list, const char *name) {
    if (!list[0]) return 1;
    char key[96];
    size_t n = strlen(name);
    if (n + 3 > sizeof key) return 0;
    snprintf(key, sizeof key, ",%s,", name);
    return strstr(list, key) != NULL;
}

void cfb_inject_enter(const char *workload, const char *mode) {
    pthread_once(&once, read_env);
    active = factor > 0 && listed(modes, mode) && listed(wls, workload);
}

static double clock_s(clockid_t id) {
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The CPU time of the task is remembered per thread between begin and end. */
static _Thread_local double cpu0;

double cfb_inject_begin(void) {
    if (!active) return 0.0;
    cpu0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    return clock_s(CLOCK_MONOTONIC);
}

/* The task took dw of wall and dc of CPU time: burn F x dc more CPU (a
 * busy loop on the thread's CPU clock), then sleep until F x dw of wall has
 * passed as well. A CPU-bound task gets F more of both; a sleeping task
 * (loiter) gets F more wall time and no CPU. */
void cfb_inject_end(double t0) {
    if (!active || t0 <= 0) return;
    double t1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double cpu_until = c1 + factor * (c1 - cpu0), wall_until = t1 + factor * (t1 - t0);
    volatile unsigned long spin = 0;
    while (clock_s(CLOCK_THREAD_CPUTIME_ID) < cpu_until)
        for (int i = 0; i < 64; i++)
            spin++;
    double left = wall_until - clock_s(CLOCK_MONOTONIC);
    if (left > 0) {
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        nanosleep(&ts, NULL);
    }
}
