/*
 * mode_mpi.c — the `mpi` mode and the MPI session of `cfbench run`.
 *
 * Processes. Every rank runs the same command line. Rank 0 runs the sweep
 * (the client); ranks 1..N-1 enter cf_mpi_serve() from
 * cfb_mpi_session_begin() and run tasks until rank 0 calls
 * cfb_mpi_session_end(). A case of mode mpi at `workers` = k runs on worker
 * ranks 1..k through one MPI executor per repetition (made inside the
 * timed region, like the pools).
 *
 * On a worker rank, per executor: the initializer "cfb.mpi.init" gets the
 * case as bytes (workload, impl, mode, then parameter name/value pairs, all
 * NUL-terminated), finds the workload and impl by name in its own tables
 * (the same binary), builds the parameters and runs impl->rep_begin,
 * workload->worker_setup and impl->worker_enter; "cfb.mpi.fini" undoes them.
 * The task "cfb.mpi.task" runs the workload's task (through impl->call) on
 * the task's own bytes and answers [f64 start][f64 end][i32 rank][i32 0]
 * + the task's value, times on the worker's CLOCK_MONOTONIC: rank 0 maps
 * them onto its own clock with the offset measured at cf_mpi_init and
 * records them with cfb_rep_mark (worker slot = rank - 1), so latency and
 * timelines read like the other modes'. A task error passes through as is.
 * Worker state lives in `wk` (one executor at a time on a worker here).
 *
 * Faults. Open MPI 4.1 ends the whole job when a rank dies: orted sends
 * every other rank SIGCONT, then 1 s later SIGTERM and, a few ms after it,
 * SIGKILL. Rank 0 notes SIGCONT (on_cont) and SIGTERM (the sweep's flag,
 * made to survive a repeat). The waits for results and for the workers'
 * release poll every 50 ms; on SIGTERM, or on SIGCONT with a worker rank of
 * this host gone (then rank 0 raises SIGTERM itself so the sweep stops
 * after this repetition), the repetition is abandoned
 * (cf_mpi_abandon: every future fails, no more MPI), the cause is named
 * (which worker ranks on this host are gone) on stderr and in the results
 * (`mpi.fault`, the case's error), and the sweep writes the file marked
 * complete=false, interrupted=true before the runtime's SIGKILL.
 *
 * Ownership: the session owns its JSON (S.doc); the mode owns its executor,
 * its futures until cfb_rep_take and the unwrapped copies it hands over.
 */
#include "mpi_session.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes.h"
#include "sweep.h"
#include "workload.h"

bool cfb_mpi_launched(void) {
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE") ||
           getenv("PMI_RANK");
}

#ifndef CFB_HAVE_MPI

static const char *env_rank(void) {
    static const char *const keys[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK",
                                       "SLURM_PROCID", NULL};
    for (int i = 0; keys[i]; i++) {
        const char *v = getenv(keys[i]);
        if (v && *v && (i < 3 || getenv("PMI_SIZE") || getenv("PMIX_RANK"))) return v;
    }
    return NULL;
}

bool cfb_mpi_built(void) {
    return false;
}

int cfb_mpi_session_begin(bool want_mpi, int *exit_code, char *err, size_t errlen) {
    if (want_mpi) {
        snprintf(err, errlen,
                 "mode mpi: this cfbench was built without MPI (make deps installs Open MPI; "
                 "then rebuild)");
        *exit_code = 2;
        return 2;
    }
    const char *r = cfb_mpi_launched() ? env_rank() : NULL;
    if (r && atoi(r) > 0) { /* started by mpirun without MPI support: one sweep, on rank 0 */
        *exit_code = 0;
        return 1;
    }
    return 0;
}
int cfb_mpi_worker_ranks(void) {
    return 0;
}
void cfb_mpi_session_signals(void) {}
json_t *cfb_mpi_session_doc(void) {
    return NULL;
}
void cfb_mpi_session_end(void) {}

static int run_mpi(cfb_rep *rep) {
    cfb_rep_fail(rep, "mode mpi: this cfbench was built without MPI");
    return CF_ENOTSUP;
}

#else /* CFB_HAVE_MPI */

#include "cf_mpi.h"

static struct {
    bool active, ended;
    int rank, size;
    json_t *doc; /* {"mpi": {...}} */
} S;

/* ---- worker rank side ---------------------------------------------------- */

static struct {
    const cfb_workload *w;
    const cfb_impl *impl;
    cfb_params *p;
    bool begun, setup, entered;
} wk;

