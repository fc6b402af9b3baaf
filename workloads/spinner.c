/*
 * spinner.c — the `spinner` workload: how responsive a spinner stays while
 * a slow computation runs, as a number (the largest gap between its ticks),
 * in whatever mode the sweep runs it. Fluent Python's spinner_thread.py,
 * spinner_proc.py and spinner_async.py, as two tasks of one case:
 *
 *   task 0  the computation: sleep `seconds` (work=sleep or block) or check
 *           `number` by trial division (work=cpu); value: answer 42.
 *   task 1  the spinner: a tick (the book's `write(status)`) every
 *           `interval` seconds until the computation is done; value: the
 *           ticks drawn during the computation and the largest gap between
 *           them (cfb_spin_measure), which the engine records through the
 *           `metric` hook.
 *
 * So the mode of the sweep is the mode of the experiment: thread (spinner
 * and computation in two pool threads; with impl c+gil the spinner must
 * take the GIL to tick, which a CPU-bound computation gives up only at its
 * cf_gil_check points once a switch interval has passed), process (two
 * processes, each with its own GIL), async (the driver below: the spinner
 * is a loop timer; sleep is a loop timer too, block and cpu run on the loop
 * thread and freeze the spinner — ticks 0, gap = the computation's time, by
 * construction), seq or 1 worker (the spinner runs after the computation:
 * the gap is the computation's time too). Use 2 workers.
 *
 * Processes and memory. The computation and the spinner meet in one
 * MAP_SHARED anonymous page made by run_setup in the parent (before any
 * pool forks, so every worker process inherits it; a reference count lets
 * several prepared cases share it — only one repetition runs at a time):
 * a process-shared counting event `done` (cfb_spin_event: mutex, condition
 * variable, counter) that the computation posts once per repetition, after
 * writing its start and end times t0/t1 (CLOCK_MONOTONIC, the same clock in
 * every process). The spinner waits on `done` with a timeout of one
 * interval between ticks (the book's `done.wait(.1)`), so each post is
 * consumed by exactly one spinner, in the same repetition; the event's
 * mutex orders the t0/t1 writes before the spinner's reads.
 * In async mode the driver keeps the same facts in its own state on the
 * loop thread and the page is not used.
 *
 * Tasks must run in index order when there is one worker (every mode
 * submits in order, FIFO): the computation first, so a lone worker never
 * waits on a spinner that waits for a computation that cannot start.
 */

#include "spinner.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "cf_gil.h"
#include "cf_loop.h"
#include "loiter.h"
#include "primes.h"

/* ---- shared pieces (also for `cfbench spinner`) --------------------------- */

static const char *const work_names[] = {"sleep", "block", "cpu", NULL};

int cfb_spin_work_parse(const char *s, cfb_spin_work *w) {
    for (int i = 0; s && work_names[i]; i++)
        if (!strcmp(s, work_names[i])) {
            *w = (cfb_spin_work)i;
            return 0;
        }
    return -1;
}

const char *cfb_spin_work_name(cfb_spin_work w) {
    return (unsigned)w < 3 ? work_names[w] : "?";
}

bool cfb_spin_compute(cfb_spin_work w, double seconds, uint64_t number) {
    if (w == CFB_SPIN_CPU) return cfb_is_prime(number); /* holds the GIL, checks it */
    int g = cf_gil_save();                              /* time.sleep releases the GIL */
    cfb_sleep_s(seconds);
    cf_gil_restore(g);
    return true;
}

int cfb_spin_event_init(cfb_spin_event *e) {
    pthread_mutexattr_t ma;
    pthread_condattr_t ca;
    int rc = pthread_mutexattr_init(&ma);
    if (rc) return rc;
    rc = pthread_condattr_init(&ca);
    if (rc) {
        pthread_mutexattr_destroy(&ma);
        return rc;
    }
    if (!(rc = pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED)) &&
        !(rc = pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED)) &&
        !(rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) &&
        !(rc = pthread_mutex_init(&e->mu, &ma))) {
        rc = pthread_cond_init(&e->cv, &ca);
        if (rc) pthread_mutex_destroy(&e->mu);
    }
    pthread_mutexattr_destroy(&ma);
    pthread_condattr_destroy(&ca);
    e->posts = 0;
    return rc;
}

void cfb_spin_event_destroy(cfb_spin_event *e) {
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
}

