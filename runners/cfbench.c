/*
 * cfbench.c — the plan and the run of cfbench.h: a cfb_plan collects
 * names, counts and parameters (copied), and cfb_run turns it into the
 * engine's internal cfb_sweep_cfg (sweep.h) for cfb_sweep_exec.
 *
 * Threads: none of its own; a plan is used by one thread at a time (a run
 * reads it, never writes it). Ownership: the plan owns every array and
 * string in it, and one reference to config_extra; doc_extra and the hook
 * contexts are borrowed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_gil.h"
#include "cfbench.h"
#include "modes.h"
#include "sweep.h"

#define CFB_PLAN_MAX_WORKERS 1024

struct cfb_plan {
    const cfb_workload **wl;
    size_t nwl, capwl;
    const cfb_mode **modes;
    size_t nmodes, capmodes;
    const cfb_impl **impls;
    size_t nimpls, capimpls;
    int *workers; /* sorted, distinct */
    size_t nworkers, capworkers;
    cfb_override *ov; /* strings owned */
    size_t nov, capov;
    char **argv;
    int argc;
    int repeat, warmup, ladder_cpus;
    bool interleave, measure, wrap_every_task;
    unsigned long long seed;
    double gil_interval;
    json_t *config_extra; /* one reference */
    json_t *doc_extra;    /* borrowed */
    json_t *(*extra_cases)(void *, const cfb_workload *, const cfb_params *, const cfb_tasklist *);
    void *extra_ctx;
    json_t *(*before_work)(void *);
    void *before_work_ctx;
    char err[512];
};

const char *cfb_strerror(int st) {
    if (st == CFB_EREPORTER) return "a reporter stopped the run";
    if (st > 0 && st <= CFB_RUN_INTERRUPTED) return cfb_outcome_name((cfb_outcome)st);
    return cf_strerror(st);
}

const char *cfb_outcome_name(cfb_outcome o) {
    switch (o) {
    case CFB_RUN_COMPLETE:
        return "complete";
    case CFB_RUN_WRONG:
        return "finished with wrong answers";
    case CFB_RUN_CASE_FAILED:
        return "finished with failed cases";
    case CFB_RUN_INTERRUPTED:
        return "interrupted";
    }
    return "unknown outcome";
}

static int fail(cfb_plan *p, int st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(cfb_plan *p, int st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err, sizeof p->err, fmt, ap);
    va_end(ap);
    return st;
}

/* Room for one more element of size sz in *arr (n used of *cap). */
static int grow(void **arr, size_t n, size_t *cap, size_t sz) {
    if (n < *cap) return 0;
    size_t nc = *cap ? *cap * 2 : 8;
    void *a = realloc(*arr, nc * sz);
    if (!a) return CF_ENOMEM;
    *arr = a;
    *cap = nc;
    return 0;
}

cfb_plan *cfb_plan_new(void) {
    cfb_plan *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->repeat = 1;
    p->seed = 1;
    p->measure = true;
    p->gil_interval = CF_GIL_DEFAULT_INTERVAL;
    return p;
}

void cfb_plan_free(cfb_plan *p) {
    if (!p) return;
    for (size_t i = 0; i < p->nov; i++) {
        free((char *)p->ov[i].workload);
        free((char *)p->ov[i].key);
        free((char *)p->ov[i].value);
    }
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
    free(p->ov);
    free(p->wl);
    free(p->modes);
    free(p->impls);
    free(p->workers);
    json_decref(p->config_extra);
    free(p);
}

const char *cfb_plan_error(const cfb_plan *p) {
    return p ? p->err : "no plan";
}

/* Append item (looked up by name; NULL: unknown, "unknown <what> '<name>'")
 * to the pointer set *set (n used of *cap) unless it is there already: one
 * definition for the plan's workload, mode and impl sets (each an array of
 * const object pointers, passed as grow() takes them). 0 or a CF_E* status. */
static int add_unique(cfb_plan *p, const void ***set, size_t *n, size_t *cap, const void *item,
                      const char *what, const char *name) {
    if (!item) return fail(p, CF_EINVAL, "unknown %s '%s'", what, name);
    for (size_t i = 0; i < *n; i++)
        if ((*set)[i] == item) return 0;
    if (grow((void **)set, *n, cap, sizeof **set)) return fail(p, CF_ENOMEM, "out of memory");
    (*set)[(*n)++] = item;
    return 0;
}

int cfb_plan_add_workload(cfb_plan *p, const char *name) {
    if (!p || !name) return CF_EINVAL;
    return add_unique(p, (const void ***)&p->wl, &p->nwl, &p->capwl, cfb_workload_find(name),
                      "workload", name);
}