static void wk_fini(const void *arg, size_t len) {
    (void)arg, (void)len;
    if (wk.entered && wk.impl->worker_exit) wk.impl->worker_exit();
    if (wk.setup && wk.w->worker_teardown) wk.w->worker_teardown();
    if (wk.begun && wk.impl->rep_end) wk.impl->rep_end();
    cfb_params_free(wk.p);
    memset(&wk, 0, sizeof wk);
}

static int wk_init(const void *arg, size_t len) {
    const char *p = arg, *end = p + len;
    const char *s[3];
    wk_fini(NULL, 0);
    for (int i = 0; i < 3; i++) {
        const char *z = memchr(p, '\0', (size_t)(end - p));
        if (!z) return CF_EINVAL;
        s[i] = p;
        p = z + 1;
    }
    wk.w = cfb_workload_find(s[0]);
    wk.impl = cfb_impl_find(s[1]);
    if (!wk.w || !wk.impl) return CF_EINVAL;
    char why[256];
    if (cfb_params_new(wk.w->params, wk.w->nparams, &wk.p, why, sizeof why)) return CF_EINVAL;
    while (p < end) {
        const char *k = p, *z = memchr(p, '\0', (size_t)(end - p));
        if (!z) return CF_EINVAL;
        const char *v = z + 1, *z2 = memchr(v, '\0', (size_t)(end - v));
        if (!z2) return CF_EINVAL;
        if (cfb_params_set(wk.p, k, v, why, sizeof why)) return CF_EINVAL;
        p = z2 + 1;
    }
    if (wk.impl->rep_begin && wk.impl->rep_begin(s[2], 1, why, sizeof why)) return CF_EBROKEN;
    wk.begun = true;
    if (wk.w->worker_setup && wk.w->worker_setup(wk.p)) return CF_EBROKEN;
    wk.setup = true;
    if (wk.impl->worker_enter && wk.impl->worker_enter()) return CF_EBROKEN;
    wk.entered = true;
    return 0;
}

static void call_impl(const void *arg, size_t len, cf_out *out) {
    wk.impl->call(wk.w->task, arg, len, out);
}

typedef struct whdr {
    double start, end;
    int32_t rank, pad;
} whdr;

static void wk_task(const void *arg, size_t len, cf_out *out) {
    if (!wk.w) {
        cf_out_error(out, CF_EBROKEN, "cfbench: no case set up on rank %d", cf_mpi_rank());
        return;
    }
    cf_future *f = cf_future_new();
    if (!f) {
        cf_out_error(out, CF_ENOMEM, "out of memory");
        return;
    }
    whdr h = {.rank = cf_mpi_rank()};
    h.start = cfb_now();
    cf_run_task(f, wk.impl->call ? call_impl : wk.w->task, arg, len);
    h.end = cfb_now();
    const void *d = NULL;
    size_t l = 0;
    int rc = cf_future_result(f, 0, &d, &l);
    if (rc == 0) {
        unsigned char *o = cf_out_alloc(out, sizeof h + l);
        if (o) {
            memcpy(o, &h, sizeof h);
            if (l) memcpy(o + sizeof h, d, l);
        }
    } else {
        int code = rc;
        const char *msg = "";
        cf_future_error(f, &code, &msg);
        cf_out_error(out, code, "%s", msg);
    }
    cf_future_release(f);
}

/* ---- the session ------------------------------------------------------------ */

bool cfb_mpi_built(void) {
    return true;
}

int cfb_mpi_session_begin(bool want_mpi, int *exit_code, char *err, size_t errlen) {
    *exit_code = 0;
    if (S.active) return 0;
    if (!cfb_mpi_launched()) {
        if (!want_mpi) return 0;
        snprintf(err, errlen,
                 "mode mpi needs worker ranks: start cfbench under mpirun, e.g. "
                 "mpirun -np 3 cfbench run -m mpi (docs/scale-out.md)");
        *exit_code = 2;
        return 2;
    }
    cf_mpi_register_task("cfb.mpi.task", wk_task);
    cf_mpi_register_init("cfb.mpi.init", wk_init);
    cf_mpi_register_fini("cfb.mpi.fini", wk_fini);
    int rc = cf_mpi_init(NULL, NULL, &S.rank);
    if (rc) {
        snprintf(err, errlen, "cannot start MPI: %s", cf_strerror(rc));
        *exit_code = 3;
        return 2;
    }
    S.active = true;
    S.size = cf_mpi_world_size();
    if (S.rank > 0) {
        rc = cf_mpi_serve();
        S.ended = true;
        *exit_code = rc ? 3 : 0;
        return 1;
    }
    if (want_mpi && S.size < 2) {
        snprintf(err, errlen,
                 "mode mpi needs worker ranks: the job has 1 rank (mpirun -np 3 for 2 workers)");
        *exit_code = 2;
        cfb_mpi_session_end();
        return 2;
    }
    json_t *ranks = json_array();
    for (int r = 0; r < S.size; r++) {
        const char *host = "";
        int pid = 0;
        double off = 0;
        cf_mpi_rank_info(r, &host, &pid, &off);
        json_array_append_new(ranks, json_pack("{s:i, s:s, s:s, s:i, s:f}", "rank", r, "role",
                                               r ? "worker" : "client", "host", host, "pid", pid,
                                               "clock_offset_s", off));
    }
    S.doc = json_pack("{s:{s:i, s:i, s:s, s:o}}", "mpi", "world_size", S.size, "worker_ranks",
                      S.size - 1, "library", cf_mpi_library(), "ranks", ranks);
    return 0;
}

