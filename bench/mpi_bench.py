#!/usr/bin/env python3
"""mpi_bench.py — the MPI executor against mpi4py.futures, in one run.

    python3 bench/mpi_bench.py [--build build] [--np 3] [--rounds 3]
            [--tasks 20000] [--trips 1000]

Runs, alternately (--rounds times each, so drift hits both):
  * mpirun -np 3 build/mpi/mpi_bench          (cfutures' MPI executor)
  * mpirun -np 3 python3 -m mpi4py.futures bench/mpi_bench.py --anchor
                                              (MPIPoolExecutor, same ranks)
and prints the medians and the ratios for the issue 13 targets:
  empty-task throughput and round trip >= 10x mpi4py.futures, and primes on
  2 worker ranks at >= 90% of the process pool's parallel efficiency.
Beside them, the host's floors measured in the same cfutures job (before its
executor starts): a blocking MPI ping-pong rank 0 <-> 1 and a thread
hand-off round trip; the round trip is also given as a multiple of them.
As root, it sets OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM). The Python used for the
anchor is $CFB_PYTHON, or the first of python3 / /usr/bin/python3 that
imports mpi4py (Debian's python3-mpi4py).
"""
import json
import os
import statistics
import subprocess
import sys
import time


def anchor(tasks, trips, reps):
    """Rank 0 under `python -m mpi4py.futures`: the MPIPoolExecutor figures."""
    from mpi4py.futures import MPIPoolExecutor

    tps, rts = [], []
    with MPIPoolExecutor() as ex:
        list(ex.map(abs, range(100)))  # workers up
        for f in [ex.submit(noop) for _ in range(1000)]:
            f.result()
        for _ in range(reps):
            t0 = time.perf_counter()
            fs = [ex.submit(noop) for _ in range(tasks)]
            for f in fs:
                f.result()
            tps.append(tasks / (time.perf_counter() - t0))
        for _ in range(reps):
            one = []
            for _ in range(trips):
                t0 = time.perf_counter()
                ex.submit(noop).result()
                one.append(time.perf_counter() - t0)
            rts.append(statistics.median(one))
    print(json.dumps({"empty_tps": statistics.median(tps),
                      "round_trip_s": statistics.median(rts)}), flush=True)


def noop():
    return None


def find_python():
    cands = [os.environ.get("CFB_PYTHON"), "python3", "/usr/bin/python3"]
    for c in cands:
        if not c:
            continue
        try:
            subprocess.run([c, "-c", "import mpi4py.futures"], check=True,
                           capture_output=True)
            return c
        except (OSError, subprocess.CalledProcessError):
            pass
    sys.exit("mpi_bench.py: no python3 with mpi4py (apt-get install python3-mpi4py)")


def last_json(out):
    for line in reversed(out.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON in output:\n" + out)


def main():
    args = sys.argv[1:]
    opt = {"--build": "build", "--np": "3", "--rounds": "3", "--tasks": "20000",
           "--trips": "1000"}
    if args[:1] == ["--anchor"]:
        rest = dict(zip(args[1::2], args[2::2]))
        anchor(int(rest.get("--tasks", 20000)), int(rest.get("--trips", 1000)),
               int(rest.get("--reps", 3)))
        return
    for k, v in zip(args[::2], args[1::2]):
        if k not in opt:
            sys.exit("usage: mpi_bench.py [--build DIR] [--np N] [--rounds N] "
                     "[--tasks N] [--trips N]")
        opt[k] = v
    env = dict(os.environ)
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    py = find_python()
    here = os.path.abspath(__file__)
    binp = os.path.join(opt["--build"], "mpi", "mpi_bench")
    if not os.access(binp, os.X_OK):
        sys.exit(f"mpi_bench.py: {binp} not built (needs MPI: make deps, then build)")
    mpirun = ["mpirun", "-np", opt["--np"], "--oversubscribe"]
    c_runs, p_runs = [], []
    for r in range(int(opt["--rounds"])):
        out = subprocess.run(mpirun + [binp, "--tasks", opt["--tasks"], "--trips",
                                       opt["--trips"], "--reps", "3"],
                             env=env, check=True, capture_output=True, text=True).stdout
        c_runs.append(last_json(out))
        out = subprocess.run(mpirun + [py, "-m", "mpi4py.futures", here, "--anchor",
                                       "--tasks", opt["--tasks"], "--trips", opt["--trips"],
                                       "--reps", "3"],
                             env=env, check=True, capture_output=True, text=True).stdout
        p_runs.append(last_json(out))
        print(f"round {r + 1}: cfutures {c_runs[-1]['empty_tps']:.0f} tasks/s, "
              f"{c_runs[-1]['round_trip_s'] * 1e6:.1f} us; mpi4py {p_runs[-1]['empty_tps']:.0f}"
              f" tasks/s, {p_runs[-1]['round_trip_s'] * 1e6:.1f} us", file=sys.stderr)

    def med(runs, k):
        return statistics.median(x[k] for x in runs)

    c_tps, p_tps = med(c_runs, "empty_tps"), med(p_runs, "empty_tps")
    c_rt, p_rt = med(c_runs, "round_trip_s"), med(p_runs, "round_trip_s")
    eff_m, eff_p = med(c_runs, "efficiency_mpi"), med(c_runs, "efficiency_process")
    ratio = med(c_runs, "efficiency_ratio")
    print(f"ranks: {opt['--np']} (1 client + {int(opt['--np']) - 1} workers), "
          f"{opt['--rounds']} rounds alternated, medians")
    print(f"empty-task throughput: cfutures mpi {c_tps:,.0f}/s, mpi4py.futures {p_tps:,.0f}/s:"
          f" {c_tps / p_tps:.1f}x (target >= 10x) {'MET' if c_tps / p_tps >= 10 else 'NOT MET'}")
    print(f"round trip: cfutures mpi {c_rt * 1e6:.1f} us, mpi4py.futures {p_rt * 1e6:.1f} us:"
          f" {p_rt / c_rt:.1f}x (target >= 10x) {'MET' if p_rt / c_rt >= 10 else 'NOT MET'}")
    f_mpi, f_thr = med(c_runs, "floor_mpi_pingpong_s"), med(c_runs, "floor_thread_pingpong_s")
    f_sum = med(c_runs, "floor_sum_s")
    print(f"host floors (same job, before the executor): MPI 1-byte ping-pong rank 0<->1"
          f" {f_mpi * 1e6:.1f} us, thread hand-off round trip {f_thr * 1e6:.1f} us, sum"
          f" {f_sum * 1e6:.1f} us; cfutures round trip = {c_rt / f_sum:.2f}x that sum,"
          f" {c_rt / f_mpi:.2f}x the MPI ping-pong; mpi4py.futures = {p_rt / f_sum:.2f}x the sum")
    print(f"primes fixture, 2 workers: efficiency mpi {eff_m:.3f}, process pool {eff_p:.3f}:"
          f" {ratio:.1%} of the pool's (target >= 90%) {'MET' if ratio >= 0.9 else 'NOT MET'}"
          f"  [seq {med(c_runs, 'primes_seq_s'):.3f} s, mpi {med(c_runs, 'primes_mpi_s'):.3f} s,"
          f" process {med(c_runs, 'primes_process_s'):.3f} s]")
    print(json.dumps({"cfutures": c_runs, "mpi4py": p_runs}))


if __name__ == "__main__":
    main()