void cfb_spin_event_post(cfb_spin_event *e) {
    pthread_mutex_lock(&e->mu);
    e->posts++;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

bool cfb_spin_event_wait(cfb_spin_event *e, double seconds) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long long ns = (long long)(seconds * 1e9) + ts.tv_nsec;
    ts.tv_sec += (time_t)(ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    int g = cf_gil_save(); /* Event.wait releases the GIL */
    pthread_mutex_lock(&e->mu);
    int rc = 0;
    while (e->posts == 0 && rc == 0) /* ETIMEDOUT (or an error) ends it */
        rc = pthread_cond_timedwait(&e->cv, &e->mu, &ts);
    bool got = e->posts > 0;
    if (got) e->posts--;
    pthread_mutex_unlock(&e->mu);
    cf_gil_restore(g);
    return got;
}

void cfb_spin_measure(const double *ticks, size_t n, double t0, double t1, size_t *in,
                      double *gap) {
    double last = t0, g = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (ticks[i] <= t0 || ticks[i] > t1) continue;
        if (ticks[i] - last > g) g = ticks[i] - last;
        last = ticks[i];
        k++;
    }
    if (t1 - last > g) g = t1 - last;
    *in = k;
    *gap = g;
}

/* ---- the workload ---------------------------------------------------------- */

static const char *const work_choices[] = {"sleep", "block", "cpu", NULL};

static const cfb_param_def spinner_params[] = {
    {"work", CFB_P_STRING, "cpu",
     "the slow computation: sleep (I/O-like; asyncio.sleep in async), block (time.sleep: blocks "
     "the loop in async), cpu (is_prime(number): holds the GIL)",
     1, 0, work_choices},
    {"seconds", CFB_P_DOUBLE, "0.25", "how long sleep and block last", 0.001, 3600, NULL},
    {"number", CFB_P_INT, "100000000000000003",
     "the prime that cpu checks by trial division (about 0.25 s here)", 3, 9223372036854775807.0,
     NULL},
    {"interval", CFB_P_DOUBLE, "0.05", "seconds between the spinner's ticks (the book: 0.1)", 0.001,
     10, NULL},
};

#define ROLE_COMPUTE 0u
#define ROLE_SPINNER 1u

typedef struct spin_arg {
    uint32_t role, work;
    double seconds, interval;
    uint64_t number;
} spin_arg;

typedef struct spin_shared {
    cfb_spin_event done;
    double t0, t1;
} spin_shared;

/* Parent-only bookkeeping (run_setup/run_teardown run in the parent, one
 * at a time); workers read `shared`, inherited across fork. */
static spin_shared *shared;
static int shared_refs;

/* Longest a spinner waits for a computation that never ends (a broken
 * repetition): then it fails instead of hanging the sweep. */
#define SPIN_GIVE_UP_S 3600.0

static int spinner_run_setup(cfb_params *p, void **run_state, char *err, size_t errlen) {
    (void)p;
    *run_state = NULL;
    if (shared_refs++ > 0) return 0;
    void *m = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int rc = m == MAP_FAILED ? errno : cfb_spin_event_init(&((spin_shared *)m)->done);
    if (rc) {
        snprintf(err, errlen, "spinner: cannot make the shared page: %s", strerror(rc));
        if (m != MAP_FAILED) munmap(m, sizeof *shared);
        shared_refs--;
        return CF_ESYS;
    }
    shared = m;
    return 0;
}

static void spinner_run_teardown(void *run_state) {
    (void)run_state;
    if (shared_refs > 0 && --shared_refs == 0) {
        cfb_spin_event_destroy(&shared->done);
        munmap(shared, sizeof *shared);
        shared = NULL;
    }
}

static int spinner_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    cfb_spin_work w;
    if (cfb_spin_work_parse(cfb_params_str(p, "work"), &w)) {
        snprintf(err, errlen, "work: not sleep, block or cpu");
        return CF_EINVAL;
    }
    spin_arg a = {.role = ROLE_COMPUTE,
                  .work = (uint32_t)w,
                  .seconds = cfb_params_double(p, "seconds"),
                  .interval = cfb_params_double(p, "interval"),
                  .number = (uint64_t)cfb_params_int(p, "number")};
    int rc = cfb_tasklist_add(tl, &a, sizeof a, "compute");
    a.role = ROLE_SPINNER;
    return rc ? rc : cfb_tasklist_add(tl, &a, sizeof a, "spinner");
}

static void compute_value(const spin_arg *a, cfb_spin_value *v) {
    memset(v, 0, sizeof *v);
    v->kind = CFB_SPIN_VALUE_COMPUTE;
    v->answer = cfb_spin_compute((cfb_spin_work)a->work, a->seconds, a->number) ? 42 : 0;
}