int cfb_mpi_worker_ranks(void) {
    return S.active && S.rank == 0 ? S.size - 1 : 0;
}

/* Open MPI 4.1 ends a job whose rank died with SIGCONT, then (1 s later,
 * odls_base_sigkill_timeout) SIGTERM and SIGKILL a few ms apart: SIGCONT is
 * the only warning long enough to save the results. */
static volatile sig_atomic_t cont_seen;
static void on_cont(int sig) {
    (void)sig;
    cont_seen = 1;
}

/* The job is ending: a stop was asked (SIGTERM/SIGINT), or a SIGCONT came
 * and a worker rank on this host is gone. Then the sweep is told to stop. */
static bool job_ending(void) {
    if (cfb_sweep_interrupted()) return true;
    if (!cont_seen) return false;
    cont_seen = 0;
    for (int r = 1; r < S.size; r++)
        if (cf_mpi_rank_gone(r)) {
            raise(SIGTERM); /* the sweep's handler: stop after this repetition */
            return true;
        }
    return false;
}

void cfb_mpi_session_signals(void) {
    if (!S.active || S.rank != 0) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_cont;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCONT, &sa, NULL);
    if (sigaction(SIGTERM, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
        sa.sa_handler != SIG_IGN) {
        sa.sa_flags &= ~SA_RESETHAND;
        sigaction(SIGTERM, &sa, NULL);
    }
}

json_t *cfb_mpi_session_doc(void) {
    return S.doc;
}

void cfb_mpi_session_end(void) {
    if (!S.active || S.ended) return;
    S.ended = true;
    cf_mpi_finalize();
    json_decref(S.doc);
    S.doc = NULL;
}

/* The cause, when the runtime is ending the job. */
static void fault(cfb_rep *rep, char *msg, size_t len) {
    char gone[256] = "";
    size_t off = 0;
    for (int r = 1; r < S.size && off < sizeof gone; r++) {
        if (!cf_mpi_rank_gone(r)) continue;
        const char *host = "";
        int pid = 0;
        cf_mpi_rank_info(r, &host, &pid, NULL);
        off += (size_t)snprintf(gone + off, sizeof gone - off, "%s%d (pid %d on %s)",
                                off ? ", " : "", r, pid, host);
    }
    snprintf(msg, len,
             "the MPI runtime is ending the job during case %s/mpi/w%d: %s%s; "
             "Open MPI 4.1 ends every rank when one dies",
             cfb_rep_workload(rep)->name, cfb_rep_workers(rep),
             gone[0] ? "worker rank(s) gone: " : "a rank died or the job was stopped", gone);
    fprintf(stderr, "cfbench: %s\n", msg);
    if (S.doc) json_object_set_new(json_object_get(S.doc, "mpi"), "fault", json_string(msg));
}

/* Once per case: when the runtime is ending the job, fail the case naming
 * the cause and stop waiting for the workers (cf_mpi_abandon). */
static void abandon_if_ending(cfb_rep *rep, bool *abandoned) {
    if (*abandoned || !job_ending()) return;
    char msg[512];
    fault(rep, msg, sizeof msg);
    cfb_rep_fail(rep, "%s", msg);
    cf_mpi_abandon(msg);
    *abandoned = true;
}

