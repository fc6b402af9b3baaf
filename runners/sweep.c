/*
 * sweep.c — the sweep engine.
 *
 * Threads and processes: the engine itself runs in the main thread. A mode
 * (modes.c) runs one repetition; its workers (pool threads or forked
 * children) execute the engine's task wrapper, which calls the workload's
 * task through the impl and writes the task's start/end time and worker
 * slot into that task's record.
 *
 * Memory shared with workers: each prepared case owns one MAP_SHARED
 * anonymous mapping (a `shared` header plus one `trec` per task), made in
 * the parent before any pool exists, so forked workers inherit the same
 * pages. Invariants: record i is written only by the worker that runs task
 * i, and read by the main thread only after task i's future is done (the
 * future's lock — or the pool's pipe, for processes — orders the write
 * before the read); the main thread clears the records between
 * repetitions, when no worker is alive. `next_slot` is the only field
 * written concurrently: atomically, once per worker start.
 *
 * Stopping: the caller's stop token (cfbench.h: cfb_stop, a lock-free
 * atomic int that a signal handler or any thread may set) is checked
 * between repetitions; the
 * engine installs no signal handler. Pool children ignore SIGINT (a
 * terminal's Ctrl-C reaches the whole process group) so the current
 * repetition can finish. `current_stop` points at the token of the run in
 * progress for cfb_sweep_interrupted() (mode_mpi.c); runs do not overlap.
 *
 * Output: none printed here. Every event (run start, case start, a
 * repetition done, case done, a warning, run done) goes to the reporters
 * the caller attached (runners/reporters.c has the progress display and
 * the atomic JSON writer), in the caller's thread. A `partial` results
 * object (a view of the sweep in progress) is handed to them; its document
 * is built only when a reporter asks for it and dropped after the event.
 *
 * Ownership: the engine owns cases, their params copies, task lists,
 * argument buffers, mappings and results; modes borrow them through cfb_rep.
 * Results: each measured repetition is a cfb_repetition of the results
 * model (results/include/cfbench_results.h, built in run_rep); snapshot() builds the document
 * as a cfb_results (case_model per case, copies of its repetitions;
 * speedup, efficiency and overhead by the model's cfb_derived_compute
 * against the seq case of the same value set). config, host, build, noise
 * and the timeline stay JSON sections of the model. The final
 * cfb_run_result (the typed document, the outcome and per-case walls) is
 * the caller's, freed with cfb_run_result_free.
 *
 * Scans (docs/scans.md): a --param whose value is a scan for the
 * parameter's type (param_scan.h) makes the cross product of its values
 * with every other scanned key of the same workload (in command-line
 * order, the first key outermost); each value set ("combo") is a full
 * sweep of impls x modes x workers, with its own seq reference. The
 * expanded values (wscan) are owned by the sweep and freed with the cases.
 */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "cf_gil.h"
#include "context.h"
#include "impl_gil.h"
#include "inject.h"
#include "measure.h"
#include "cfbench_results.h"
#include "outliers.h"
#include "param_scan.h"
#include "results_io.h"
#include "cfbench_stats.h"

/* ---- clocks and signals ------------------------------------------------- */

double cfb_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A lock-free atomic: safe from a signal handler and from any thread. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "cfb_stop needs a lock-free atomic int");
struct cfb_stop {
    _Atomic int flag;
};

cfb_stop *cfb_stop_new(void) {
    return calloc(1, sizeof(cfb_stop));
}
void cfb_stop_free(cfb_stop *st) {
    free(st);
}
void cfb_stop_request(cfb_stop *st) { /* async-signal-safe: one lock-free store */
    if (st) atomic_store(&st->flag, 1);
}
bool cfb_stop_requested(const cfb_stop *st) {
    return st && atomic_load(&((cfb_stop *)st)->flag) != 0;
}
void cfb_stop_reset(cfb_stop *st) {
    if (st) atomic_store(&st->flag, 0);
}

static const cfb_stop *current_stop; /* the run in progress' token (main thread) */

bool cfb_sweep_interrupted(void) {
    return cfb_stop_requested(current_stop);
}

/* ---- cases -------------------------------------------------------------- */

typedef struct trec {
    double start, end;
    int32_t worker;
    int32_t set; /* 1 once written */
} trec;

typedef struct shared {
    _Atomic int next_slot;
    trec recs[];
} shared;

typedef struct wrap_hdr {
    cf_task_fn fn;
    const cfb_impl *impl;
    shared *sh;
    uint64_t index;
    uint64_t timed;
} wrap_hdr;

/* Per-task timing costs two clock reads and a record (~70 ns here): on
 * cases of more tasks than this, only every k-th task is timed (a
 * systematic sample of CFB_TIMED_MAX/2..CFB_TIMED_MAX tasks, k a power of
 * two — enough for p99), and
 * the others run bare, exactly as with measuring off. */
#define CFB_TIMED_MAX 10000

/* The scanned keys of one workload: for each, the --param that won (the
 * last one for that workload and key) and its expanded values (owned). */
#define CFB_SCAN_MAX_KEYS 16
typedef struct scan_key {
    const cfb_override *o; /* borrowed */
    const char *key;       /* borrowed (the definition's name) */
    char **values;         /* owned: cfb_param_scan_free */
    size_t n;
} scan_key;

typedef struct wscan {
    scan_key k[CFB_SCAN_MAX_KEYS];
    size_t nk;
    size_t ncombos; /* the product of the k[].n (1 when nothing is scanned) */
} wscan;

typedef struct cfb_case {
    const cfb_workload *w;
    const cfb_mode *m;
    const cfb_impl *impl;
    int workers;
    const wscan *scan; /* borrowed from the sweep; NULL or nk == 0: not scanned */
    size_t combo;      /* the value set: index into the cross product of scan */
    char id[512];
    cfb_params *params; /* owned; resolved (defaults + overrides) */
    /* owned, NULL without a run_setup hook: params as resolved, before
     * run_setup filled in run-time values (flags' embedded server URL, a
     * new port per case): what the results record, so the cases of a
     * workload keep equal params, the seq reference and compare's
     * matching across runs find each other */
    cfb_params *recorded;
    /* prepared state (between the first and last unit of the case) */
    bool prepared, finished, failed;
    void *run_state;
    cfb_tasklist tl;
    unsigned char *args; /* owned: the wrapped argument of every task */
    size_t *argoff;      /* owned: offset of task i in args */
    shared *sh;          /* owned mapping of shsize bytes */
    size_t shsize;
    size_t ntasks;
    size_t stride; /* time every stride-th task (a power of two; 1 up to CFB_TIMED_MAX) */
    int warm_done, reps_done;
    /* results */
    cfb_repetition *
        *reps; /* owned: reps_done of repeat entries (results/include/cfbench_results.h) */
    json_t *timeline;
    double *wall, *cpu, *tps, *ipt; /* repeat entries each */
    double *metric_v;               /* repeat entries: w->metric's per repetition (lazy) */
    size_t nipt;
    char error[1024];
    bool has_error;
    /* observed runs (cfb_rep_run_observed, taskrun.c): NULL in a sweep */
    const cfb_tasklist *given;   /* borrowed: copied instead of run_setup + make_tasks */
    const cfb_rep_observer *obs; /* borrowed: every task timed, every take reported */
} cfb_case;

struct cfb_rep {
    cfb_case *c;
    const cfb_sweep_cfg *cfg;
    pid_t parent_pid;
    int index; /* measured repetition index, -1 for a warm-up */
    double t_start, t_end;
    bool started;
    size_t taken, ok, failed, check_failures;
    uint64_t bytes;
    double metric; /* the largest w->metric over the tasks taken, once has_metric */
    bool has_metric;
    unsigned char *state; /* per task: 0 not taken, 1 ok, 2 failed */
    struct {
        const char *name;
        uint64_t n;
    } counts[16];
    size_t ncounts;
    char fail_msg[512];
    char first_problem[512];
    const cfb_rep_observer *obs; /* the case's (NULL in a sweep) */
};

static _Thread_local int tls_slot;

/* The engine's task wrapper: runs in the worker. */
static void wrapped_task(const void *arg, size_t len, cf_out *out) {
    wrap_hdr h;
    if (len < sizeof h) {
        cf_out_error(out, 1, "cfbench: bad wrapped argument");
        return;
    }
    memcpy(&h, arg, sizeof h);
    const void *a = len > sizeof h ? (const char *)arg + sizeof h : NULL;
    size_t l = len - sizeof h;
    double t0 = h.timed ? cfb_now() : 0;
    double t_inject = cfb_inject_begin(); /* test-only knob, inject.h */
    if (h.impl && h.impl->call)
        h.impl->call(h.fn, a, l, out);
    else
        h.fn(a, l, out);
    cfb_inject_end(t_inject);
    if (h.timed) {
        trec *r = &h.sh->recs[h.index];
        r->start = t0;
        r->end = cfb_now();
        r->worker = tls_slot;
        r->set = 1;
    }
}

/* ---- the rep API (modes.h) ---------------------------------------------- */

size_t cfb_rep_ntasks(const cfb_rep *rep) {
    return rep->c->ntasks;
}
int cfb_rep_workers(const cfb_rep *rep) {
    return rep->c->workers;
}
const char *cfb_rep_mode(const cfb_rep *rep) {
    return rep->c->m->name;
}
const cfb_workload *cfb_rep_workload(const cfb_rep *rep) {
    return rep->c->w;
}
const cfb_params *cfb_rep_params(const cfb_rep *rep) {
    return rep->c->params;
}
const cfb_impl *cfb_rep_impl(const cfb_rep *rep) {
    return rep->c->impl;
}

/* Task i is timed (start, end, worker recorded) when measuring and i is a
 * multiple of the case's sampling stride. */
