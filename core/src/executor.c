/*
 * executor.c — the generic executor functions: argument checks, then a
 * dispatch through struct cf_executor_ops (thread_pool.c, process_pool.c).
 * No state of its own; thread-safety is each implementation's.
 */
#include "internal.h"

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