int cfb_plan_add_mode(cfb_plan *p, const char *name) {
    if (!p || !name) return CF_EINVAL;
    return add_unique(p, (const void ***)&p->modes, &p->nmodes, &p->capmodes, cfb_mode_find(name),
                      "mode", name);
}

int cfb_plan_add_impl(cfb_plan *p, const char *name) {
    if (!p || !name) return CF_EINVAL;
    return add_unique(p, (const void ***)&p->impls, &p->nimpls, &p->capimpls, cfb_impl_find(name),
                      "implementation", name);
}

int cfb_plan_add_workers(cfb_plan *p, int n) {
    if (!p) return CF_EINVAL;
    if (n < 1 || n > CFB_PLAN_MAX_WORKERS)
        return fail(p, CF_EINVAL, "workers %d: not in 1..%d", n, CFB_PLAN_MAX_WORKERS);
    size_t at = 0;
    while (at < p->nworkers && p->workers[at] < n)
        at++;
    if (at < p->nworkers && p->workers[at] == n) return 0;
    if (grow((void **)&p->workers, p->nworkers, &p->capworkers, sizeof *p->workers))
        return fail(p, CF_ENOMEM, "out of memory");
    memmove(p->workers + at + 1, p->workers + at, (p->nworkers - at) * sizeof *p->workers);
    p->workers[at] = n;
    p->nworkers++;
    return 0;
}

int cfb_plan_set_ladder_cpus(cfb_plan *p, int ncpu) {
    if (!p || ncpu < 0) return CF_EINVAL;
    p->ladder_cpus = ncpu;
    return 0;
}

int cfb_plan_set_repeat(cfb_plan *p, int repeat) {
    if (!p) return CF_EINVAL;
    if (repeat < 1) return fail(p, CF_EINVAL, "repeat %d: must be at least 1", repeat);
    p->repeat = repeat;
    return 0;
}

int cfb_plan_set_warmup(cfb_plan *p, int warmup) {
    if (!p) return CF_EINVAL;
    if (warmup < 0) return fail(p, CF_EINVAL, "warmup %d: must be at least 0", warmup);
    p->warmup = warmup;
    return 0;
}

void cfb_plan_set_interleave(cfb_plan *p, bool on) {
    if (p) p->interleave = on;
}
void cfb_plan_set_seed(cfb_plan *p, unsigned long long seed) {
    if (p) p->seed = seed;
}
void cfb_plan_set_measure(cfb_plan *p, bool on) {
    if (p) p->measure = on;
}
void cfb_plan_set_wrap_every_task(cfb_plan *p, bool on) {
    if (p) p->wrap_every_task = on;
}

int cfb_plan_set_gil_interval(cfb_plan *p, double s) {
    if (!p) return CF_EINVAL;
    if (!(s >= 1e-6 && s <= 10.0))
        return fail(p, CF_EINVAL, "GIL switch interval %g s: not in 1e-6..10", s);
    p->gil_interval = s;
    return 0;
}

double cfb_plan_gil_interval(const cfb_plan *p) {
    return p ? p->gil_interval : NAN;
}

int cfb_plan_set_param_for(cfb_plan *p, const char *workload, const char *key, const char *value,
                           bool quiet) {
    if (!p || !key || !value) return CF_EINVAL;
    if (!*key) return fail(p, CF_EINVAL, "parameter with an empty name");
    if (grow((void **)&p->ov, p->nov, &p->capov, sizeof *p->ov))
        return fail(p, CF_ENOMEM, "out of memory");
    cfb_override o = {.workload = workload ? strdup(workload) : NULL,
                      .key = strdup(key),
                      .value = strdup(value),
                      .quiet = quiet};
    if ((workload && !o.workload) || !o.key || !o.value) {
        free((char *)o.workload);
        free((char *)o.key);
        free((char *)o.value);
        return fail(p, CF_ENOMEM, "out of memory");
    }
    p->ov[p->nov++] = o;
    return 0;
}

int cfb_plan_set_param(cfb_plan *p, const char *key, const char *value) {
    if (!p || !key || !value) return CF_EINVAL;
    const char *dot = strchr(key, '.');
    if (!dot) return cfb_plan_set_param_for(p, NULL, key, value, false);
    if (dot == key) return fail(p, CF_EINVAL, "parameter '%s': no workload before the dot", key);
    char w[128];
    size_t n = (size_t)(dot - key);
    if (n >= sizeof w)
        return fail(p, CF_EINVAL, "parameter '%.100s…': workload name too long", key);
    memcpy(w, key, n);
    w[n] = '\0';
    return cfb_plan_set_param_for(p, w, dot + 1, value, false);
}

