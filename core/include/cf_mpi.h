/*
 * cf_mpi.h — the MPI executor of cfutures (library cfutures_mpi, built only
 * when CMake finds MPI; nothing else in the project depends on it).
 *
 * The model is mpi4py.futures run as `mpiexec -n N python -m mpi4py.futures`:
 * every rank runs the same program; rank 0 is the client (it creates
 * executors and submits), ranks 1..N-1 are pre-started workers that serve
 * tasks until the client finalises. An MPI executor is an ordinary
 * cf_executor: cf_submit, cf_map (with chunksize), cf_executor_shutdown,
 * cf_future_cancel while the task has not been sent, and its futures mix with
 * thread- and process-pool futures in cf_wait / cf_as_completed.
 *
 * Task functions by name. Function pointers differ between processes (PIE,
 * ASLR, other hosts), so a task function crosses as the id of a name that
 * every rank registered with cf_mpi_register_task() before cf_mpi_init().
 * cf_submit() with a function that was not registered returns CF_ENOTSUP.
 * Arguments and results cross as bytes (at most CF_MPI_MAX_BYTES each). A
 * task error keeps its code and message (≤ CF_ERRMSG_MAX-1 bytes).
 *
 *   int main(int argc, char **argv) {
 *       cf_mpi_register_task("square", square);         // every rank
 *       int rank;
 *       if (cf_mpi_init(&argc, &argv, &rank)) return 1;
 *       if (rank > 0) return cf_mpi_serve() ? 1 : 0;     // workers: serve, finalise
 *       cf_executor *ex; cf_mpi_executor_new(NULL, &ex); // client
 *       … cf_submit(ex, square, …) …
 *       cf_executor_free(ex);
 *       return cf_mpi_finalize() ? 1 : 0;                 // releases the workers
 *   }
 *
 * Threads (client): one progress thread, started with the first executor,
 * makes every MPI call after cf_mpi_init (so MPI_THREAD_SERIALIZED is
 * enough; MPI_THREAD_MULTIPLE is asked for). Done-callbacks run in it.
 * Workers are single-threaded: one task at a time, in the order sent.
 *
 * Faults: Open MPI 4.1 has no fault tolerance: when any rank dies the
 * runtime ends the whole job (SIGTERM, then SIGKILL, to every rank). A task
 * error is only that future's error; it never ends the job. See
 * docs/scale-out.md for what Open MPI 5 with ULFM would allow.
 */
#ifndef CF_MPI_H
#define CF_MPI_H

#include <stdbool.h>
#include <stddef.h>

#include "cfutures.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CF_MPI_MAX_BYTES ((size_t)64 << 20)

/* Runs on a worker rank for each executor that uses it, before its first
 * task there, with the executor's init bytes (borrowed for the call).
 * Non-zero breaks the executor (its futures fail with CF_EBROKEN). */
typedef int (*cf_mpi_init_fn)(const void *arg, size_t len);
/* Runs on a worker rank when the executor shuts down (only after its
 * initializer succeeded there), with the same bytes. */
typedef void (*cf_mpi_fini_fn)(const void *arg, size_t len);

/* Register under `name` (copied; 1..63 bytes) — on every rank, in any order,
 * before cf_mpi_init(). Registering the same name and function again is a
 * no-op. 0; CF_EINVAL (NULL, bad name, the name bound to another function,
 * or after cf_mpi_init); CF_ENOMEM. Not thread-safe (call from main). */
int cf_mpi_register_task(const char *name, cf_task_fn fn);
int cf_mpi_register_init(const char *name, cf_mpi_init_fn fn);
int cf_mpi_register_fini(const char *name, cf_mpi_fini_fn fn);

/* Initialise MPI (MPI_Init_thread asking MPI_THREAD_MULTIPLE, unless the
 * program already did) and exchange with every rank its host, pid and clock.
 * *rank gets this process's rank in MPI_COMM_WORLD. Call once, from the main
 * thread. 0; CF_ENOTSUP (MPI gives less than MPI_THREAD_SERIALIZED);
 * CF_ESTATE (called twice); CF_ESYS (an MPI call failed). */
int cf_mpi_init(int *argc, char ***argv, int *rank);

/* Worker ranks (rank > 0): run tasks until the client calls
 * cf_mpi_finalize(), then finalise MPI and return 0. CF_ESTATE on rank 0 or
 * before cf_mpi_init. */
int cf_mpi_serve(void);

/* Client (rank 0): every executor must have been freed; tells the workers
 * to stop, joins the progress thread, finalises MPI (if cf_mpi_init started
 * it). 0 or CF_ESTATE (executors still open; nothing done). */
int cf_mpi_finalize(void);

/* Client: the job is ending (e.g. SIGTERM from the runtime because a rank
 * died): fail every queued and running task of every executor with
 * CF_EBROKEN and `why`, make later submits and executors fail with
 * CF_EBROKEN, and never talk to the workers again; cf_mpi_finalize() then
 * returns at once without MPI_Finalize. Async-signal-unsafe; call from a
 * normal thread. */
void cf_mpi_abandon(const char *why);

/* Facts about the job (after cf_mpi_init; -1 / NULL before). */
int cf_mpi_world_size(void);
int cf_mpi_rank(void);
/* Host name and pid of a rank (borrowed, static until cf_mpi_finalize); the
 * offset of its CLOCK_MONOTONIC from rank 0's, in seconds (worker time −
 * offset = rank-0 time; measured by ping-pong at init, ± half a round trip).
 * CF_EINVAL for a bad rank. */
int cf_mpi_rank_info(int rank, const char **host, int *pid, double *clock_offset);
/* A short "Open MPI v4.1.4, …" (static), and the thread level given. */
const char *cf_mpi_library(void);
/* true when rank is on this host and its pid no longer exists. */
bool cf_mpi_rank_gone(int rank);

typedef struct cf_mpi_opts {
    /* Worker ranks to use: ranks 1..max_workers. 0 = every worker rank;
     * more than the job has (or negative) = CF_EINVAL. */
    int max_workers;
    const char *initializer; /* a registered init name, or NULL */
    const char *finalizer;   /* a registered fini name, or NULL */
    const void *initarg;     /* bytes passed to both on every worker (copied) */
    size_t initarg_len;
    /* Tasks in flight per worker rank: 0 = adaptive (about 100 µs of work,
     * 1 while unknown or for long tasks, at most 512); N > 0 = exactly N. */
    int lookahead;
} cf_mpi_opts;

/* A new MPI executor (kind "mpi") on the worker ranks (client only). opts may
 * be NULL. Errors: CF_EINVAL (bad opts, unknown initializer/finalizer name,
 * no worker ranks), CF_ESTATE (not the client, or not initialised),
 * CF_EBROKEN (abandoned), CF_ENOMEM, CF_ESYS. Several executors may be open
 * at once; they share the worker ranks, and each worker runs their tasks in
 * the order sent. Ownership as every executor: cf_executor_free(). */
int cf_mpi_executor_new(const cf_mpi_opts *opts, cf_executor **out);

/* After cf_executor_shutdown(ex, false, …): wait up to `timeout` seconds
 * until every task of ex is done and its workers ran their finalizer —
 * what shutdown(wait=true) waits for, in slices, so that a caller can look
 * at other things (a stop flag) meanwhile. 0 when closed; CF_ETIMEDOUT;
 * CF_ESTATE before shutdown; CF_EINVAL (NULL or not an MPI executor). */
int cf_mpi_executor_wait(cf_executor *ex, double timeout);

#ifdef __cplusplus
}
#endif
#endif /* CF_MPI_H */