static bool timed(const cfb_rep *rep, size_t i) {
    return rep->cfg->measure && (i & (rep->c->stride - 1)) == 0;
}

void cfb_rep_task(const cfb_rep *rep, size_t i, cf_task_fn *fn, const void **arg, size_t *len) {
    const cfb_case *c = rep->c;
    if (c->impl->call || rep->cfg->wrap_every_task || timed(rep, i)) {
        *fn = wrapped_task;
        *arg = c->args + c->argoff[i];
        *len = sizeof(wrap_hdr) + c->tl.tasks[i].len;
    } else { /* untimed: exactly what runs with measuring off */
        *fn = c->w->task;
        *arg = c->tl.tasks[i].len ? c->tl.tasks[i].arg : NULL;
        *len = c->tl.tasks[i].len;
    }
}

/* The workload's own argument bytes of task i (for event-loop drivers,
 * which run no wrapper). Added by the client helper for mode_async.c. */
void cfb_rep_task_arg(const cfb_rep *rep, size_t i, const void **arg, size_t *len) {
    const cfb_case *c = rep->c;
    *arg = c->tl.tasks[i].len ? c->tl.tasks[i].arg : NULL;
    *len = c->tl.tasks[i].len;
}

void cfb_rep_fail(cfb_rep *rep, const char *fmt, ...) {
    if (rep->fail_msg[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->fail_msg, sizeof rep->fail_msg, fmt, ap);
    va_end(ap);
}

static int worker_init(void *arg) {
    cfb_rep *rep = arg;
    tls_slot = atomic_fetch_add(&rep->c->sh->next_slot, 1);
    cfb_inject_enter(rep->c->w->name, rep->c->m->name); /* test-only knob, inject.h */
    if (getpid() != rep->parent_pid)
        signal(SIGINT, SIG_IGN); /* a forked pool worker: let the parent decide */
    const cfb_workload *w = rep->c->w;
    if (w->worker_setup && w->worker_setup(rep->c->params) != 0) return -1;
    if (rep->c->impl->worker_enter && rep->c->impl->worker_enter() != 0) {
        if (w->worker_teardown) w->worker_teardown();
        return -1;
    }
    return 0;
}

static void worker_fini(void *arg) {
    cfb_rep *rep = arg;
    if (rep->c->impl->worker_exit) rep->c->impl->worker_exit();
    if (rep->c->w->worker_teardown) rep->c->w->worker_teardown();
}

void cfb_rep_executor_opts(cfb_rep *rep, cf_executor_opts *o) {
    memset(o, 0, sizeof *o);
    o->max_workers = rep->c->workers;
    o->initializer = worker_init;
    o->finalizer = worker_fini;
    o->initarg = rep;
    o->name = "cfb";
}

int cfb_rep_worker_enter(cfb_rep *rep, int slot) {
    if (worker_init(rep) != 0) {
        cfb_rep_fail(rep, "worker setup of %s failed", rep->c->w->name);
        return CF_EBROKEN;
    }
    tls_slot = slot;
    return 0;
}

void cfb_rep_worker_exit(cfb_rep *rep) {
    worker_fini(rep);
}

void cfb_rep_start(cfb_rep *rep) {
    if (!rep->started) {
        rep->started = true;
        rep->t_start = cfb_now();
        double slow = rep->index >= 0 ? cfb_noise_slow_rep(rep->index) : 0; /* test knob */
        if (slow > 0) {
            struct timespec ts = {(time_t)slow, (long)((slow - (double)(time_t)slow) * 1e9)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                ;
        }
    }
}

void cfb_rep_mark(cfb_rep *rep, size_t i, double start, double end, int worker) {
    if (i >= rep->c->ntasks) return;
    trec *r = &rep->c->sh->recs[i];
    r->start = start;
    r->end = end;
    r->worker = worker;
    r->set = 1;
}

static void count(cfb_rep *rep, const char *name) {
    for (size_t k = 0; k < rep->ncounts; k++)
        if (rep->counts[k].name == name || !strcmp(rep->counts[k].name, name)) {
            rep->counts[k].n++;
            return;
        }
    if (rep->ncounts < sizeof rep->counts / sizeof rep->counts[0]) {
        rep->counts[rep->ncounts].name = name;
        rep->counts[rep->ncounts++].n = 1;
    }
}

int cfb_rep_take(cfb_rep *rep, size_t i, cf_future *f) {
    cfb_case *c = rep->c;
    if (!f || i >= c->ntasks || rep->state[i] || !cf_future_done(f)) {
        cf_future_release(f);
        return CF_EINVAL;
    }
    const void *data = NULL;
    size_t len = 0;
    int rc = cf_future_result(f, 0, &data, &len);
    if (rc == 0) {
        rep->ok++;
        rep->state[i] = 1;
        const cfb_workload *w = c->w;
        if (w->result_bytes) rep->bytes += w->result_bytes(data, len);
        double m = w->metric ? w->metric(data, len) : NAN;
        if (isfinite(m) && (!rep->has_metric || m > rep->metric)) {
            rep->metric = m;
            rep->has_metric = true;
        }
        char why[256] = "";
        const char *cls = w->classify ? w->classify(data, len) : "ok";
        count(rep, cls);
        bool wrong = w->check && w->check(c->params, i, data, len, why, sizeof why) != 0;
        if (wrong) {
            rep->check_failures++;
            if (!rep->first_problem[0])
                snprintf(rep->first_problem, sizeof rep->first_problem,
                         "task %zu: wrong answer: %s", i, why);
        }
        if (rep->obs) rep->obs->on_take(rep->obs->ctx, rep, i, f, cls, wrong ? why : NULL);
    } else {
        rep->failed++;
        rep->state[i] = 2;
        count(rep, "error");
        if (rep->obs) rep->obs->on_take(rep->obs->ctx, rep, i, f, "error", NULL);
        if (!rep->first_problem[0]) {
            int code = 0;
            const char *msg = "";
            if (rc != CF_ECANCELLED) cf_future_error(f, &code, &msg);
            snprintf(rep->first_problem, sizeof rep->first_problem, "task %zu failed: %s%s%s", i,
                     cf_strerror(rc), msg[0] ? ": " : "", msg);
        }
    }
    cf_future_release(f);
    if (++rep->taken == c->ntasks) rep->t_end = cfb_now();
    return 0;
}

/* ---- preparing a case --------------------------------------------------- */

static const cfb_param_def *param_def(const cfb_workload *w, const char *key) {
    for (size_t j = 0; j < w->nparams; j++)
        if (!strcmp(w->params[j].name, key)) return &w->params[j];
    return NULL;
}

/* Does o apply to w (its workload, or unprefixed and w has the key)? */
static bool applies(const cfb_override *o, const cfb_workload *w) {
    return o->workload ? !strcmp(o->workload, w->name) : param_def(w, o->key) != NULL;
}

/* The value of scanned key k in value set `combo` (first key outermost). */
static const char *combo_value(const wscan *ws, size_t k, size_t combo) {
    size_t inner = 1;
    for (size_t j = k + 1; j < ws->nk; j++)
        inner *= ws->k[j].n;
    return ws->k[k].values[(combo / inner) % ws->k[k].n];
}

static void wscan_free(wscan *ws) {
    for (size_t k = 0; k < ws->nk; k++)
        cfb_param_scan_free(ws->k[k].values, ws->k[k].n);
    memset(ws, 0, sizeof *ws);
    ws->ncombos = 1;
}

/* Expand the scans of w into ws (ws->ncombos 1 when none). 0, or -1 with a
 * one-line reason naming the --param. */
static int wscan_make(const cfb_sweep_cfg *cfg, const cfb_workload *w, wscan *ws, char *err,
                      size_t errlen) {
    memset(ws, 0, sizeof *ws);
    ws->ncombos = 1;
    /* the winning override of each key, in the order of the winners */
    for (size_t k = 0; k < cfg->noverrides; k++) {
        const cfb_override *o = &cfg->overrides[k];
        const cfb_param_def *d = param_def(w, o->key);
        if (o->quiet || !d || !applies(o, w)) continue;
        bool later = false;
        for (size_t j = k + 1; j < cfg->noverrides && !later; j++)
            later = !cfg->overrides[j].quiet && !strcmp(cfg->overrides[j].key, o->key) &&
                    applies(&cfg->overrides[j], w);
        if (later) continue;
        char why[256];
        scan_key sk = {.o = o, .key = d->name};
        int rc = cfb_param_scan(d, o->value, &sk.values, &sk.n, why, sizeof why);
        if (rc == 0) continue; /* a single value */
        if (rc != 1 || ws->nk == CFB_SCAN_MAX_KEYS) {
            if (rc == 1) snprintf(why, sizeof why, "more than %d scanned keys", CFB_SCAN_MAX_KEYS);
            cfb_param_scan_free(sk.values, sk.n);
            snprintf(err, errlen, "--param %s%s%s=%s: %s", o->workload ? o->workload : "",
                     o->workload ? "." : "", o->key, o->value, why);
            wscan_free(ws);
            return -1;
        }
        ws->k[ws->nk++] = sk;
        /* saturate: the case count check below refuses it anyway */
        ws->ncombos = ws->ncombos > (size_t)1 << 40 ? ws->ncombos : ws->ncombos * sk.n;
    }
    return 0;
}

/* The params of w: defaults, the overrides in order (scans skipped), then
 * value set `combo` of ws (NULL: none). */
static int resolve_params(const cfb_sweep_cfg *cfg, const cfb_workload *w, const wscan *ws,
                          size_t combo, cfb_params **out, char *err, size_t errlen) {
    char why[256];
    int rc = cfb_params_new(w->params, w->nparams, out, why, sizeof why);
    if (rc) {
        snprintf(err, errlen, "workload %s: bad default: %s", w->name, why);
        return rc;
    }
    for (size_t k = 0; k < cfg->noverrides; k++) {
        const cfb_override *o = &cfg->overrides[k];
        if (o->workload && strcmp(o->workload, w->name)) continue;
        if (!o->workload && !cfb_params_has(*out, o->key)) continue;
        const cfb_param_def *d = param_def(w, o->key);
        if (d && !o->quiet && cfb_param_is_scan(d, o->value)) continue; /* set per value set */
        rc = cfb_params_set(*out, o->key, o->value, why, sizeof why);
        if (rc) {
            if (o->quiet && !cfb_params_has(*out, o->key)) continue;
            snprintf(err, errlen, "--param %s%s%s=%s: %s", o->workload ? o->workload : "",
                     o->workload ? "." : "", o->key, o->value, why);
            cfb_params_free(*out);
            *out = NULL;
            return rc;
        }
    }
    for (size_t k = 0; ws && k < ws->nk; k++) {
        const scan_key *sk = &ws->k[k];
        rc = cfb_params_set(*out, sk->key, combo_value(ws, k, combo), why, sizeof why);
        if (rc) {
            snprintf(err, errlen, "--param %s%s%s=%s: %s", sk->o->workload ? sk->o->workload : "",
                     sk->o->workload ? "." : "", sk->o->key, sk->o->value, why);
            cfb_params_free(*out);
            *out = NULL;
            return rc;
        }
    }
    return 0;
}

/* The most cases a sweep with a scan may make (a typo like 1..100000 should
 * not start a week of work). */
#define CFB_SCAN_MAX_CASES 10000

static int check_one(const cfb_sweep_cfg *cfg, const cfb_workload *w, const wscan *ws, size_t ci,
                     char *err, size_t errlen);
static size_t count_cases_of(const cfb_sweep_cfg *cfg, const cfb_workload *w, long ntasks);

int cfb_sweep_check(const cfb_sweep_cfg *cfg, char *err, size_t errlen) {
    for (size_t k = 0; k < cfg->noverrides; k++) {
        const cfb_override *o = &cfg->overrides[k];
        if (o->quiet) continue;
        if (o->workload) {
            const cfb_workload *w = cfb_workload_find(o->workload);
            if (!w) {
                snprintf(err, errlen, "--param %s.%s: unknown workload '%s'", o->workload, o->key,
                         o->workload);
                return -1;
            }
            bool has = false;
            for (size_t j = 0; j < w->nparams; j++)
                has |= !strcmp(w->params[j].name, o->key);
            if (!has) {
                snprintf(err, errlen, "--param %s.%s: workload %s has no parameter '%s'",
                         o->workload, o->key, o->workload, o->key);
                return -1;
            }
        } else {
            bool has = false;
            for (size_t i = 0; i < cfg->nworkloads; i++)
                for (size_t j = 0; j < cfg->workloads[i]->nparams; j++)
                    has |= !strcmp(cfg->workloads[i]->params[j].name, o->key);
            if (!has) {
                snprintf(err, errlen, "--param %s: no selected workload has a parameter '%s'",
                         o->key, o->key);
                return -1;
            }
        }
    }
    /* scans: their syntax and values, the case count, then every value set */
    size_t ncases = 0;
    const cfb_override *biggest = NULL;
    size_t biggest_n = 0;
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        wscan ws;
        if (wscan_make(cfg, cfg->workloads[i], &ws, err, errlen)) return -1;
        for (size_t k = 0; k < ws.nk; k++)
            if (ws.k[k].n > biggest_n) biggest = ws.k[k].o, biggest_n = ws.k[k].n;
        if (ws.nk && cfg->extra_cases) {
            const cfb_override *o = ws.k[0].o;
            snprintf(err, errlen,
                     "--param %s%s%s=%s: a scan cannot be combined with --reference python",
                     o->workload ? o->workload : "", o->workload ? "." : "", o->key, o->value);
            wscan_free(&ws);
            return -1;
        }
        ncases += count_cases_of(cfg, cfg->workloads[i], -1) * ws.ncombos;
        wscan_free(&ws);
    }
    if (biggest && ncases > CFB_SCAN_MAX_CASES) {
        snprintf(err, errlen,
                 "--param %s%s%s=%s: the sweep would make %zu cases (at most %d with a scan); "
                 "scan fewer values",
                 biggest->workload ? biggest->workload : "", biggest->workload ? "." : "",
                 biggest->key, biggest->value, ncases, CFB_SCAN_MAX_CASES);
        return -1;
    }
    for (size_t i = 0; i < cfg->nworkloads; i++) {
        const cfb_workload *w = cfg->workloads[i];
        wscan ws;
        if (wscan_make(cfg, w, &ws, err, errlen)) return -1;
        for (size_t ci = 0; ci < ws.ncombos; ci++)
            if (check_one(cfg, w, &ws, ci, err, errlen)) {
                wscan_free(&ws);
                return -1;
            }
        wscan_free(&ws);
    }
    return 0;
}

/* check_params of w at value set ci of ws. 0, or -1 with a reason. */
static int check_one(const cfb_sweep_cfg *cfg, const cfb_workload *w, const wscan *ws, size_t ci,
                     char *err, size_t errlen) {
    {
        cfb_params *p = NULL;
        if (resolve_params(cfg, w, ws, ci, &p, err, errlen)) return -1;
        const char *param = NULL;
        char why[512] = "";
        int rc = w->check_params ? w->check_params(p, &param, why, sizeof why) : 0;
        cfb_params_free(p);
        if (rc) {
            /* name the --param that set the value (the last one wins) */
            const cfb_override *by = NULL;
            for (size_t k = 0; param && k < cfg->noverrides; k++) {
                const cfb_override *o = &cfg->overrides[k];
                if (!strcmp(o->key, param) && (!o->workload || !strcmp(o->workload, w->name)))
                    by = o;
            }
            if (by && !by->quiet)
                snprintf(err, errlen, "--param %s%s%s=%s: %s", by->workload ? by->workload : "",
                         by->workload ? "." : "", by->key, by->value, why);
            else
                snprintf(err, errlen, "workload %s: bad %s value: %s", w->name,
                         by ? "default sweep" : "default", why);
            return -1;
        }
    }
    return 0;
}

static void case_release(cfb_case *c) {
    if (!c->prepared) return;
    if (c->w->run_teardown && !c->given) c->w->run_teardown(c->run_state);
    c->run_state = NULL;
    cfb_tasklist_free(&c->tl);
    free(c->args);
    free(c->argoff);
    c->args = NULL;
    c->argoff = NULL;
    if (c->sh) munmap(c->sh, c->shsize);
    c->sh = NULL;
    c->prepared = false;
}

static int case_prepare(cfb_case *c, const cfb_sweep_cfg *cfg) {
    char why[400] = "";
    if (!c->given && c->w->run_setup &&
        c->w->run_setup(c->params, &c->run_state, why, sizeof why) != 0) {
        snprintf(c->error, sizeof c->error, "run setup failed: %s", why);
        return -1;
    }
    c->prepared = true;
    int rc = 0;
    if (c->given) /* an observed run's own tasks (copied: the case owns its list) */
        for (size_t i = 0; i < c->given->n && !rc; i++)
            rc = cfb_tasklist_add(&c->tl, c->given->tasks[i].arg, c->given->tasks[i].len,
                                  c->given->tasks[i].label);
    else
        rc = c->w->make_tasks(c->params, &c->tl, why, sizeof why);
    if (rc) {
        snprintf(c->error, sizeof c->error, "cannot make tasks: %s",
                 why[0] ? why : cf_strerror(rc));
        return -1;
    }
    c->ntasks = c->tl.n;
    if (c->ntasks == 0) {
        snprintf(c->error, sizeof c->error, "the workload made no tasks");
        return -1;
    }
    c->stride = 1; /* a power of two: the per-task test is a mask */
    while (!c->obs && c->ntasks / c->stride > CFB_TIMED_MAX) /* observed: every task timed */
        c->stride *= 2;
    size_t total = 0;
    for (size_t i = 0; i < c->ntasks; i++)
        total += sizeof(wrap_hdr) + c->tl.tasks[i].len;
    c->args = malloc(total);
    c->argoff = malloc(c->ntasks * sizeof *c->argoff);
    c->shsize = sizeof(shared) + c->ntasks * sizeof(trec);
    void *m = mmap(NULL, c->shsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    c->sh = m == MAP_FAILED ? NULL : m;
    if (!c->args || !c->argoff || !c->sh) {
        snprintf(c->error, sizeof c->error, "out of memory preparing %zu tasks", c->ntasks);
        return -1;
    }
    size_t off = 0;
    for (size_t i = 0; i < c->ntasks; i++) {
        wrap_hdr h = {.fn = c->w->task,
                      .impl = c->impl,
                      .sh = c->sh,
                      .index = i,
                      .timed = cfg->measure && (i & (c->stride - 1)) == 0};
        c->argoff[i] = off;
        memcpy(c->args + off, &h, sizeof h);
        if (c->tl.tasks[i].len)
            memcpy(c->args + off + sizeof h, c->tl.tasks[i].arg, c->tl.tasks[i].len);
        off += sizeof h + c->tl.tasks[i].len;
    }
    return 0;
}

/* ---- one repetition ----------------------------------------------------- */

/* Field f of repetition r: v when ok (and finite), else null. */
static int num_or_null(cfb_repetition *r, cfb_rep_field f, bool ok, double v) {
    return ok && isfinite(v) ? cfb_repetition_set_num(r, f, v) : cfb_repetition_set_null(r, f);
}

static int int_or_null(cfb_repetition *r, cfb_rep_field f, bool ok, long long v) {
    return ok ? cfb_repetition_set_int(r, f, v) : cfb_repetition_set_null(r, f);
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Run one repetition of c; measured: c->reps[c->reps_done] (a
 * cfb_repetition of results/include/cfbench_results.h). 0, or -1 when
 * the case failed (c->error set). */
static int run_rep(cfb_case *c, const cfb_sweep_cfg *cfg, bool measured, int index) {
    cfb_rep *rep = calloc(1, sizeof *rep);
    unsigned char *state = calloc(c->ntasks, 1);
    if (!rep || !state) {
        free(rep);
        free(state);
        snprintf(c->error, sizeof c->error, "out of memory");
        return -1;
    }
    rep->c = c;
    rep->cfg = cfg;
    rep->parent_pid = getpid();
    rep->index = measured ? index : -1;
    rep->state = state;
    rep->obs = c->obs;
    memset(c->sh->recs, 0, c->ntasks * sizeof(trec));
    atomic_store(&c->sh->next_slot, 0);

    char why[256] = "";
    if (c->impl->rep_begin && c->impl->rep_begin(c->m->name, c->workers, why, sizeof why)) {
        snprintf(c->error, sizeof c->error, "%s: %s", c->impl->name, why);
        free(state);
        free(rep);
        return -1;
    }
    bool meas = cfg->measure && measured;
    cfb_usage u0 = {0}, u1 = {0};
    cfb_instr *ic = NULL;
    if (meas) {
        cfb_usage_now(&u0);
        ic = cfb_instr_start();
    }
    int rc = c->m->run(rep);
    uint64_t instr = 0;
    bool have_instr = false;
    if (meas) {
        have_instr = cfb_instr_stop(ic, &instr);
        cfb_usage_now(&u1);
    }
    if (c->impl->rep_end) c->impl->rep_end();

    int result = 0;
    if (rc != 0 || rep->taken != c->ntasks || !rep->started) {
        snprintf(c->error, sizeof c->error, "%s mode failed: %s", c->m->name,
                 rep->fail_msg[0] ? rep->fail_msg : cf_strerror(rc ? rc : CF_ESTATE));
        result = -1;
    } else if (measured) {
        double wall = rep->t_end - rep->t_start;
        cfb_repetition *r = cfb_repetition_new(index, wall);
        if (!r) {
            snprintf(c->error, sizeof c->error, "out of memory");
            free(state);
            free(rep);
            return -1;
        }
        double user = u1.user_s - u0.user_s, sys = u1.sys_s - u0.sys_s;
        /* out of memory leaves a field out, as json_object_set_new did */
        (void)num_or_null(r, CFB_REP_USER_S, meas, user);
        (void)num_or_null(r, CFB_REP_SYS_S, meas, sys);
        (void)num_or_null(r, CFB_REP_CPU_S, meas, user + sys);
        (void)int_or_null(r, CFB_REP_MAX_RSS_KB, meas, u1.max_rss_kb);
        (void)int_or_null(r, CFB_REP_CTX_VOLUNTARY, meas, u1.nvcsw - u0.nvcsw);
        (void)int_or_null(r, CFB_REP_CTX_INVOLUNTARY, meas, u1.nivcsw - u0.nivcsw);
        (void)cfb_repetition_set_int(r, CFB_REP_TASKS_OK, (long long)rep->ok);
        (void)cfb_repetition_set_int(r, CFB_REP_TASKS_FAILED, (long long)rep->failed);
        bool have_error = false;
        for (size_t k = 0; k < rep->ncounts; k++) {
            (void)cfb_repetition_add_count(r, rep->counts[k].name, (long long)rep->counts[k].n);
            if (!strcmp(rep->counts[k].name, "error")) have_error = true;
        }
        if (!have_error) (void)cfb_repetition_add_count(r, "error", 0);
        (void)cfb_repetition_set_int(r, CFB_REP_CHECK_FAILURES, (long long)rep->check_failures);
        (void)cfb_repetition_set_int(r, CFB_REP_BYTES, (long long)rep->bytes);
        double tps = wall > 0 ? (double)c->ntasks / wall : NAN;
        (void)num_or_null(r, CFB_REP_THROUGHPUT_TPS, true, tps);
        /* per-task latency from the records */
        size_t nrec = 0;
        double *lat = meas ? malloc(c->ntasks * sizeof *lat) : NULL;
        if (lat) {
            for (size_t i = 0; i < c->ntasks; i++)
                if (c->sh->recs[i].set) lat[nrec++] = c->sh->recs[i].end - c->sh->recs[i].start;
        }
        if (nrec) {
            qsort(lat, nrec, sizeof *lat, cmp_d);
            double sum = 0;
            for (size_t i = 0; i < nrec; i++)
                sum += lat[i];
            cfb_latency l = {.p50 = cfb_quantile_sorted(lat, nrec, 0.5),
                             .p90 = cfb_quantile_sorted(lat, nrec, 0.9),
                             .p99 = cfb_quantile_sorted(lat, nrec, 0.99),
                             .max = lat[nrec - 1],
                             .mean = sum / (double)nrec};
            (void)cfb_repetition_set_latency(r, &l);
        } else {
            (void)cfb_repetition_set_latency(r, NULL);
        }
        free(lat);
        (void)int_or_null(r, CFB_REP_LATENCY_SAMPLE_EVERY, nrec, (long long)c->stride);
        (void)int_or_null(r, CFB_REP_INSTRUCTIONS, have_instr, (long long)instr);
        if (rep->first_problem[0]) (void)cfb_repetition_set_first_problem(r, rep->first_problem);
        if (c->w->metric) /* the workload's own measurement (workload.h: metric) */
            (void)num_or_null(r, CFB_REP_METRIC, rep->has_metric, rep->metric);
        c->reps[c->reps_done] = r;

        size_t k = (size_t)c->reps_done;
        c->wall[k] = wall;
        c->cpu[k] = meas ? user + sys : NAN;
        c->tps[k] = tps;
        if (have_instr) c->ipt[c->nipt++] = (double)instr / (double)c->ntasks;
        if (c->w->metric) {
            if (!c->metric_v) c->metric_v = calloc((size_t)cfg->repeat, sizeof(double));
            if (c->metric_v) c->metric_v[k] = rep->has_metric ? rep->metric : NAN;
        }

        if (!c->timeline && meas && c->ntasks <= 5000 && nrec) {
            json_t *tasks = json_array();
            for (size_t i = 0; i < c->ntasks; i++) {
                const trec *t = &c->sh->recs[i];
                if (!t->set) continue;
                json_t *o = json_pack("{s:I, s:s?, s:i, s:f, s:f, s:b}", "task", (json_int_t)i,
                                      "label", c->tl.tasks[i].label, "worker", t->worker, "start_s",
                                      t->start - rep->t_start, "end_s", t->end - rep->t_start, "ok",
                                      state[i] == 1);
                json_array_append_new(tasks, o);
            }
            c->timeline = json_pack("{s:i, s:i, s:o}", "repetition", index, "workers", c->workers,
                                    "tasks", tasks);
        }
    }
    free(state);
    free(rep);
    return result;
}

/* ---- the document ------------------------------------------------------- */

static double median_of(const double *x, size_t n) {
    cfb_stats st;
    return n && cfb_stats_compute(x, n, &st) == 0 ? st.median : NAN;
}

typedef struct sweep {
    const cfb_sweep_cfg *cfg;
    cfb_case *cases;
    size_t ncases;
    json_t *host, *config, *build;
    cfb_noise noise; /* the noise guard (context.h) */
    bool noise_on;
    char created[32];
    json_t *extra;                      /* cases from cfg->extra_cases (owned array) */
    const cfb_workload *extra_done[64]; /* workloads already handed to it */
    size_t nextra_done;
    json_t *ladders; /* owned: config.ladders, per workload its bound and per mode its workers */
    json_t *workers_all; /* owned: every worker count of some case (config.workers) */
    wscan *scans;        /* owned: per workload (cfg order), its scanned keys */
    size_t nscans;
    const cfb_reporter *const *rep; /* borrowed: the observers of the run */
    size_t nrep;
    cfb_run_result *partial; /* owned: the view of the run in progress handed to them */
    size_t cases_done, cases_failed;
    long long wrong;
} sweep;

/* The results of a run (cfbench.h). A partial view (live != NULL) reads
 * the sweep in progress and caches its document (the typed model) until the
 * event ends; a final one owns its document and a copy of the per-case walls and ids. */
struct cfb_run_result {
    const struct sweep *live;
    cfb_results *doc; /* owned (for a partial view: a cache, dropped after each event) */
    bool complete, interrupted;
    size_t ncases, cases_done, cases_failed;
    long long wrong;
    double *wall; /* final: median wall of every case */
    char **ids;   /* final: every case's id (owned) */
};

/* The statistics of x[0..n) and their outliers count (results/outliers.h)
 * as summary statistic w of case o (null when no value is finite). */
static int set_stats(cfb_rcase *o, cfb_stat_which w, const double *x, size_t n) {
    size_t m = 0;
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(x[i])) v[m++] = x[i];
    cfb_stats st;
    int rc;
    size_t nout = 0;
    if (m && cfb_stats_compute(v, m, &st) == 0)
        rc = cfb_rcase_set_stat(o, w, &st,
                                cfb_outliers(v, m, NULL, &nout) == 0 ? (long long)nout : -1);
    else
        rc = cfb_rcase_set_stat(o, w, NULL, -1);
    free(v);
    return rc;
}

/* Case c as a record of the results model (new, owned by the caller; NULL
 * on out of memory). Its speedup, efficiency and overhead are set by
 * save() once every case is in the document. */
static cfb_rcase *case_model(const cfb_case *c) {
    cfb_rcase *o = cfb_rcase_new(c->id, c->w->name, c->m->name, c->workers, (long long)c->ntasks);
    if (!o) return NULL;
    int e = cfb_rcase_set_impl(o, c->impl->name);
    e |= cfb_rcase_set_bound(o, c->w->bound == CFB_BOUND_IO ? "io" : "cpu");
    if (!strcmp(c->m->name, "hybrid")) /* the processes its workers were split over */
        e |= cfb_rcase_set_processes(o, cfb_hybrid_processes(c->workers));
    e |= cfb_rcase_init_params(o);
    const cfb_params *rp = c->recorded ? c->recorded : c->params;
    for (size_t i = 0; i < cfb_params_count(rp); i++)
        e |= cfb_rcase_add_param(o, cfb_params_name_at(rp, i), cfb_params_text_at(rp, i));
    if (c->scan) { /* the scanned keys and this case's values of them, in scan order */
        e |= cfb_rcase_init_scan(o);
        for (size_t k = 0; k < c->scan->nk; k++)
            e |= cfb_rcase_add_scan(o, c->scan->k[k].key, combo_value(c->scan, k, c->combo));
    }
    for (int i = 0; i < c->reps_done; i++)
        e |= cfb_rcase_add_rep(o, cfb_repetition_copy(c->reps[i]));
    if (c->timeline) e |= cfb_rcase_set_timeline(o, json_incref(c->timeline));
    size_t n = (size_t)c->reps_done;
    e |= set_stats(o, CFB_STAT_WALL, c->wall, n);
    e |= set_stats(o, CFB_STAT_CPU, c->cpu, n);
    e |= set_stats(o, CFB_STAT_THROUGHPUT, c->tps, n);
    bool all_instr = n && c->nipt == n;
    double ipt = median_of(c->ipt, c->nipt);
    e |= cfb_rcase_set_sum(o, CFB_SUM_INSTRUCTIONS_PER_TASK, all_instr, ipt);
    if (c->w->metric) {
        e |= cfb_rcase_set_metric_name(o, c->w->metric_name ? c->w->metric_name : "metric");
        e |= c->metric_v ? set_stats(o, CFB_STAT_METRIC, c->metric_v, n)
                         : cfb_rcase_set_stat(o, CFB_STAT_METRIC, NULL, -1);
    }
    if (c->has_error) e |= cfb_rcase_set_error(o, c->error);
    if (e) {
        cfb_rcase_free(o);
        return NULL;
    }
    return o;
}

/* After a case finished: a warning when some of its n repetitions are
 * outliers in wall time (results/outliers.h), as hyperfine's "Statistical
 * outliers were detected". Recorded in noise.warnings; printed below the
 * case's progress line unless quiet. */
static void warn_outliers(sweep *s, const char *id, const double *wall, size_t n) {
    size_t nout = 0;
    if (cfb_outliers(wall, n, NULL, &nout) != 0 || nout == 0) return;
    cfb_noise_warn(&s->noise, false, /* to the reporters' warning callbacks */
                   "case %s: %zu of %zu repetitions are outliers (wall time, "
                   "|modified z| > %.1f): something interfered; rerun on a quiet "
                   "machine, or with more --warmup / --repeat",
                   id, nout, n, CFB_OUTLIER_Z);
}

/* Extra cases (the Python reference) bring their own statistics: add the
 * `outliers` counts the sweep's own cases have, and warn the same way. */
static void extra_outliers(sweep *s, json_t *cases) {
    static const char *const keys[] = {"wall_s", "cpu_s", "throughput_tps"};
    size_t i;
    json_t *k;
    json_array_foreach(cases, i, k) {
        json_t *reps = json_object_get(k, "repetitions");
        size_t n = json_array_size(reps);
        double *v = malloc((n ? n : 1) * sizeof *v);
        if (!v) return;
        for (size_t q = 0; q < 3; q++) {
            json_t *st = json_object_get(json_object_get(k, "summary"), keys[q]);
            size_t m = 0, nout = 0;
            for (size_t j = 0; j < n; j++) {
                json_t *x = json_object_get(json_array_get(reps, j), keys[q]);
                if (json_is_number(x)) v[m++] = json_number_value(x);
            }
            if (!json_is_object(st) || cfb_outliers(v, m, NULL, &nout)) continue;
            json_object_set_new(st, "outliers", json_integer((json_int_t)nout));
            if (q == 0 && !json_object_get(k, "error"))
                warn_outliers(s, json_string_value(json_object_get(k, "id")), v, m);
        }
        free(v);
    }
}

/* Hand c's workload to cfg->extra_cases once (c prepared). Returns true
 * when the extra cases carry wrong answers. */
static bool run_extra(sweep *s, const cfb_case *c) {
    const cfb_sweep_cfg *cfg = s->cfg;
    if (!cfg->extra_cases || !c->prepared || c->has_error) return false;
    for (size_t i = 0; i < s->nextra_done; i++)
        if (s->extra_done[i] == c->w) return false;
    if (s->nextra_done < sizeof s->extra_done / sizeof s->extra_done[0])
        s->extra_done[s->nextra_done++] = c->w;
    json_t *x = cfg->extra_cases(cfg->extra_ctx, c->w, c->params, &c->tl);
    if (!x) return false;
    if (!s->extra) s->extra = json_array();
    extra_outliers(s, x);
    json_array_extend(s->extra, x);
    bool wrong = false;
    size_t i, j;
    json_t *k, *r;
    json_array_foreach(x, i, k) {
        json_array_foreach(json_object_get(k, "repetitions"), j, r) {
            if (json_integer_value(json_object_get(r, "check_failures"))) wrong = true;
        }
    }
    json_decref(x);
    return wrong;
}

/* The results document as of now, typed (new, owned by the caller; NULL
 * when out of memory): for the reporters after every case (complete false)
 * and at the end. */
static cfb_results *snapshot(const sweep *s, bool complete, bool interrupted) {
    char finished[32];
    cfb_iso_now(finished, sizeof finished);
    cfb_results *d = cfb_results_new(); /* the document (results/include/cfbench_results.h) */
    int e = d ? cfb_results_set_status(d, complete, interrupted) : -1;
    if (e) {
        cfb_results_free(d);
        return NULL;
    }
    e |= cfb_results_set_tool(d, "cfbench", CFB_VERSION, CFB_GIT_COMMIT);
    e |= cfb_results_set_times(d, s->created, finished);
    e |= cfb_results_set_host(d, json_incref(s->host));
    e |= cfb_results_set_build(d, json_incref(s->build));
    if (s->noise_on) e |= cfb_results_set_noise(d, cfb_noise_json(&s->noise));
    e |= cfb_results_set_config(d, json_incref(s->config));
    for (size_t i = 0; i < s->ncases; i++) {
        const cfb_case *c = &s->cases[i];
        if (c->reps_done || c->has_error) e |= cfb_results_add_case(d, case_model(c));
    }
    /* against the seq case of the same workload, value set (combo) and
     * impl: the sweep knows its value sets exactly, where a document read
     * back only has the params (which may carry run-time values such as
     * flags' server URL); the formulas are the model's (cfb_derived_compute) */
    size_t row = 0;
    for (size_t i = 0; i < s->ncases; i++) {
        const cfb_case *c = &s->cases[i];
        if (!c->reps_done && !c->has_error) continue;
        const cfb_case *seq = NULL;
        for (size_t j = 0; j < s->ncases; j++) {
            const cfb_case *q = &s->cases[j];
            if (q->w == c->w && q->impl == c->impl && q->combo == c->combo &&
                !strcmp(q->m->name, "seq") && q->reps_done)
                seq = q;
        }
        cfb_rcase *o = cfb_results_case_mut(d, row++);
        if (!o) break; /* out of memory building it: e is set */
        size_t n = (size_t)c->reps_done;
        cfb_derived dv;
        bool have =
            seq && n &&
            cfb_derived_compute(median_of(seq->wall, (size_t)seq->reps_done), median_of(c->wall, n),
                                c->workers, (long long)c->ntasks, &dv) == 0;
        e |= cfb_rcase_set_sum(o, CFB_SUM_SPEEDUP, have, dv.speedup);
        e |= cfb_rcase_set_sum(o, CFB_SUM_EFFICIENCY, have, dv.efficiency);
        e |= cfb_rcase_set_sum(o, CFB_SUM_OVERHEAD_PER_TASK_S, have, dv.overhead_per_task_s);
    }
    size_t i;
    json_t *x;
    json_array_foreach(s->extra, i, x) { /* cases of another runner, as they came */
        cfb_rcase *c;
        e |= cfb_rcase_from_json(x, &c) ? -1 : cfb_results_add_case(d, c);
    }
    if (s->cfg->doc_extra) { /* keys of the document the model does not know (mpi) */
        const char *k;
        json_t *v;
        json_object_foreach(s->cfg->doc_extra, k, v) {
            if (!cfb_results_extension(d, k)) (void)cfb_results_set_extension(d, k, json_incref(v));
        }
    }
    if (e) {
        cfb_results_free(d);
        return NULL;
    }
    return d;
}

static json_t *config_json(const sweep *s) {
    const cfb_sweep_cfg *cfg = s->cfg;
    json_t *c = json_object(), *a;
    a = json_array();
    for (int i = 0; i < cfg->argc; i++)
        json_array_append_new(a, json_string(cfg->argv[i]));
    json_object_set_new(c, "argv", a);
    a = json_array();
    for (size_t i = 0; i < cfg->nworkloads; i++)
        json_array_append_new(a, json_string(cfg->workloads[i]->name));
    json_object_set_new(c, "workloads", a);
    a = json_array();
    for (size_t i = 0; i < cfg->nmodes; i++)
        json_array_append_new(a, json_string(cfg->modes[i]->name));
    json_object_set_new(c, "modes", a);
    json_object_set(c, "workers", s->workers_all); /* the union of the ladders */
    json_object_set_new(c, "workers_auto", json_boolean(cfg->ladders));
    json_object_set(c, "ladders", s->ladders);
    a = json_array();
    for (size_t i = 0; i < cfg->nimpls; i++)
        json_array_append_new(a, json_string(cfg->impls[i]->name));
    json_object_set_new(c, "impls", a);
    json_object_set_new(c, "repeat", json_integer(cfg->repeat));
    json_object_set_new(c, "warmup", json_integer(cfg->warmup));
    json_object_set_new(c, "interleave", json_boolean(cfg->interleave));
    json_object_set_new(c, "seed", json_integer((json_int_t)cfg->seed));
    json_object_set_new(c, "measure", json_boolean(cfg->measure));
    json_t *p = json_object();
    for (size_t i = 0; i < cfg->noverrides; i++) {
        const cfb_override *o = &cfg->overrides[i];
        char key[256];
        snprintf(key, sizeof key, "%s%s%s", o->workload ? o->workload : "", o->workload ? "." : "",
                 o->key);
        json_object_set_new(p, key, json_string(o->value));
    }
    json_object_set_new(c, "params", p);
    /* scans: "workload.key" -> its values (canonical texts), in scan order */
    json_t *scan = json_object();
    for (size_t i = 0; i < s->nscans; i++)
        for (size_t k = 0; k < s->scans[i].nk; k++) {
            char key[256];
            snprintf(key, sizeof key, "%s.%s", cfg->workloads[i]->name, s->scans[i].k[k].key);
            json_t *v = json_array();
            for (size_t j = 0; j < s->scans[i].k[k].n; j++)
                json_array_append_new(v, json_string(s->scans[i].k[k].values[j]));
            json_object_set_new(scan, key, v);
        }
    if (json_object_size(scan))
        json_object_set_new(c, "scan", scan);
    else
        json_decref(scan);
    if (cfg->config_extra) json_object_update(c, cfg->config_extra);
    return c;
}

/* The wrong answers over c's repetitions, with the first problem (borrowed
 * from c's repetitions) in *first. */
static long long case_wrong(const cfb_case *c, const char **first) {
    long long wrong = 0;
    *first = NULL;
    for (int i = 0; i < c->reps_done; i++) {
        long long k = 0;
        (void)cfb_repetition_int(c->reps[i], CFB_REP_CHECK_FAILURES, &k);
        wrong += k;
        if (k && !*first) *first = cfb_repetition_first_problem(c->reps[i]);
    }
    return (long long)wrong;
}

/* ---- the plan ----------------------------------------------------------- */

typedef struct unit {
    uint32_t c; /* case index */
} unit;

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void free_cases(sweep *s) {
    for (size_t i = 0; i < s->ncases; i++) {
        cfb_case *c = &s->cases[i];
        case_release(c);
        cfb_params_free(c->params);
        cfb_params_free(c->recorded);
        for (int k = 0; c->reps && k < c->reps_done; k++)
            cfb_repetition_free(c->reps[k]);
        free(c->reps);
        json_decref(c->timeline);
        free(c->wall);
        free(c->cpu);
        free(c->tps);
        free(c->ipt);
        free(c->metric_v);
    }
    free(s->cases);
    for (size_t i = 0; i < s->nscans; i++)
        wscan_free(&s->scans[i]);
    free(s->scans);
}

size_t cfb_worker_ladder(cfb_bound bound, bool in_flight, int ncpu, long ntasks, int *out,
                         size_t cap) {
    enum { IO_TOP = 64, MAX_TOP = 1024 };
    if (ncpu < 1) ncpu = 1;
    if (ncpu > MAX_TOP / 2) ncpu = MAX_TOP / 2;
    long top = IO_TOP;
    if (bound != CFB_BOUND_IO)
        top = 2L * ncpu;
    else if (in_flight && ntasks > 0)
        top = ntasks < MAX_TOP ? ntasks : MAX_TOP;
    bool mark[MAX_TOP + 1] = {false};
    for (long k = 1; k <= top; k *= 2)
        mark[k] = true;
    mark[top] = true; /* 2 x ncpu, the task count, or 64 */
    if (bound != CFB_BOUND_IO) mark[ncpu] = true;
    size_t n = 0;
    for (long k = 1; k <= top && n < cap; k++)
        if (mark[k]) out[n++] = (int)k;
    return n;
}

/* How many tasks w makes with p, for the async ladder: make_tasks alone,
 * else (it needs run_setup, e.g. the flag server's URL) between run_setup
 * and run_teardown on a copy of p. -1 when it cannot tell. */
static long count_tasks(const cfb_workload *w, const cfb_params *p) {
    cfb_tasklist tl = {0};
    char why[256];
    int rc = w->make_tasks(p, &tl, why, sizeof why);
    if (rc && w->run_setup) {
        cfb_tasklist_free(&tl);
        memset(&tl, 0, sizeof tl);
        cfb_params *q = NULL;
        void *st = NULL;
        rc = cfb_params_copy(p, &q);
        if (!rc) rc = w->run_setup(q, &st, why, sizeof why);
        if (!rc) {
            rc = w->make_tasks(q, &tl, why, sizeof why);
            if (w->run_teardown) w->run_teardown(st);
        }
        cfb_params_free(q);
    }
    long n = rc ? -1 : (long)tl.n;
    cfb_tasklist_free(&tl);
    return n;
}

/* The worker counts of workload wi in mode m into out (room for
 * CFB_LADDER_MAX): the ladder by kind, or cfg->workers. */
#define CFB_LADDER_MAX 1024
static size_t mode_workers(const cfb_sweep_cfg *cfg, const cfb_workload *w, const cfb_mode *m,
                           long ntasks, int ncpu, int *out) {
    if (!m->parallel) {
        out[0] = 1;
        return 1;
    }
    size_t n = 0;
    if (cfg->ladders) {
        bool async = !strcmp(m->name, "async");
        /* hybrid with a driver: workers are operations in flight, as in async;
         * without one its processes run tasks inline: the ladder of a pool */
        bool in_flight = async || (!strcmp(m->name, "hybrid") && w->async);
        n = cfb_worker_ladder(w->bound, in_flight, ncpu, ntasks, out, CFB_LADDER_MAX);
        if (async && !w->async && n > 2) { /* inline on the loop thread: workers change nothing, */
            out[1] = out[n - 1];           /* so its ends only (the flat line, for a third of */
            n = 2;                         /* the time) */
        }
    } else {
        for (size_t k = 0; k < cfg->nworkers && n < CFB_LADDER_MAX; k++)
            out[n++] = cfg->workers[k];
    }
    int lim = cfb_mode_max_workers(m);
    size_t kept = 0;
    for (size_t k = 0; k < n; k++)
        if (lim <= 0 || out[k] <= lim) out[kept++] = out[k]; /* e.g. mpi: too few ranks */
    return kept;
}

/* The cases of w for one value set: impls x the worker counts of each mode
 * (ntasks -1: the async ladder at its 1..64 default). */
static size_t count_cases_of(const cfb_sweep_cfg *cfg, const cfb_workload *w, long ntasks) {
    static int wk[CFB_LADDER_MAX];
    int ncpu = cfg->ladder_cpus > 0 ? cfg->ladder_cpus : cfb_cpus_allowed(NULL, 0);
    size_t n = 0;
    for (size_t mi = 0; mi < cfg->nmodes; mi++)
        n += mode_workers(cfg, w, cfg->modes[mi], ntasks, ncpu, wk);
    return n * cfg->nimpls;
}

/* Append "/key=value" of every scanned key of c to its id. false when the
 * id does not fit. */
static bool id_scan(cfb_case *c) {
    size_t len = strlen(c->id);
    for (size_t k = 0; c->scan && k < c->scan->nk; k++) {
        int n = snprintf(c->id + len, sizeof c->id - len, "/%s=%s", c->scan->k[k].key,
                         combo_value(c->scan, k, c->combo));
        if (n < 0 || (size_t)n >= sizeof c->id - len) return false;
        len += (size_t)n;
    }
    return true;
}

static int build_cases(sweep *s, char *err, size_t errlen) {
    const cfb_sweep_cfg *cfg = s->cfg;
    int ncpu = cfg->ladder_cpus > 0 ? cfg->ladder_cpus : cfb_cpus_allowed(NULL, 0);
    size_t per = cfg->ladders ? 16 : (cfg->nworkers ? cfg->nworkers : 1); /* a ladder has <= 13 */
    /* the scans of each workload (s->scans[wi]) and, per workload and value
     * set, the task count its async ladder is sized for */
    s->scans = calloc(cfg->nworkloads ? cfg->nworkloads : 1, sizeof *s->scans);
    if (!s->scans) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->nscans = cfg->nworkloads;
    size_t combos = 0, scanned = 0;
    for (size_t wi = 0; wi < cfg->nworkloads; wi++) {
        if (wscan_make(cfg, cfg->workloads[wi], &s->scans[wi], err, errlen)) return -1;
        combos += s->scans[wi].ncombos;
        scanned += s->scans[wi].nk;
    }
    size_t max = combos * cfg->nimpls * cfg->nmodes * per;
    if (scanned && max > CFB_SCAN_MAX_CASES * (size_t)16) max = CFB_SCAN_MAX_CASES * (size_t)16;
    s->cases = calloc(max ? max : 1, sizeof *s->cases);
    s->ladders = json_object();
    json_t *all = json_array();
    if (!s->cases || !s->ladders || !all) {
        json_decref(all);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    bool seen[CFB_LADDER_MAX + 1] = {false};
    /* per mode of one value set: its worker counts; and their union over the
     * value sets of a workload (config.ladders) */
    int *lists = malloc(cfg->nmodes * CFB_LADDER_MAX * sizeof *lists);
    size_t *nlist = calloc(cfg->nmodes, sizeof *nlist);
    bool *mark = malloc(cfg->nmodes * (CFB_LADDER_MAX + 1) * sizeof *mark);
    int rc = -1;
    if (!lists || !nlist || !mark) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t wi = 0; wi < cfg->nworkloads; wi++) {
        const cfb_workload *w = cfg->workloads[wi];
        const wscan *ws = &s->scans[wi];
        memset(mark, 0, cfg->nmodes * (CFB_LADDER_MAX + 1) * sizeof *mark);
        for (size_t ci = 0; ci < ws->ncombos; ci++) {
            long ntasks = -1;
            if (cfg->ladders && w->bound == CFB_BOUND_IO) {
                cfb_params *p = NULL;
                if (resolve_params(cfg, w, ws, ci, &p, err, errlen)) goto out;
                ntasks = count_tasks(w, p);
                cfb_params_free(p);
            }
            for (size_t mi = 0; mi < cfg->nmodes; mi++) {
                int *l = lists + mi * CFB_LADDER_MAX;
                nlist[mi] = mode_workers(cfg, w, cfg->modes[mi], ntasks, ncpu, l);
                for (size_t ki = 0; ki < nlist[mi]; ki++)
                    mark[mi * (CFB_LADDER_MAX + 1) + (size_t)l[ki]] = seen[l[ki]] = true;
            }
            for (size_t ii = 0; ii < cfg->nimpls; ii++)
                for (size_t mi = 0; mi < cfg->nmodes; mi++) {
                    const cfb_mode *m = cfg->modes[mi];
                    for (size_t ki = 0; ki < nlist[mi]; ki++) {
                        if (s->ncases == max || (scanned && s->ncases == CFB_SCAN_MAX_CASES)) {
                            const cfb_override *o = NULL;
                            for (size_t q = 0; q < s->nscans && !o; q++)
                                if (s->scans[q].nk) o = s->scans[q].k[0].o;
                            if (o)
                                snprintf(err, errlen,
                                         "--param %s%s%s=%s: the sweep would make more than %d "
                                         "cases; scan fewer values",
                                         o->workload ? o->workload : "", o->workload ? "." : "",
                                         o->key, o->value, CFB_SCAN_MAX_CASES);
                            else
                                snprintf(err, errlen, "too many cases");
                            goto out;
                        }
                        cfb_case *c = &s->cases[s->ncases];
                        c->w = w;
                        c->m = m;
                        c->impl = cfg->impls[ii];
                        c->workers = lists[mi * CFB_LADDER_MAX + ki];
                        c->scan = ws->nk ? ws : NULL;
                        c->combo = ci;
                        bool plain = !strcmp(c->impl->name, "c");
                        snprintf(c->id, sizeof c->id, "%s/%s/w%d%s%s", c->w->name, m->name,
                                 c->workers, plain ? "" : "/", plain ? "" : c->impl->name);
                        s->ncases++;
                        if (!id_scan(c)) {
                            snprintf(err, errlen, "case %.200s...: the id is too long", c->id);
                            goto out;
                        }
                        if (resolve_params(cfg, c->w, ws, ci, &c->params, err, errlen)) goto out;
                        if (c->w->run_setup && cfb_params_copy(c->params, &c->recorded)) {
                            snprintf(err, errlen, "out of memory");
                            goto out;
                        }
                        size_t r = (size_t)cfg->repeat;
                        c->reps = calloc(r ? r : 1, sizeof *c->reps);
                        c->wall = calloc(r, sizeof(double));
                        c->cpu = calloc(r, sizeof(double));
                        c->tps = calloc(r, sizeof(double));
                        c->ipt = calloc(r, sizeof(double));
                        if (!c->reps || !c->wall || !c->cpu || !c->tps || !c->ipt) {
                            snprintf(err, errlen, "out of memory");
                            goto out;
                        }
                    }
                }
        }
        json_t *lw =
            json_pack("{s:s, s:{}}", "bound", w->bound == CFB_BOUND_IO ? "io" : "cpu", "workers");
        json_object_set_new(s->ladders, w->name, lw);
        for (size_t mi = 0; mi < cfg->nmodes; mi++) {
            json_t *a = json_array();
            for (int v = 1; v <= CFB_LADDER_MAX; v++)
                if (mark[mi * (CFB_LADDER_MAX + 1) + (size_t)v])
                    json_array_append_new(a, json_integer(v));
            json_object_set_new(json_object_get(lw, "workers"), cfg->modes[mi]->name, a);
        }
    }
    for (int v = 1; v <= CFB_LADDER_MAX; v++)
        if (seen[v]) json_array_append_new(all, json_integer(v));
    rc = 0;
out:
    s->workers_all = all;
    free(lists);
    free(nlist);
    free(mark);
    return rc;
}

/* ---- reporters and results ---------------------------------------------- */

static void partial_drop(sweep *s) {
    cfb_results_free(s->partial->doc);
    s->partial->doc = NULL;
    s->partial->cases_done = s->cases_done;
    s->partial->cases_failed = s->cases_failed;
    s->partial->wrong = s->wrong;
}

static void on_warning(void *ctx, const char *text) {
    sweep *s = ctx;
    for (size_t i = 0; i < s->nrep; i++)
        if (s->rep[i]->warning) s->rep[i]->warning(s->rep[i]->user, text);
}

/* A reporter's refusal: its reason (or a generic one) in err. */
static int refused(const cfb_reporter *r, char *why, char *err, size_t errlen) {
    (void)r;
    snprintf(err, errlen, "%s", why[0] ? why : "a reporter stopped the run");
    return CFB_EREPORTER;
}

static void ev_case(const cfb_case *c, size_t index, cfb_case_event *ev) {
    memset(ev, 0, sizeof *ev);
    ev->id = c->id;
    ev->index = index;
    ev->rep = -1;
    ev->wall_s = NAN;
    ev->median_wall_s = NAN;
}

static void emit_case_start(sweep *s, const cfb_case *c, size_t index) {
    cfb_case_event ev;
    ev_case(c, index, &ev);
    for (size_t i = 0; i < s->nrep; i++)
        if (s->rep[i]->case_start) s->rep[i]->case_start(s->rep[i]->user, &ev);
}

static void emit_rep_done(sweep *s, const cfb_case *c, size_t index, int rep, bool ok) {
    cfb_case_event ev;
    ev_case(c, index, &ev);
    ev.rep = rep;
    ev.wall_s = ok && rep >= 0 ? c->wall[rep] : NAN;
    for (size_t i = 0; i < s->nrep; i++)
        if (s->rep[i]->rep_done) s->rep[i]->rep_done(s->rep[i]->user, &ev);
}

static int emit_case_done(sweep *s, const cfb_case *c, size_t index, char *err, size_t errlen) {
    cfb_case_event ev;
    ev_case(c, index, &ev);
    ev.error = c->has_error ? c->error : NULL;
    ev.reps_done = c->reps_done;
    ev.median_wall_s = c->reps_done ? median_of(c->wall, (size_t)c->reps_done) : NAN;
    ev.wrong = case_wrong(c, &ev.first_problem);
    partial_drop(s);
    int rc = 0;
    for (size_t i = 0; i < s->nrep && !rc; i++) {
        char why[512] = "";
        if (s->rep[i]->case_done &&
            s->rep[i]->case_done(s->rep[i]->user, &ev, s->partial, why, sizeof why))
            rc = refused(s->rep[i], why, err, errlen);
    }
    partial_drop(s);
    return rc;
}

const cfb_results *cfb_run_result_results(const cfb_run_result *r) {
    if (!r) return NULL;
    if (!r->doc && r->live) /* a partial view: built on demand, dropped after the event */
        ((cfb_run_result *)r)->doc = snapshot(r->live, false, false);
    return r->doc;
}

cfb_outcome cfb_run_result_outcome(const cfb_run_result *r) {
    if (!r) return CFB_RUN_CASE_FAILED;
    if (r->interrupted) return CFB_RUN_INTERRUPTED;
    if (r->cases_failed) return CFB_RUN_CASE_FAILED;
    if (r->wrong) return CFB_RUN_WRONG;
    return r->complete ? CFB_RUN_COMPLETE : CFB_RUN_CASE_FAILED;
}
bool cfb_run_result_complete(const cfb_run_result *r) {
    return r && r->complete;
}
bool cfb_run_result_interrupted(const cfb_run_result *r) {
    return r && r->interrupted;
}
size_t cfb_run_result_ncases(const cfb_run_result *r) {
    return r ? (r->live ? r->live->ncases : r->ncases) : 0;
}
size_t cfb_run_result_cases_done(const cfb_run_result *r) {
    return r ? r->cases_done : 0;
}
size_t cfb_run_result_cases_failed(const cfb_run_result *r) {
    return r ? r->cases_failed : 0;
}
long long cfb_run_result_wrong_answers(const cfb_run_result *r) {
    return r ? r->wrong : 0;
}

double cfb_run_result_case_wall(const cfb_run_result *r, size_t i, const char **id) {
    if (id) *id = NULL;
    if (!r || i >= cfb_run_result_ncases(r)) return NAN;
    if (r->live) {
        const cfb_case *c = &r->live->cases[i];
        if (id) *id = c->id;
        return c->reps_done ? median_of(c->wall, (size_t)c->reps_done) : NAN;
    }
    if (id) *id = r->ids[i];
    return r->wall[i];
}

void cfb_run_result_free(cfb_run_result *r) {
    if (!r) return;
    cfb_results_free(r->doc);
    for (size_t i = 0; r->ids && i < r->ncases; i++)
        free(r->ids[i]);
    free(r->ids);
    free(r->wall);
    free(r);
}

/* The final results of s (NULL when out of memory). */
static cfb_run_result *results_final(const sweep *s, bool complete, bool interrupted) {
    cfb_run_result *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->complete = complete;
    r->interrupted = interrupted;
    r->ncases = s->ncases;
    r->cases_done = s->cases_done;
    r->cases_failed = s->cases_failed;
    r->wrong = s->wrong;
    r->wall = malloc((s->ncases ? s->ncases : 1) * sizeof *r->wall);
    r->ids = calloc(s->ncases ? s->ncases : 1, sizeof *r->ids);
    r->doc = snapshot(s, complete, interrupted);
    bool ok = r->wall && r->ids && r->doc;
    for (size_t i = 0; ok && i < s->ncases; i++) {
        const cfb_case *c = &s->cases[i];
        r->wall[i] = c->reps_done ? median_of(c->wall, (size_t)c->reps_done) : NAN;
        ok = (r->ids[i] = strdup(c->id)) != NULL;
    }
    if (!ok) {
        cfb_run_result_free(r);
        return NULL;
    }
    return r;
}

/* ---- the run -------------------------------------------------------------- */

int cfb_sweep_exec(const cfb_sweep_cfg *cfg, const cfb_reporter *const *reporters,
                   size_t nreporters, cfb_stop *stop, cfb_run_result **out, char *err,
                   size_t errlen) {
    if (out) *out = NULL;
    if (errlen) err[0] = '\0';
    if (cfg->repeat < 1 || cfg->warmup < 0 || !cfg->nworkloads || !cfg->nmodes ||
        (!cfg->nworkers && !cfg->ladders) || !cfg->nimpls || (nreporters && !reporters)) {
        snprintf(err, errlen, "empty or invalid sweep configuration");
        return CF_EINVAL;
    }
    for (size_t i = 0; i < nreporters; i++)
        if (!reporters[i]) {
            snprintf(err, errlen, "reporter %zu is NULL", i);
            return CF_EINVAL;
        }
    if (cfb_sweep_check(cfg, err, errlen)) return CF_EINVAL;
    double gil = cfg->gil_interval > 0 ? cfg->gil_interval : CF_GIL_DEFAULT_INTERVAL;
    if (cfb_gil_use_interval(gil)) {
        snprintf(err, errlen, "GIL switch interval %g s: not in 1e-6..10", gil);
        return CF_EINVAL;
    }
    sweep s = {.cfg = cfg, .rep = reporters, .nrep = nreporters};
    cfb_iso_now(s.created, sizeof s.created);
    int ret = 0;
    if (build_cases(&s, err, errlen)) {
        free_cases(&s);
        json_decref(s.ladders);
        json_decref(s.workers_all);
        return CF_EINVAL;
    }
    s.host = cfb_host_json();
    s.build = cfb_build_json();
    s.config = config_json(&s);
    s.partial = calloc(1, sizeof *s.partial);
    /* Measured units, one per (case, repetition); shuffled when asked. */
    size_t nunits = s.ncases * (size_t)cfg->repeat;
    unit *units = malloc((nunits ? nunits : 1) * sizeof *units);
    size_t *left = calloc(s.ncases ? s.ncases : 1, sizeof *left);
    if (!units || !left || !s.partial) {
        snprintf(err, errlen, "out of memory");
        ret = CF_ENOMEM;
        goto out;
    }
    s.partial->live = &s;
    for (size_t i = 0; i < nunits; i++)
        units[i].c = (uint32_t)(i / (size_t)cfg->repeat);
    if (cfg->interleave) {
        uint64_t st = cfg->seed;
        for (size_t i = nunits; i > 1; i--) {
            size_t j = (size_t)(splitmix(&st) % i);
            unit t = units[i - 1];
            units[i - 1] = units[j];
            units[j] = t;
        }
    }
    for (size_t i = 0; i < s.ncases; i++)
        left[i] = (size_t)cfg->repeat;
    /* The reporters first (the JSON writer writes the empty document: an
     * unwritable path fails before any work). */
    cfb_run_info info = {.ncases = s.ncases,
                         .nunits = s.ncases * (size_t)(cfg->repeat + cfg->warmup),
                         .repeat = cfg->repeat,
                         .warmup = cfg->warmup};
    for (size_t i = 0; i < s.nrep && !ret; i++) {
        char why[512] = "";
        if (s.rep[i]->run_start &&
            s.rep[i]->run_start(s.rep[i]->user, &info, s.partial, why, sizeof why))
            ret = refused(s.rep[i], why, err, errlen);
        partial_drop(&s);
    }
    if (ret) goto out;
    if (cfg->before_work) { /* e.g. the host floors: host.floors from the next snapshot on */
        json_t *add = cfg->before_work(cfg->before_work_ctx);
        if (json_is_object(add)) json_object_update(s.host, add);
        json_decref(add);
    }
    /* The noise guard: load, steal (a short sampling window), governor,
     * build; its warnings go to the reporters. */
    cfb_noise_begin(&s.noise, (int)json_integer_value(json_object_get(s.host, "cpus_allowed")),
                    s.build, on_warning, &s);
    s.noise_on = true;
    current_stop = stop;

    bool interrupted = false;
    for (size_t u = 0; u < nunits; u++) {
        if (cfb_stop_requested(stop)) {
            interrupted = true;
            break;
        }
        size_t ci = units[u].c;
        cfb_case *c = &s.cases[ci];
        if (c->has_error) continue;
        if (!c->prepared) {
            emit_case_start(&s, c, ci);
            if (case_prepare(c, cfg) != 0) {
                c->has_error = true;
                s.cases_failed++;
                case_release(c);
                s.cases_done++;
                if ((ret = emit_case_done(&s, c, ci, err, errlen))) break;
                continue;
            }
        }
        bool failed = false;
        while (c->warm_done < cfg->warmup && !failed) {
            failed = run_rep(c, cfg, false, -1) != 0;
            c->warm_done++;
            emit_rep_done(&s, c, ci, -1, !failed);
        }
        if (!failed && cfb_stop_requested(stop)) { /* after the current repetition */
            interrupted = true;
            break;
        }
        if (!failed) {
            int index = c->reps_done;
            failed = run_rep(c, cfg, true, index) != 0;
            if (!failed) c->reps_done++;
            emit_rep_done(&s, c, ci, index, !failed);
        }
        if (failed) {
            c->has_error = true;
            s.cases_failed++;
        }
        if (failed || --left[ci] == 0) {
            if (run_extra(&s, c)) s.wrong++; /* the extra cases' wrong answers */
            case_release(c);
            c->finished = true;
            s.cases_done++;
            const char *first;
            s.wrong += case_wrong(c, &first);
            if (!c->has_error) warn_outliers(&s, c->id, c->wall, (size_t)c->reps_done);
            if ((ret = emit_case_done(&s, c, ci, err, errlen))) break;
        }
    }
    if (cfb_stop_requested(stop)) interrupted = true;
    current_stop = NULL;
    cfb_noise_end(&s.noise);
    if (ret == 0) {
        bool complete = !interrupted && !s.cases_failed && s.cases_done == s.ncases;
        cfb_run_result *r = results_final(&s, complete, interrupted);
        if (!r) {
            snprintf(err, errlen, "out of memory");
            ret = CF_ENOMEM;
        }
        for (size_t i = 0; i < s.nrep && !ret; i++) {
            char why[512] = "";
            if (s.rep[i]->run_done && s.rep[i]->run_done(s.rep[i]->user, r, why, sizeof why))
                ret = refused(s.rep[i], why, err, errlen);
        }
        if (ret == 0 && out)
            *out = r;
        else
            cfb_run_result_free(r);
    }
out:
    current_stop = NULL;
    free(units);
    free(left);
    if (s.partial) {
        cfb_results_free(s.partial->doc);
        free(s.partial);
    }
    json_decref(s.host);
    json_decref(s.build);
    json_decref(s.config);
    json_decref(s.ladders);
    json_decref(s.workers_all);
    if (s.noise_on) cfb_noise_free(&s.noise);
    json_decref(s.extra);
    free_cases(&s);
    return ret;
}

/* ---- observed runs (runners/taskrun.c) ---------------------------------- */

bool cfb_rep_observed(const cfb_rep *rep) {
    return rep->obs != NULL;
}

bool cfb_rep_stopping(const cfb_rep *rep) {
    return rep->obs && rep->obs->stop && atomic_load(rep->obs->stop) != 0;
}

double cfb_rep_poll_s(const cfb_rep *rep) {
    return rep->obs && rep->obs->stop ? CFB_REP_POLL_S : CF_FOREVER;
}

bool cfb_rep_times(const cfb_rep *rep, size_t i, double *start, double *end, int *worker) {
    const trec *r = i < rep->c->ntasks ? &rep->c->sh->recs[i] : NULL;
    bool set = r && r->set;
    *start = set ? r->start : NAN;
    *end = set ? r->end : NAN;
    *worker = set ? r->worker : -1;
    return set;
}

int cfb_rep_run_observed(const cfb_workload *w, const cfb_params *p, const cfb_mode *m, int workers,
                         const cfb_impl *impl, const cfb_tasklist *tl, const cfb_rep_observer *obs,
                         char *err, size_t errlen) {
    cfb_case c = {.w = w,
                  .m = m,
                  .impl = impl,
                  .workers = m->parallel ? workers : 1,
                  .params = (cfb_params *)p, /* borrowed: never freed here */
                  .given = tl,
                  .obs = obs};
    cfb_sweep_cfg cfg = {.repeat = 1, .measure = true};
    int rc = case_prepare(&c, &cfg) ? CF_EINVAL : run_rep(&c, &cfg, false, -1) ? CF_EBROKEN : 0;
    if (rc) snprintf(err, errlen, "%s", c.error);
    case_release(&c);
    return rc;
}
