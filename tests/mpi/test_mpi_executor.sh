#!/usr/bin/env bash
# The MPI executor under mpirun -np 3 on loopback (tests/mpi/mpi_executor_test.c).
# Exit 77 (CTest: skipped) with the reason when MPI support was not built.
set -u
source "$(dirname "$0")/mpi_common.sh"
mpi_require "$CFB_BUILD_DIR/mpi/mpi_executor_test"
exec timeout 120 mpirun -np 3 --oversubscribe "$CFB_BUILD_DIR/mpi/mpi_executor_test"
