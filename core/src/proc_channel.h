/*
 * proc_channel.h — the wire between the process pool (process_pool.c, in the
 * parent) and its forked workers (proc_channel.c, in the child).
 *
 * Per worker: two pipes and one shared page.
 *   task pipe    parent -> child: [struct cf__pmsg_task][arg bytes] ...
 *   result pipe  child -> parent: [struct cf__pmsg_res][payload] ...
 *   shared page  struct cf__pshm (MAP_SHARED|MAP_ANONYMOUS, mapped before
 *                fork): the child's progress, which survives its death, so
 *                the parent knows exactly which task a dead worker was
 *                running and which tasks it never started; and two counters
 *                each side spins on before it sleeps (finished: results
 *                written whole, by the child; posted: tasks written whole,
 *                by the parent). The counters only announce bytes that are
 *                already in a pipe: the pipes stay the channel, and a death
 *                is still seen on the pidfd.
 * Results are written one task at a time, before the next task starts, so a
 * finished task's result is always in the pipe even if the worker dies just
 * after; tasks are read in batches.
 */
#ifndef CF_PROC_CHANNEL_H
#define CF_PROC_CHANNEL_H

#include "internal.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

/* Parent -> child: one task. fn is the task function's address (valid in the
 * child: fork without exec keeps the address space layout). */
struct cf__pmsg_task {
    uint64_t fn;
    uint64_t len;
};

enum {
    CF__PRES_RESULT = 1,   /* a task's outcome */
    CF__PRES_INITFAIL = 2, /* the initializer returned code (non-zero) */
};

/* Child -> parent: one message. For a result, status 0 means a value of len
 * bytes follows; otherwise (CF_ETASK, CF_ENOMEM, CF_ETOOBIG) the task failed
 * with `code` and a message of len bytes (not NUL-terminated) follows. */
struct cf__pmsg_res {
    uint32_t kind;
    int32_t status;
    int32_t code;
    uint32_t pad;
    uint64_t len;
    uint64_t ns; /* the task's run time in the child, for the look-ahead heuristic */
};

/* The shared page. Written by the child, read by the parent after the
 * child's death (or at any time, as a hint). */
struct cf__pshm {
    _Atomic uint64_t started; /* tasks the child has begun (set before each task runs) */
    _Atomic uint32_t ready;   /* 1 once the initializer succeeded */
    /* results the child has written whole into the result pipe (set after
     * each write): the parent's manager spins on it instead of sleeping */
    _Atomic uint64_t finished;
    /* Written by the parent: tasks it has written whole into the task pipe
     * (set after each writev); the child spins on it before it sleeps. */
    _Atomic uint64_t posted;
};

/* What the child needs; a copy of the parent's memory, so plain values. */
struct cf__pchild_cfg {
    int task_fd;   /* read end of the task pipe */
    int result_fd; /* write end of the result pipe */
    struct cf__pshm *shm;
    cf_init_fn initializer;
    cf_fini_fn finalizer;
    void *initarg;
    int max_tasks;              /* 0 = unlimited */
    const sigset_t *saved_mask; /* the signal mask to restore in the child */
    char name[16];              /* process name (prctl PR_SET_NAME) */
};

/* The child's whole life after fork(); never returns (_exit). */
_Noreturn void cf__pchild_main(const struct cf__pchild_cfg *cfg);

#ifdef CFB_SANITIZER
/* san_fork_gate.c: called by the forking thread just before fork(), and
 * just after it in both processes (child = true in the child). Between
 * them no other thread is inside malloc/free. */
void cf__fork_quiesce(void);
void cf__fork_resume(bool child);
#endif

#endif
