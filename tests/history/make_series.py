#!/usr/bin/env python3
"""Write a series of small synthetic cfbench results files for the
`cfbench history` CLI test (deterministic: seeded).

    make_series.py DIR N [--step AT FACTOR] [--case-step GLOB] [--seed S]
                   [--shuffle-names] [--no-created]

Files DIR/run-XXX.json, one run per hour from 2026-01-01T00:00:00Z, commit
"c000…". Two workloads (primes, noop), modes seq and thread (w2), 5
repetitions each with 2% noise. --step AT FACTOR multiplies wall_s and
cpu_s of the thread cases from run AT (0-based) on. --shuffle-names names
the files in an order other than their run order (run time must win).
"""
import argparse
import json
import os
import random

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("n", type=int)
ap.add_argument("--step", nargs=2, metavar=("AT", "FACTOR"))
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--shuffle-names", action="store_true")
ap.add_argument("--no-created", action="store_true")
a = ap.parse_args()
rng = random.Random(a.seed)
os.makedirs(a.dir, exist_ok=True)
names = list(range(a.n))
if a.shuffle_names:
    names.reverse()
for run in range(a.n):
    factor = 1.0
    if a.step and run >= int(a.step[0]):
        factor = float(a.step[1])
    cases = []
    for wl, base in (("primes", 0.5), ("noop", 0.02)):
        for mode, workers in (("seq", 1), ("thread", 2)):
            f = factor if mode == "thread" else 1.0
            reps = []
            for i in range(5):
                w = base * f * (1 + 0.02 * rng.gauss(0, 1)) / workers
                reps.append({"index": i, "wall_s": w, "cpu_s": w * workers * 1.01,
                             "throughput_tps": 20 / w})
            cases.append({"id": f"{wl}/{mode}/w{workers}", "workload": wl, "mode": mode,
                          "workers": workers, "impl": "c", "params": {"tasks": "20"},
                          "tasks": 20, "repetitions": reps, "summary": {}})
    doc = {"schema": "cfbench-results", "schema_version": 1, "complete": True,
           "interrupted": False,
           "tool": {"name": "cfbench", "version": "0.1.0", "commit": "c%011d" % run},
           "host": {"hostname": "testhost", "cpus": 2, "cpu_model": "Test CPU"},
           "cases": cases}
    if not a.no_created:
        doc["created"] = "2026-01-%02dT%02d:00:00Z" % (1 + run // 24, run % 24)
    with open(os.path.join(a.dir, "run-%03d.json" % names[run]), "w") as fh:
        json.dump(doc, fh)