int cfb_plan_set_argv(cfb_plan *p, int argc, char *const *argv) {
    if (!p || argc < 0 || (argc && !argv)) return CF_EINVAL;
    char **a = calloc((size_t)argc + 1, sizeof *a);
    if (!a) return fail(p, CF_ENOMEM, "out of memory");
    for (int i = 0; i < argc; i++)
        if (!(a[i] = strdup(argv[i] ? argv[i] : ""))) {
            for (int k = 0; k < i; k++)
                free(a[k]);
            free(a);
            return fail(p, CF_ENOMEM, "out of memory");
        }
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    free(p->argv);
    p->argv = a;
    p->argc = argc;
    return 0;
}

int cfb_plan_set_config_extra(cfb_plan *p, json_t *extra) {
    if (!p || (extra && !json_is_object(extra))) return CF_EINVAL;
    json_decref(p->config_extra);
    p->config_extra = json_incref(extra);
    return 0;
}

void cfb_plan_set_doc_extra(cfb_plan *p, json_t *extra) {
    if (p) p->doc_extra = extra;
}

void cfb_plan_set_extra_cases(cfb_plan *p,
                              json_t *(*fn)(void *ctx, const cfb_workload *w,
                                            const cfb_params *params, const cfb_tasklist *tl),
                              void *ctx) {
    if (!p) return;
    p->extra_cases = fn;
    p->extra_ctx = ctx;
}

void cfb_plan_set_before_work(cfb_plan *p, json_t *(*fn)(void *ctx), void *ctx) {
    if (!p) return;
    p->before_work = fn;
    p->before_work_ctx = ctx;
}

/* The engine's form of p (borrowing p's arrays), after the checks of what
 * cfb_sweep_check does not see. 0, or CF_EINVAL with the reason. */
static int to_cfg(const cfb_plan *p, cfb_sweep_cfg *cfg, const cfb_impl **dflt, char *err,
                  size_t errlen) {
    memset(cfg, 0, sizeof *cfg);
    if (!p->nwl || !p->nmodes) {
        snprintf(err, errlen, "the plan has no %s", !p->nwl ? "workload" : "mode");
        return CF_EINVAL;
    }
    *dflt = cfb_impl_find("c");
    *cfg = (cfb_sweep_cfg){.workloads = p->wl,
                           .nworkloads = p->nwl,
                           .modes = p->modes,
                           .nmodes = p->nmodes,
                           .workers = p->workers,
                           .nworkers = p->nworkers,
                           .ladders = p->nworkers == 0,
                           .ladder_cpus = p->ladder_cpus,
                           .impls = p->nimpls ? p->impls : dflt,
                           .nimpls = p->nimpls ? p->nimpls : 1,
                           .repeat = p->repeat,
                           .warmup = p->warmup,
                           .interleave = p->interleave,
                           .seed = p->seed,
                           .overrides = p->ov,
                           .noverrides = p->nov,
                           .measure = p->measure,
                           .wrap_every_task = p->wrap_every_task,
                           .gil_interval = p->gil_interval,
                           .argc = p->argc,
                           .argv = p->argv,
                           .config_extra = p->config_extra,
                           .doc_extra = p->doc_extra,
                           .extra_cases = p->extra_cases,
                           .extra_ctx = p->extra_ctx,
                           .before_work = p->before_work,
                           .before_work_ctx = p->before_work_ctx};
    return 0;
}

/* The sweep configuration of plan p for cfb_plan_check and cfb_run (p may
 * be NULL: "no plan"); *dflt holds the default impl cfg may point at. */
static int plan_cfg(const cfb_plan *p, cfb_sweep_cfg *cfg, const cfb_impl **dflt, char *err,
                    size_t errlen) {
    if (!p) {
        snprintf(err, errlen, "no plan");
        return CF_EINVAL;
    }
    return to_cfg(p, cfg, dflt, err, errlen);
}

int cfb_plan_check(const cfb_plan *p, char *err, size_t errlen) {
    char dummy[1];
    if (!errlen) err = dummy, errlen = sizeof dummy;
    cfb_sweep_cfg cfg;
    const cfb_impl *dflt;
    int rc = plan_cfg(p, &cfg, &dflt, err, errlen);
    if (rc) return rc;
    return cfb_sweep_check(&cfg, err, errlen) ? CF_EINVAL : 0;
}

int cfb_run(const cfb_plan *p, const cfb_reporter *const *reporters, size_t nreporters,
            cfb_stop *stop, cfb_run_result **out, char *err, size_t errlen) {
    char dummy[1];
    if (!errlen) err = dummy, errlen = sizeof dummy;
    if (out) *out = NULL;
    cfb_sweep_cfg cfg;
    const cfb_impl *dflt;
    int rc = plan_cfg(p, &cfg, &dflt, err, errlen);
    if (rc) return rc;
    return cfb_sweep_exec(&cfg, reporters, nreporters, stop, out, err, errlen);
}
