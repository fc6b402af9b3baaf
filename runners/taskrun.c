/*
 * taskrun.c — cfb_run_tasks(): one observed repetition through the sweep
 * engine's mode table (taskrun.h says what and why).
 *
 * Threads: none of its own. The observer below runs inside cfb_rep_take,
 * which every mode calls on the thread that called mode->run — the caller
 * of cfb_run_tasks (modes.h, "observed runs"). It turns the engine's take
 * into a cfb_task_event (the future's outcome, the task's recorded times)
 * and calls the user's on_done.
 *
 * Who frees what: nothing is allocated here; the engine owns the case (a
 * copy of the tasks) and the futures, the caller everything in cfb_taskrun.
 */
#include "taskrun.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct obs_ctx {
    const cfb_taskrun *run;
    const cfb_tasklist *tl; /* the caller's list, for labels (NULL: made by the workload) */
} obs_ctx;

static void on_take(void *arg, const cfb_rep *rep, size_t i, cf_future *f, const char *outcome,
                    const char *wrong) {
    obs_ctx *o = arg;
    cfb_task_event ev = {.index = i, .msg = "", .outcome = outcome, .wrong = wrong};
    ev.label = o->tl && i < o->tl->n ? o->tl->tasks[i].label : NULL;
    ev.status = cf_future_result(f, 0, &ev.value, &ev.len);
    if (ev.status) {
        ev.value = NULL;
        ev.len = 0;
        const char *msg = NULL;
        (void)cf_future_error(f, &ev.code, &msg); /* sets nothing for a CANCELLED future */
        ev.msg = msg ? msg : "";
        if (ev.status == CF_ECANCELLED) ev.outcome = "cancelled";
    }
    cfb_rep_times(rep, i, &ev.start, &ev.end, &ev.worker);
    o->run->on_done(o->run->ctx, &ev);
}

static bool offered(const cfb_mode *m) {
    return strcmp(m->name, "mpi") != 0; /* needs mpirun and `cfbench run` (mode_mpi.c) */
}

const cfb_mode *const *cfb_taskrun_modes(size_t *n) {
    static const cfb_mode *list[16];
    static size_t count;
    if (!count) { /* the table is static: filling twice gives the same */
        size_t nall;
        const cfb_mode *const *all = cfb_modes_all(&nall);
        size_t k = 0;
        for (size_t i = 0; i < nall && k + 1 < sizeof list / sizeof list[0]; i++)
            if (offered(all[i])) list[k++] = all[i];
        list[k] = NULL;
        count = k;
    }
    if (n) *n = count;
    return list;
}

const char *cfb_taskrun_mode_names(char *buf, size_t len) {
    size_t n;
    const cfb_mode *const *ms = cfb_taskrun_modes(&n);
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && off < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";
        int w = snprintf(buf + off, len - off, "%s%s", sep, ms[i]->name);
        if (w < 0) break;
        off += (size_t)w;
    }
    return buf;
}

const cfb_mode *cfb_taskrun_mode_find(const char *name) {
    const cfb_mode *m = cfb_mode_find(name);
    return m && offered(m) ? m : NULL;
}

int cfb_run_tasks(const cfb_taskrun *run, char *err, size_t errlen) {
    if (!run || !run->workload || !run->params || !run->mode || !run->on_done ||
        !run->workload->task || (!run->tasks && !run->workload->make_tasks)) {
        snprintf(err, errlen, "cfb_run_tasks: workload, params, mode and on_done are required");
        return CF_EINVAL;
    }
    if (run->workers < 1) {
        snprintf(err, errlen, "cfb_run_tasks: workers must be at least 1, not %d", run->workers);
        return CF_EINVAL;
    }
    if (run->tasks && run->tasks->n == 0) {
        snprintf(err, errlen, "cfb_run_tasks: no tasks to run");
        return CF_EINVAL;
    }
    obs_ctx o = {.run = run, .tl = run->tasks};
    cfb_rep_observer obs = {.on_take = on_take, .ctx = &o, .stop = run->stop};
    const cfb_impl *impl = run->impl ? run->impl : cfb_impl_find("c");
    return cfb_rep_run_observed(run->workload, run->params, run->mode, run->workers, impl,
                                run->tasks, &obs, err, errlen);
}
