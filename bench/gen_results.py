#!/usr/bin/env python3
"""Synthetic cfbench results files for `cfbench compare` scale tests.

Writes a valid "cfbench-results" document (docs/results-schema.md) with
CASES cases of REPS repetitions each, every case shaped like the runner's
(per-repetition wall/cpu/throughput/latency fields, a summary), optionally
with a per-task `timeline` of TIMELINE tasks per case (what makes real
results files big). Cases come in groups: one seq case and three pool cases
(thread/w2, thread/w4, process/w2) per (workload, set), so the seq-derived
metrics (speedup, cpucost, ...) have their reference.

  bench/gen_results.py --cases 2000 --reps 10 --seed 1 -o base.json
  bench/gen_results.py --cases 2000 --reps 10 --seed 2 --slowdown 0.1 -o new.json
  bench/gen_results.py --cases 400 --timeline 5000 -o big.json   # ~200 MB

The values are lognormal around a per-case level (same level for the same
case index on both sides), with --noise as the sigma; --slowdown multiplies
the walls and CPU times of every --slow-every-th pool case. Outputs are
scratch files: nothing here is committed.
"""
import argparse
import json
import math
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--timeline", type=int, default=0, help="tasks per case timeline (0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--noise", type=float, default=0.02, help="lognormal sigma of each value")
    ap.add_argument("--slowdown", type=float, default=0.0)
    ap.add_argument("--slow-every", type=int, default=10)
    ap.add_argument("-o", "--out", default="-")
    a = ap.parse_args()
    if a.cases < 1 or a.reps < 1 or a.timeline < 0:
        sys.exit("gen_results.py: --cases and --reps must be >= 1, --timeline >= 0")
    rnd = random.Random(a.seed)
    level_rnd = random.Random(12345)  # same levels on both sides
    modes = [("seq", 1), ("thread", 2), ("thread", 4), ("process", 2)]
    out = sys.stdout if a.out == "-" else open(a.out, "w")
    out.write('{"schema": "cfbench-results", "schema_version": 1, "complete": true,'
              ' "interrupted": false, "tool": {"name": "cfbench", "version": "synthetic",'
              ' "commit": "synthetic%d"}, "created": "2024-01-01T00:00:00Z",'
              ' "host": {"hostname": "synthetic", "cpus": 2, "cpu_model": "synthetic CPU"},'
              ' "config": {"repetitions": %d}, "cases": [\n' % (a.seed, a.reps))
    for i in range(a.cases):
        group, k = divmod(i, len(modes))
        mode, workers = modes[k]
        wl = "w%d" % (group % 7)
        params = {"set": "s%d" % group}
        tasks = 20
        level = 0.01 * math.exp(level_rnd.uniform(0, 3)) / (workers if mode != "seq" else 1)
        slow = 1.0 + (a.slowdown if mode != "seq" and i % a.slow_every == 1 else 0.0)
        reps, walls = [], []
        for r in range(a.reps):
            wall = level * slow * math.exp(rnd.gauss(0, a.noise))
            cpu = wall * workers * 0.95
            walls.append(wall)
            reps.append({"index": r, "wall_s": wall, "user_s": cpu, "sys_s": 0.0, "cpu_s": cpu,
                         "max_rss_kb": 13000, "ctx_voluntary": 0, "ctx_involuntary": 5,
                         "tasks_ok": tasks, "tasks_failed": 0, "counts": {"ok": tasks},
                         "check_failures": 0, "bytes": 0, "throughput_tps": tasks / wall,
                         "latency_s": {"p50": wall / tasks, "p90": wall / tasks * 1.5,
                                       "p99": wall / tasks * 2, "max": wall / tasks * 2.1,
                                       "mean": wall / tasks},
                         "latency_sample_every": 1, "instructions": None})
        walls.sort()
        med = walls[len(walls) // 2]
        case = {"id": "%s/%s/w%d" % (wl, mode, workers), "workload": wl, "mode": mode,
                "workers": workers, "impl": "c", "params": params, "tasks": tasks,
                "repetitions": reps,
                "summary": {"wall_s": {"n": a.reps, "median": med, "mean": med, "stddev": 0.0,
                                       "mad": 0.0, "min": walls[0], "max": walls[-1],
                                       "ci95": [walls[0], walls[-1]]}}}
        if a.timeline:
            per = level / a.timeline
            case["timeline"] = {"repetition": 0, "workers": workers, "tasks": [
                {"task": t, "label": "n=%d" % t, "worker": t % workers,
                 "start_s": round(t * per, 9), "end_s": round((t + 1) * per, 9), "ok": True}
                for t in range(a.timeline)]}
        out.write(json.dumps(case))
        out.write(",\n" if i + 1 < a.cases else "\n")
    out.write("]}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
