/*
 * executor.c — the generic executor functions: argument checks, then a
 * dispatch through struct cf_executor_ops (thread_pool.c, process_pool.c).
 * No state of its own; thread-safety is each implementation's.
 */
#include "internal.h"

#include <signal.h>
#include <string.h>

int cf_submit(cf_executor *ex, cf_task_fn fn, const void *arg, size_t arg_len, cf_future **out) {
    if (out) *out = NULL;
    if (!ex || !fn || !out || (!arg && arg_len)) return CF_EINVAL;
    return ex->ops->submit(ex, fn, arg, arg_len, out);
}

int cf_executor_shutdown(cf_executor *ex, bool wait, bool cancel_futures) {
    if (!ex) return CF_EINVAL;
    return ex->ops->shutdown(ex, wait, cancel_futures);
}

int cf_executor_shutdown_timeout(cf_executor *ex, bool cancel_futures, double timeout) {
    if (!ex || isnan(timeout)) return CF_EINVAL;
    double deadline = cf__deadline(timeout);
    if (!ex->ops->shutdown_timeout) {
        ex->ops->shutdown(ex, true, cancel_futures);
        return 0;
    }
    return ex->ops->shutdown_timeout(ex, cancel_futures, deadline);
}

int cf_executor_terminate_workers(cf_executor *ex) {
    if (!ex) return CF_EINVAL;
    return ex->ops->terminate ? ex->ops->terminate(ex, SIGTERM) : CF_ENOTSUP;
}

int cf_executor_kill_workers(cf_executor *ex) {
    if (!ex) return CF_EINVAL;
    return ex->ops->terminate ? ex->ops->terminate(ex, SIGKILL) : CF_ENOTSUP;
}

bool cf_executor_is_broken(const cf_executor *ex) {
    return ex && ex->ops->is_broken && ex->ops->is_broken(ex);
}

void cf_executor_free(cf_executor *ex) {
    if (!ex) return;
    ex->ops->shutdown(ex, true, false);
    ex->ops->destroy(ex);
}

const char *cf_executor_kind(const cf_executor *ex) {
    return ex ? ex->ops->kind : NULL;
}

int cf_executor_max_workers(const cf_executor *ex) {
    return ex ? ex->max_workers : CF_EINVAL;
}

int cf_executor_stats_get(const cf_executor *ex, cf_executor_stats *st) {
    if (!ex || !st) return CF_EINVAL;
    memset(st, 0, sizeof *st);
    return ex->ops->stats(ex, st);
}
