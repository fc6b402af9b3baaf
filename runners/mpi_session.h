/*
 * mpi_session.h — `cfbench run` under mpirun / srun (issue 13): the MPI
 * start-up on every rank, the `mpi` mode (mode_mpi.c) and what the results
 * record about the job. Compiled in every build; without MPI support
 * (CFB_HAVE_MPI unset) the mode exists and says why it cannot run.
 *
 * Every rank runs the same `cfbench run …` command line. Rank 0 runs the
 * sweep; ranks 1..N-1 serve tasks until rank 0 ends the session, then exit.
 */
#ifndef CFB_MPI_SESSION_H
#define CFB_MPI_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* true when an MPI launcher started this process (Open MPI's mpirun, or a
 * PMI/PMIx launcher such as Slurm's srun). */
bool cfb_mpi_launched(void);
/* true when this cfbench was built with the MPI executor. */
bool cfb_mpi_built(void);

/* Start the session (once; after the command line was parsed and checked).
 * want_mpi: the sweep includes mode mpi. Returns
 *   0  go on: this process runs the sweep (rank 0, or no MPI launch)
 *   1  this rank served as a worker and is done: exit with *exit_code
 *   2  cannot: *exit_code and a one-line reason in err (e.g. mode mpi
 *      without mpirun, or a build without MPI). */
int cfb_mpi_session_begin(bool want_mpi, int *exit_code, char *err, size_t errlen);

/* After cfb_sweep_install_signals(), under an MPI session: a repeated
 * SIGTERM (the runtime may send more than one while it ends the job) keeps
 * setting the stop flag instead of killing rank 0 before it saved. */
void cfb_mpi_session_signals(void);

/* Worker ranks of the session (0 when there is none). */
int cfb_mpi_worker_ranks(void);

/* Borrowed; NULL without a session: {"mpi": {...}} for the results
 * document's top level (docs/results-schema.md, "mpi"). */
json_t *cfb_mpi_session_doc(void);

/* Release the workers and finalise MPI (idempotent; after an abandoned job
 * it only returns). */
void cfb_mpi_session_end(void);

#endif
