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
#include <string.h>
#include <time.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static double factor;   /* 0 = off */
static char modes[128]; /* ",m1,m2," or "" = every mode */
static _Thread_local int active;

static void read_env(void) {
    const char *f = getenv("CFB_INJECT_SLOWDOWN");
    if (f && *f) {
        char *end;
        double v = strtod(f, &end);
        if (end != f && !*end && v > 0 && v <= 10) factor = v;
    }
    const char *m = getenv("CFB_INJECT_SLOWDOWN_MODES");
    if (m && *m && strlen(m) + 3 < sizeof modes) {
        modes[0] = ',';
        strcpy(modes + 1, m);
        strcat(modes, ",");
    }
}

void cfb_inject_enter(const char *mode) {
    pthread_once(&once, read_env);
    active = 0;
    if (factor <= 0) return;
    if (!modes[0]) {
        active = 1;
        return;
    }
    char key[64];
    size_t n = strlen(mode);
    if (n + 3 > sizeof key) return;
    key[0] = ',';
    memcpy(key + 1, mode, n);
    key[n + 1] = ',';
    key[n + 2] = 0;
    active = strstr(modes, key) != NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

double cfb_inject_begin(void) {
    return active ? now() : 0.0;
}

void cfb_inject_end(double t0) {
    if (!active || t0 <= 0) return;
    double t1 = now(), until = t1 + factor * (t1 - t0);
    volatile unsigned long spin = 0;
    while (now() < until)
        for (int i = 0; i < 64; i++)
            spin++;
}