static void spinner_task(const void *arg, size_t len, cf_out *out) {
    spin_arg a;
    if (len != sizeof a || !shared) {
        cf_out_error(out, 1, "spinner: bad argument (%zu bytes) or no shared page", len);
        return;
    }
    memcpy(&a, arg, sizeof a);
    cfb_spin_value v;
    if (a.role == ROLE_COMPUTE) {
        shared->t0 = cf_loop_now();
        compute_value(&a, &v);
        shared->t1 = cf_loop_now();
        cfb_spin_event_post(&shared->done);
        cf_out_set(out, &v, sizeof v);
        return;
    }
    /* The spinner: tick (holding the GIL, as drawing a character needs it),
     * then wait one interval for `done` with the GIL released. */
    size_t n = 0, cap = 64;
    double *ticks = malloc(cap * sizeof *ticks);
    double give_up = cf_loop_now() + SPIN_GIVE_UP_S;
    bool done = false;
    while (ticks && !done) {
        if (n == cap) {
            double *t = realloc(ticks, 2 * cap * sizeof *t);
            if (!t) break;
            ticks = t;
            cap *= 2;
        }
        ticks[n++] = cf_loop_now();
        done = cfb_spin_event_wait(&shared->done, a.interval);
        if (!done && cf_loop_now() > give_up) break;
    }
    if (!done) {
        free(ticks);
        cf_out_error(out, 2, "spinner: the computation never finished (or out of memory)");
        return;
    }
    memset(&v, 0, sizeof v);
    v.kind = CFB_SPIN_VALUE_SPINNER;
    size_t in;
    cfb_spin_measure(ticks, n, shared->t0, shared->t1, &in, &v.gap_s);
    v.ticks = in;
    v.window_s = shared->t1 - shared->t0;
    free(ticks);
    cf_out_set(out, &v, sizeof v);
}

static int decode(const void *res, size_t len, cfb_spin_value *v) {
    if (!res || len != sizeof *v) return -1;
    memcpy(v, res, sizeof *v);
    return v->kind == CFB_SPIN_VALUE_COMPUTE || v->kind == CFB_SPIN_VALUE_SPINNER ? 0 : -1;
}

static int spinner_check(const cfb_params *p, size_t i, const void *res, size_t len, char *why,
                         size_t whylen) {
    cfb_spin_value v;
    if (decode(res, len, &v) ||
        v.kind != (i == 0 ? CFB_SPIN_VALUE_COMPUTE : CFB_SPIN_VALUE_SPINNER)) {
        snprintf(why, whylen, "task %zu: not a spinner value", i);
        return -1;
    }
    if (i == 0 && v.answer != 42) {
        snprintf(why, whylen, "the computation said %" PRIu64 " is not prime",
                 (uint64_t)cfb_params_int(p, "number"));
        return -1;
    }
    /* A spinner waits at least one interval between ticks. */
    double iv = cfb_params_double(p, "interval");
    if (i == 1 && (double)v.ticks > v.window_s / iv + 1.0 + 1e-9) {
        snprintf(why, whylen, "%" PRIu64 " ticks in %.3f s at one per %.3f s", v.ticks, v.window_s,
                 iv);
        return -1;
    }
    return 0;
}

static const char *spinner_classify(const void *res, size_t len) {
    cfb_spin_value v;
    if (decode(res, len, &v)) return "bad_value";
    return v.kind == CFB_SPIN_VALUE_COMPUTE ? "computation" : "spinner";
}

static double spinner_metric(const void *res, size_t len) {
    cfb_spin_value v;
    return decode(res, len, &v) == 0 && v.kind == CFB_SPIN_VALUE_SPINNER ? v.gap_s : NAN;
}

static int spinner_check_params(const cfb_params *p, const char **param, char *err, size_t errlen) {
    long long n = cfb_params_int(p, "number");
    if (!cfb_is_prime_mr((uint64_t)n)) {
        *param = "number";
        snprintf(err, errlen, "number: %lld is not prime (the computation checks a prime)", n);
        return CF_EINVAL;
    }
    return 0;
}

/* ---- the event-loop driver (mode async) ------------------------------------ */

/* Everything on the loop thread; no locks. The driver holds a borrowed
 * pointer to each started future until it resolves it. */
typedef struct sdrv {
    cf_loop *loop;
    cf_loop_timer *tick, *sleep;
    cf_future *comp, *spin;
    spin_arg comp_a, spin_a;
    double t0, t1;
    bool comp_done;
    uint32_t answer; /* the computation's value: 42, or 0 when cpu found no prime */
    double *ticks;
    size_t n, cap;
} sdrv;