static int run_mpi(cfb_rep *rep) {
    int workers = cfb_rep_workers(rep);
    if (!S.active || S.rank != 0) {
        cfb_rep_fail(rep, "mode mpi needs mpirun (docs/scale-out.md)");
        return CF_ENOTSUP;
    }
    if (workers > S.size - 1) {
        cfb_rep_fail(rep, "mode mpi: %d workers asked, the job has %d worker ranks", workers,
                     S.size - 1);
        return CF_EINVAL;
    }
    /* the case, for the workers' initializer */
    const cfb_workload *w = cfb_rep_workload(rep);
    const cfb_params *p = cfb_rep_params(rep);
    size_t cap = 256, used = 0;
    for (size_t i = 0; i < cfb_params_count(p); i++)
        cap += strlen(cfb_params_name_at(p, i)) + strlen(cfb_params_text_at(p, i)) + 2;
    char *ib = malloc(cap);
    if (!ib) return CF_ENOMEM;
    const char *impl = cfb_rep_impl(rep)->name;
    used += (size_t)snprintf(ib + used, cap - used, "%s", w->name) + 1;
    used += (size_t)snprintf(ib + used, cap - used, "%s", impl) + 1;
    used += (size_t)snprintf(ib + used, cap - used, "%s", cfb_rep_mode(rep)) + 1;
    for (size_t i = 0; i < cfb_params_count(p); i++) {
        used += (size_t)snprintf(ib + used, cap - used, "%s", cfb_params_name_at(p, i)) + 1;
        used += (size_t)snprintf(ib + used, cap - used, "%s", cfb_params_text_at(p, i)) + 1;
    }
    cf_mpi_opts o = {.max_workers = workers,
                     .initializer = "cfb.mpi.init",
                     .finalizer = "cfb.mpi.fini",
                     .initarg = ib,
                     .initarg_len = used};
    size_t n = cfb_rep_ntasks(rep);
    size_t window = (size_t)workers * 256;
    if (window < 1024) window = 1024;
    if (window > n) window = n;
    cf_future **fs = calloc(window ? window : 1, sizeof *fs);
    double *offs = calloc((size_t)S.size, sizeof *offs);
    cf_executor *ex = NULL;
    int rc = fs && offs ? 0 : CF_ENOMEM;
    for (int r = 0; !rc && r < S.size; r++)
        cf_mpi_rank_info(r, NULL, NULL, &offs[r]);
    cfb_rep_start(rep);
    if (!rc) rc = cf_mpi_executor_new(&o, &ex);
    free(ib);
    if (rc) {
        cfb_rep_fail(rep, "cannot create the MPI executor: %s", cf_strerror(rc));
        free(fs);
        free(offs);
        return rc;
    }
    size_t next = 0, taken = 0;
    bool abandoned = false;
    while (taken < n) {
        while (next < n && next - taken < window) {
            const void *arg;
            size_t len;
            cfb_rep_task_arg(rep, next, &arg, &len);
            rc = cf_submit(ex, wk_task, arg, len, &fs[next % window]);
            if (rc) {
                cfb_rep_fail(rep, "submit of task %zu failed: %s", next, cf_strerror(rc));
                goto out;
            }
            next++;
        }
        cf_future *g = fs[taken % window];
        while (cf_future_result(g, 0.05, NULL, NULL) == CF_ETIMEDOUT) {
            abandon_if_ending(rep, &abandoned);
        }
        fs[taken % window] = NULL;
        const void *d;
        size_t l;
        cf_future *f = g;
        if (cf_future_result(g, 0, &d, &l) == 0 && l >= sizeof(whdr)) {
            whdr h;
            memcpy(&h, d, sizeof h);
            f = cf_future_new();
            if (!f || cf_future_set_result(f, (const char *)d + sizeof h, l - sizeof h)) {
                cf_future_release(f);
                f = g;
            } else {
                double off = h.rank > 0 && h.rank < S.size ? offs[h.rank] : 0;
                cfb_rep_mark(rep, taken, h.start - off, h.end - off, h.rank - 1);
                cf_future_release(g);
            }
        }
        cfb_rep_take(rep, taken, f);
        taken++;
    }
out:
    if (rc) {
        for (size_t i = taken; i < next; i++)
            cf_future_release(fs[i % window]);
    }
    /* Release the workers in slices: a rank that died never answers. */
    cf_executor_shutdown(ex, false, rc != 0);
    while (cf_mpi_executor_wait(ex, 0.05) == CF_ETIMEDOUT) {
        abandon_if_ending(rep, &abandoned);
    }
    cf_executor_free(ex);
    free(fs);
    free(offs);
    return abandoned ? CF_EBROKEN : rc;
}

#endif /* CFB_HAVE_MPI */

const cfb_mode cfb_mode_mpi = {
    "mpi",
    "cfutures MPI executor: worker ranks started by mpirun (workers = worker ranks)",
    true,
    run_mpi,
};

int cfb_mode_max_workers(const cfb_mode *m) {
#ifdef CFB_HAVE_MPI
    if (m == &cfb_mode_mpi) return S.active && S.rank == 0 ? S.size - 1 : 0;
#endif
    (void)m;
    return 0;
}
