/*
 * impl_gil.c — the "c+gil" implementation: the same C task code run under
 * the emulated GIL (core/include/cf_gil.h), as CPython would run it.
 *
 * Threads and processes. The parent turns the GIL on in rep_begin, before
 * the mode starts any worker, and off in rep_end, after every worker has
 * finished. Each task runs with the GIL held (call: acquire, the workload's
 * task, release), in whatever worker the mode gives it: the seq loop, a
 * pool thread (threads of one process share its one GIL and take turns at
 * the workload's cf_gil_check() points), or a forked child (which gets its
 * own, fresh GIL through gil.c's pthread_atfork handler: processes stay
 * parallel, as in Python). Blocking calls inside tasks (loiter's sleep, the
 * flags transfer) release it with cf_gil_save()/cf_gil_restore().
 *
 * State: the switch interval of the run in progress, set by the engine
 * from the plan when the run starts (no locking: written before any worker
 * exists, read by rep_begin in the parent). Nothing is allocated.
 */
#include <stdio.h>

#include "cf_gil.h"
#include "impl_gil.h"

static double switch_interval = CF_GIL_DEFAULT_INTERVAL;

int cfb_gil_use_interval(double s) {
    if (!(s >= 1e-6 && s <= 10.0)) return CF_EINVAL;
    switch_interval = s;
    return 0;
}

static int gil_rep_begin(const char *mode, int workers, char *err, size_t errlen) {
    (void)mode, (void)workers;
    int rc = cf_gil_enable(switch_interval);
    if (rc == CF_ESTATE) /* left on by a repetition that failed half-way */
        rc = cf_gil_disable() == 0 ? cf_gil_enable(switch_interval) : CF_ESTATE;
    if (rc) snprintf(err, errlen, "cannot enable the GIL: %s", cf_strerror(rc));
    return rc;
}

static void gil_rep_end(void) {
    if (cf_gil_disable() != 0)
        fprintf(stderr, "cfbench: warning: the GIL is still held after a repetition\n");
}

static void gil_call(cf_task_fn fn, const void *arg, size_t len, cf_out *out) {
    cf_gil_acquire();
    fn(arg, len, out);
    cf_gil_release();
}

const cfb_impl cfb_impl_gil = {
    .name = "c+gil",
    .rep_begin = gil_rep_begin,
    .rep_end = gil_rep_end,
    .call = gil_call,
};
