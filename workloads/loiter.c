/*
 * loiter.c — the sleeping (I/O-like) workload of the book's demo: task i
 * sleeps i × unit seconds (pattern "ramp") or unit seconds (pattern
 * "fixed") and returns i × 10 as an int64.
 *
 * Task argument: cfb_loiter_arg. Sleeps with clock_nanosleep on the
 * monotonic clock to an absolute deadline, so a signal (EINTR) cannot
 * shorten or lengthen it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cf_gil.h"
#include "loiter.h"

extern const cfb_async_driver cfb_loiter_async;

static const char *const pattern_choices[] = {"ramp", "fixed", NULL};

static const cfb_param_def loiter_params[] = {
    {"tasks", CFB_P_INT, "5", "number of tasks", 1, 100000, NULL},
    {"unit", CFB_P_DOUBLE, "1.0", "seconds: task i sleeps i*unit (ramp) or unit (fixed)", 0, 3600,
     NULL},
    {"pattern", CFB_P_STRING, "ramp", "ramp: task i sleeps i*unit; fixed: every task sleeps unit",
     1, 0, pattern_choices},
};

static int loiter_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    long long n = cfb_params_int(p, "tasks");
    double unit = cfb_params_double(p, "unit");
    bool fixed = !strcmp(cfb_params_str(p, "pattern"), "fixed");
    char label[32];
    for (long long i = 0; i < n; i++) {
        cfb_loiter_arg a = {.index = i, .seconds = fixed ? unit : (double)i * unit};
        snprintf(label, sizeof label, "i=%lld", i);
        int rc = cfb_tasklist_add(tl, &a, sizeof a, label);
        if (rc) return rc;
    }
    return 0;
}

void cfb_sleep_s(double s) {
    if (s <= 0) return;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    long long ns = (long long)(s * 1e9);
    t.tv_sec += (time_t)(ns / 1000000000);
    t.tv_nsec += (long)(ns % 1000000000);
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

static void loiter_task(const void *arg, size_t len, cf_out *out) {
    cfb_loiter_arg a;
    if (len != sizeof a) {
        cf_out_error(out, 1, "loiter: bad argument (%zu bytes)", len);
        return;
    }
    memcpy(&a, arg, sizeof a);
    int gil = cf_gil_save(); /* a blocking call releases the GIL (Py_BEGIN_ALLOW_THREADS) */
    cfb_sleep_s(a.seconds);
    cf_gil_restore(gil);
    int64_t v = a.index * 10;
    cf_out_set(out, &v, sizeof v);
}

static int loiter_check(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                        size_t whylen) {
    int64_t v;
    if (len != sizeof v) {
        snprintf(why, whylen, "value of %zu bytes, expected 8", len);
        return -1;
    }
    memcpy(&v, res, sizeof v);
    if (v != (int64_t)i * 10) {
        snprintf(why, whylen, "task %zu returned %lld, expected %lld", i, (long long)v,
                 (long long)i * 10);
        return -1;
    }
    return 0;
}

/* The Python reference (task_loiter): each task's sleep; each answer is
 * the integer i * 10. */
static int loiter_ref_write(const cfb_params *p, const cfb_tasklist *tl, cfb_refw *w, char *err,
                            size_t errlen) {
    int rc = cfb_refw_array_begin(w, "sleeps");
    for (size_t i = 0; !rc && i < tl->n; i++) {
        cfb_loiter_arg la;
        if (tl->tasks[i].len != sizeof la) {
            snprintf(err, errlen, "loiter: task %zu is not a loiter argument", i);
            return CF_EINVAL;
        }
        memcpy(&la, tl->tasks[i].arg, sizeof la);
        rc = cfb_refw_double(w, NULL, la.seconds);
    }
    return rc ? rc : cfb_refw_array_end(w);
}

static int loiter_ref_read(const cfb_params *p, const cfb_refv *v, void *buf, size_t cap,
                           size_t *len) {
    int64_t x;
    if (cfb_refv_kind_of(v) != CFB_REFV_INT || cap < sizeof x) return -1;
    x = (int64_t)cfb_refv_int(v);
    memcpy(buf, &x, sizeof x);
    *len = sizeof x;
    return 0;
}

static const cfb_reference_codec loiter_reference = {loiter_ref_write, loiter_ref_read};

/* The default sweep: 20 equal sleeps can reach 20x (a ramp of n tasks
 * cannot pass (n+1)/2). */
static const char *const loiter_sweep_defaults[] = {"tasks=20", "unit=0.005", "pattern=fixed",
                                                    NULL};

const cfb_workload cfb_workload_loiter = {
    .name = "loiter",
    .description = "I/O-like: task i sleeps i*unit seconds and returns i*10 (the book's demo)",
    .bound = CFB_BOUND_IO,
    .params = loiter_params,
    .nparams = sizeof loiter_params / sizeof loiter_params[0],
    .make_tasks = loiter_make_tasks,
    .task = loiter_task,
    .check = loiter_check,
    .async = &cfb_loiter_async, /* workloads/loiter_async.c: timers on the event loop */
    .sweep_defaults = loiter_sweep_defaults,
    .reference = &loiter_reference,
};
