/* noop.c — empty tasks: what is left is the executor's own cost per task. */
#include "workload.h"

static const cfb_param_def noop_params[] = {
    {"tasks", CFB_P_INT, "10000", "number of empty tasks", 1, 100000000, NULL},
};

static int noop_make_tasks(const cfb_params *p, cfb_tasklist *tl, char *err, size_t errlen) {
    long long n = cfb_params_int(p, "tasks");
    for (long long i = 0; i < n; i++) {
        int rc = cfb_tasklist_add(tl, NULL, 0, NULL);
        if (rc) return rc;
    }
    return 0;
}

static void noop_task(const void *arg, size_t len, cf_out *out) {}

/* The Python reference (task_noop): only the count; no answers to check. */
static int noop_ref_write(const cfb_params *p, const cfb_tasklist *tl, cfb_refw *w, char *err,
                          size_t errlen) {
    return cfb_refw_int(w, "tasks", (long long)tl->n);
}

static const cfb_reference_codec noop_reference = {noop_ref_write, NULL};

static const char *const noop_sweep_defaults[] = {"tasks=20000", NULL};

const cfb_workload cfb_workload_noop = {
    .name = "noop",
    .description = "empty tasks: measures the executor's own overhead per task",
    .bound = CFB_BOUND_CPU,
    .params = noop_params,
    .nparams = sizeof noop_params / sizeof noop_params[0],
    .make_tasks = noop_make_tasks,
    .task = noop_task,
    .sweep_defaults = noop_sweep_defaults,
    .reference = &noop_reference,
};
