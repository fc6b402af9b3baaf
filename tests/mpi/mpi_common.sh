# Sourced by tests/mpi/test_*.sh: run MPI programs as root on loopback, or
# skip (exit 77, CTest shows "Skipped") saying why.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# loopback only, no InfiniBand/OFI probing noise
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_pml=ob1 OMPI_MCA_mtl=^ofi,psm,psm2
mpi_require() { # PROGRAM
    if [ ! -x "$1" ]; then
        if grep -q 'CFB_SANITIZE:STRING=.\+' "$CFB_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
            echo "SKIP: sanitizer build: the MPI executor is not built here (libmpi is not" \
                 "instrumented; see docs/scale-out.md, 'Sanitizers')"
        else
            echo "SKIP: MPI support not built (no MPI found by CMake: make deps installs Open MPI)"
        fi
        exit 77
    fi
    if ! command -v mpirun >/dev/null; then
        echo "SKIP: mpirun not in PATH (make deps installs openmpi-bin)"
        exit 77
    fi
}
