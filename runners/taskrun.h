/*
 * taskrun.h — run one task list in one mode and watch each task finish: the
 * entry point of every command that runs tasks by mode without a sweep
 * (`cfbench flags`, `cfbench primes`, `cfbench loiter`; issue 12 item 3).
 *
 * It is not another implementation of the modes: cfb_run_tasks() hands the
 * workload, params and tasks to the sweep engine (sweep.c:
 * cfb_rep_run_observed), which prepares the case exactly as for a sweep
 * (run setup, the engine's task wrapper, worker setup, the impl) and runs
 * ONE unmeasured repetition through the mode's own run() from the cfb_mode
 * table (modes.c, mode_async.c, mode_hybrid.c). The observer is called from
 * the engine's cfb_rep_take, once per task.
 *
 * Threads. cfb_run_tasks() blocks the calling thread until every task has
 * an outcome; on_done runs on that same thread, one call at a time, in
 * completion order (the order the mode takes the tasks: seq in input order;
 * thread/process as their futures finish; async as the driver resolves
 * them; hybrid as the outcomes arrive from the processes). Map order is the
 * caller's: buffer the events and print the done prefix (cmd_demo.c).
 * The mode's own threads/processes are the sweep's (modes.h).
 *
 * Stopping. `stop` (optional) is an atomic_int that anything — a SIGINT
 * handler included (atomic_store on a lock-free atomic_int is
 * async-signal-safe) — may set to non-zero. The mode then looks at it at
 * least every CFB_REP_POLL_S seconds, starts nothing more, cancels what is
 * queued, lets what runs finish (a driver's close ends what is in flight),
 * and reports every task that never ran as CF_ECANCELLED. Every task still
 * gets exactly one event.
 *
 * Ownership: everything in cfb_taskrun is borrowed for the call; the event
 * and everything it points to are borrowed for the duration of on_done.
 */
#ifndef CFB_TASKRUN_H
#define CFB_TASKRUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "modes.h"
#include "workload.h"

typedef struct cfb_task_event {
    size_t index;        /* the task's index in the list */
    const char *label;   /* the task's label (may be NULL) */
    int status;          /* 0 done; CF_ECANCELLED cancelled or never ran; other CF_E*: failed */
    int code;            /* the task's error code (cf_out_error); 0 when done */
    const char *msg;     /* the error message; "" when done */
    const void *value;   /* status 0: the value's bytes (NULL when empty) */
    size_t len;          /* status 0: the value's length */
    const char *outcome; /* status 0: the workload's classify() ("ok" without one); else
                            "error" ("cancelled" when status is CF_ECANCELLED) */
    const char *wrong;   /* status 0 and the workload's check() said wrong: its reason */
    double start, end;   /* cfb_now() seconds around the task in its worker (the driver's
                            start and resolution in async/hybrid); NaN when it never ran */
    int worker;          /* worker slot (0, 1, …), -1 when it never ran */
} cfb_task_event;

typedef void (*cfb_task_done_fn)(void *ctx, const cfb_task_event *ev);

typedef struct cfb_taskrun {
    const cfb_workload *workload; /* required: its task (and driver, in async/hybrid) runs */
    const cfb_params *params;     /* required: resolved params of that workload */
    const cfb_tasklist *tasks;    /* NULL: the workload's run_setup + make_tasks(params);
                                     else these tasks (copied; no run_setup) */
    const cfb_mode *mode;         /* required: an entry of cfb_modes_all() */
    int workers;                  /* ≥ 1 (ignored by seq): pool size / operations in flight */
    const cfb_impl *impl;         /* NULL = "c" */
    cfb_task_done_fn on_done;     /* required */
    void *ctx;                    /* passed to on_done */
    const atomic_int *stop;       /* optional: non-zero stops the run (see above) */
} cfb_taskrun;

/* Run every task once in run->mode, calling run->on_done once per task.
 * Returns 0 when every task had its event (failed and cancelled tasks are
 * outcomes, not errors); CF_EINVAL for a bad run (NULL field, workers < 1)
 * or a case that cannot be prepared (no tasks, a run_setup failure);
 * CF_EBROKEN when the mode failed (a pool that cannot start, a worker setup
 * that fails) — then some tasks may have had no event. The reason is in err
 * (one line) on every failure. */
int cfb_run_tasks(const cfb_taskrun *run, char *err, size_t errlen);

/* The modes a command that runs a task list can offer: every mode of the
 * table except those that need a launcher (mpi). NULL-terminated. */
const cfb_mode *const *cfb_taskrun_modes(size_t *n);

/* "seq, thread, process, async or hybrid" into buf (for --help and errors). */
const char *cfb_taskrun_mode_names(char *buf, size_t len);

/* The mode called name among cfb_taskrun_modes(), or NULL. */
const cfb_mode *cfb_taskrun_mode_find(const char *name);

#endif