static void spin_finish(sdrv *d) {
    cf_loop_timer_stop(d->tick);
    cfb_spin_value v = {.kind = CFB_SPIN_VALUE_SPINNER};
    size_t in;
    cfb_spin_measure(d->ticks, d->n, d->t0, d->t1, &in, &v.gap_s);
    v.ticks = in;
    v.window_s = d->t1 - d->t0;
    cf_future *f = d->spin;
    d->spin = NULL;
    cf_future_set_result(f, &v, sizeof v);
}

static void comp_finish(sdrv *d) {
    d->t1 = cf_loop_now();
    d->comp_done = true;
    cfb_spin_value v = {.kind = CFB_SPIN_VALUE_COMPUTE, .answer = d->answer};
    cf_future *f = d->comp;
    d->comp = NULL;
    if (d->spin) spin_finish(d);
    cf_future_set_result(f, &v, sizeof v);
}

static void on_tick(cf_loop *loop, void *arg) {
    (void)loop;
    sdrv *d = arg;
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        double *t = realloc(d->ticks, cap * sizeof *t);
        if (!t) return; /* no more ticks: the gap grows, honestly */
        d->ticks = t;
        d->cap = cap;
    }
    d->ticks[d->n++] = cf_loop_now();
    cf_loop_timer_start(d->tick, d->spin_a.interval);
}

static void on_slept(cf_loop *loop, void *arg) {
    (void)loop;
    comp_finish(arg);
}

static int drv_open(cf_loop *loop, const cfb_params *p, int max_inflight, void **state) {
    (void)p, (void)max_inflight;
    sdrv *d = calloc(1, sizeof *d);
    if (!d) return CF_ENOMEM;
    d->loop = loop;
    if (cf_loop_timer_new(loop, on_tick, d, &d->tick) ||
        cf_loop_timer_new(loop, on_slept, d, &d->sleep)) {
        cf_loop_timer_free(d->tick);
        free(d);
        return CF_ENOMEM;
    }
    *state = d;
    return 0;
}

static int drv_start(void *state, const void *arg, size_t len, cf_future *fut) {
    sdrv *d = state;
    spin_arg a;
    if (len != sizeof a) return CF_EINVAL;
    memcpy(&a, arg, sizeof a);
    if (cf_future_set_running(fut)) return 0; /* cancelled */
    if (a.role == ROLE_COMPUTE) {
        d->comp = fut;
        d->comp_a = a;
        d->t0 = cf_loop_now();
        d->answer = 42;
        if (a.work == CFB_SPIN_SLEEP) /* await asyncio.sleep(seconds) */
            return cf_loop_timer_start(d->sleep, a.seconds);
        /* time.sleep or is_prime on the loop thread: nothing else runs meanwhile */
        if (!cfb_spin_compute((cfb_spin_work)a.work, a.seconds, a.number)) d->answer = 0;
        comp_finish(d);
        return 0;
    }
    d->spin = fut;
    d->spin_a = a;
    if (d->comp_done) { /* the computation already ran (one in flight) */
        spin_finish(d);
        return 0;
    }
    return cf_loop_timer_start(d->tick, 0);
}

static void drv_close(void *state) {
    sdrv *d = state;
    if (d->comp) cf_future_set_error(d->comp, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
    if (d->spin) cf_future_set_error(d->spin, CF_ECANCELLED, CF_ECANCELLED, "interrupted");
    cf_loop_timer_free(d->tick);
    cf_loop_timer_free(d->sleep);
    free(d->ticks);
    free(d);
}

static const cfb_async_driver spinner_async = {drv_open, drv_start, drv_close};

const cfb_workload cfb_workload_spinner = {
    .name = "spinner",
    .description = "a spinner ticks while a slow computation runs: its largest gap between "
                   "ticks, by mode (Fluent Python's spinner_*.py); use 2 workers",
    .params = spinner_params,
    .nparams = sizeof spinner_params / sizeof spinner_params[0],
    .run_setup = spinner_run_setup,
    .run_teardown = spinner_run_teardown,
    .make_tasks = spinner_make_tasks,
    .task = spinner_task,
    .check = spinner_check,
    .classify = spinner_classify,
    .async = &spinner_async,
    .check_params = spinner_check_params,
    .metric = spinner_metric,
    .metric_name = "largest_gap_s",
    .opt_in = true,
};
