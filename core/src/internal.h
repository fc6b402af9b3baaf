/*
 * internal.h — what core's own files share and the public header hides.
 * Not installed; executors (thread pool, process pool) include it.
 */
#ifndef CF_INTERNAL_H
#define CF_INTERNAL_H

#include "cfutures.h"

/* The outcome of one task call (what cf_out is). A value (data/len, owned,
 * malloc'd) or a failure (failed, code, msg). */
struct cf_out {
    void *data;
    size_t len;
    size_t cap;
    bool failed;
    int status; /* CF_ETASK for a task error, CF_ENOMEM when the value could not be stored */
    int code;
    char msg[CF_ERRMSG_MAX];
};

void cf__out_init(cf_out *out);
/* Forget value and error; keeps the buffer for reuse. */
void cf__out_reset(cf_out *out);
void cf__out_free(cf_out *out);
/* Reset out, then call fn(arg, len, out). */
void cf__out_run(cf_out *out, cf_task_fn fn, const void *arg, size_t len);
/* Move the outcome onto the future: set_result_owned (the buffer moves to
 * the future; out keeps nothing) or set_error. Returns what set_* returned. */
int cf__out_publish(cf_out *out, cf_future *f);

/* Every executor embeds `struct cf_executor` as its first member. */
struct cf_executor_ops {
    const char *kind; /* "thread", "process" */
    int (*submit)(cf_executor *ex, cf_task_fn fn, const void *arg, size_t len, cf_future **out);
    int (*shutdown)(cf_executor *ex, bool wait, bool cancel_futures);
    void (*destroy)(cf_executor *ex); /* after shutdown(wait=true) */
    int (*stats)(const cf_executor *ex, cf_executor_stats *st);
};

struct cf_executor {
    const struct cf_executor_ops *ops;
    int max_workers;
};

/* Absolute CLOCK_MONOTONIC deadline for a timeout (CF_FOREVER -> +inf). */
double cf__now(void);
double cf__deadline(double timeout);

#endif
