#!/usr/bin/env python3
"""Generate the hand-made results fixtures for the plots tests.

The JSON files next to this script are committed; this generator only
documents how they were made (deterministic: seeded). It models a 4-CPU
host running the default sweep: primes (CPU-bound), loiter (sleeps),
flags (HTTP downloads against the DELAY server) and noop (executor
overhead), in modes seq / thread / process / async with 1, 2, 4, 8
workers and 5 repetitions, plus a Python reference run for the
multi-file comparison.

    python3 tests/plots/make_fixture.py   # rewrites the two fixtures
"""
import json
import math
import os
import random
import statistics

HERE = os.path.dirname(os.path.abspath(__file__))
CPUS = 4
MODES = ["seq", "thread", "process", "async"]
WORKERS = [1, 2, 4, 8]
REPEAT = 5

# the 20 numbers of the book's primes fixture, with a per-task CPU cost (s)
PRIMES = [2, 142702110479723, 299593572317531, 3333333333333301, 3333333333333333,
          3333335652092209, 4444444444444423, 4444444444444444, 4444444488888889,
          5555553133149889, 5555555555555503, 5555555555555555, 6666666666666666,
          6666666666666719, 6666667141414921, 7777777536340681, 7777777777777753,
          7777777777777777, 9999999999999917, 9999999999999999]


def prime_cost(n):
    if n < 4:
        return 0.000002
    if n % 2 == 0 or n % 3 == 0 or n % 5 == 0:
        return 0.000003
    return 0.060 * math.sqrt(n) / math.sqrt(9999999999999917)


def stats(xs):
    xs = sorted(xs)
    med = statistics.median(xs)
    return {"n": len(xs), "median": med, "mean": statistics.fmean(xs),
            "stddev": statistics.stdev(xs) if len(xs) > 1 else 0.0,
            "mad": statistics.median([abs(x - med) for x in xs]),
            "min": xs[0], "max": xs[-1], "ci95": [xs[0], xs[-1]]}


def schedule(costs, workers, mode, overhead):
    """Greedy list scheduling in submit order: the first free worker takes
    the next task. async: one slot (worker 0), at most `workers` in flight."""
    free = [0.0] * workers
    out = []
    for i, c in enumerate(costs):
        w = min(range(workers), key=lambda k: (free[k], k))
        start = free[w] + overhead
        end = start + c
        free[w] = end
        out.append((i, 0 if mode in ("seq", "async") else w, start, end))
    return out


def case(rng, impl, wl, mode, workers, costs, labels, cpu_bound, overhead, timeline):
    w = 1 if mode == "seq" else workers
    # CPU-bound work cannot use more than CPUS cores (and the event loop runs
    # it inline); a GIL (python threads) serialises it.
    eff = w
    if impl == "python" and cpu_bound:
        costs = [c * 6.0 for c in costs]  # the interpreter is slower
    if cpu_bound and impl == "python" and mode == "thread":
        # the GIL time-slices the w threads: each task runs ~w times longer
        costs = [c * min(w, len(costs)) for c in costs]
    elif cpu_bound and mode == "async":
        eff = 1
    if cpu_bound and mode in ("thread", "process") and w > CPUS and \
            not (impl == "python" and mode == "thread"):
        # more workers than CPUs: the kernel time-slices them
        costs = [c * w / CPUS for c in costs]
    sched = schedule(costs, max(eff, 1), mode if mode != "async" or cpu_bound else "thread",
                     overhead)
    if mode == "async":
        sched = [(i, 0, s, e) for (i, _, s, e) in sched]
    base = max(e for (_, _, _, e) in sched)
    if wl == "noop":
        # executor overhead only: hand-off cost per task, worse with more
        # workers contending on the queue; process mode pays for the pipe
        per = {"seq": 2e-7, "thread": 4e-6 * (1 + 0.15 * (w - 1)),
               "process": 3e-5 * (1 + 0.08 * (w - 1)), "async": 1.5e-6}[mode]
        base = per * len(costs)
    if impl == "python" and mode == "thread" and cpu_bound and w > 1:
        base *= 1.0 + 0.04 * w  # GIL contention
    reps = []
    for r in range(REPEAT):
        wall = base * rng.uniform(0.97, 1.06) + rng.uniform(0, 0.0004)
        cpu = (sum(costs) if cpu_bound else 0.002 * len(costs)) * rng.uniform(1.0, 1.05)
        if mode == "process":
            cpu += 0.003 * w
        lat = sorted(e - s for (_, _, s, e) in sched)
        n = len(lat)

        jitter = rng.uniform(0.98, 1.03)

        def pct(p):
            return lat[min(n - 1, int(p * n))] * jitter
        reps.append({
            "index": r, "wall_s": round(wall, 6), "user_s": round(cpu * 0.97, 6),
            "sys_s": round(cpu * 0.03, 6), "cpu_s": round(cpu, 6),
            "max_rss_kb": 4200 + (3900 * w if mode == "process" else 64 * w),
            "ctx_voluntary": 10 + 3 * len(costs), "ctx_involuntary": rng.randint(0, 9),
            "tasks_ok": len(costs), "tasks_failed": 0, "counts": {"ok": len(costs)},
            "check_failures": 0, "bytes": 0 if wl != "flags" else 198436,
            "throughput_tps": round(len(costs) / wall, 3),
            "latency_s": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99),
                          "max": lat[-1] * jitter, "mean": statistics.fmean(lat)},
            "instructions": None})
    c = {"id": f"{wl}/{mode}/w{w}" + ("" if impl == "c" else f"/{impl}"),
         "workload": wl, "mode": mode, "workers": w, "impl": impl,
         "params": {"set": "book"} if wl == "primes" else
                   {"unit": "0.1", "tasks": "8"} if wl == "loiter" else
                   {"server": "DELAY", "count": "20"} if wl == "flags" else {"tasks": "10000"},
         "tasks": len(costs), "repetitions": reps}
    if timeline:
        c["timeline"] = {"repetition": 0, "workers": w, "tasks": [
            {"task": i, "label": labels[i], "worker": wk, "start_s": round(s, 6),
             "end_s": round(e, 6), "ok": True} for (i, wk, s, e) in sched]}
    c["summary"] = {"wall_s": stats([r["wall_s"] for r in reps]),
                    "cpu_s": stats([r["cpu_s"] for r in reps]),
                    "throughput_tps": stats([r["throughput_tps"] for r in reps]),
                    "instructions_per_task": None, "speedup": None, "efficiency": None,
                    "overhead_per_task_s": None}
    return c


def fill_speedups(cases):
    for c in cases:
        seq = [s for s in cases if s["workload"] == c["workload"] and s["mode"] == "seq"
               and s["impl"] == c["impl"]]
        if not seq:
            continue
        sm = seq[0]["summary"]["wall_s"]["median"]
        m = c["summary"]["wall_s"]["median"]
        sp = sm / m
        c["summary"]["speedup"] = round(sp, 4)
        c["summary"]["efficiency"] = round(sp / c["workers"], 4)
        c["summary"]["overhead_per_task_s"] = (m * c["workers"] - sm) / c["tasks"]


def document(impl, commit, workloads, modes, seed, created):
    rng = random.Random(seed)
    cases = []
    for wl in workloads:
        if wl == "primes":
            costs = [prime_cost(n) for n in PRIMES]
            labels = [f"n={n}" for n in PRIMES]
            cpu, ovh, tl = True, 0.00002, True
        elif wl == "loiter":
            costs = [0.1 * i for i in range(8)]
            labels = [f"loiter({i})" for i in range(8)]
            cpu, ovh, tl = False, 0.00005, True
        elif wl == "flags":
            frng = random.Random(7)
            costs = [frng.uniform(0.1, 0.5) * 0.25 for _ in range(20)]
            labels = "CN IN US ID BR PK NG BD RU JP MX PH VN ET EG DE IR TR CD FR".split()
            cpu, ovh, tl = False, 0.0003, False
        else:  # noop
            costs = [0.0000002] * 10000
            labels = [str(i) for i in range(10000)]
            cpu, ovh, tl = False, 0.000004, False
        for mode in modes:
            for w in ([1] if mode == "seq" else WORKERS):
                o = ovh
                if wl == "noop" and mode == "process":
                    o = 0.00004
                if wl == "noop" and mode == "thread":
                    o = ovh * (1 + 0.5 * (w - 1))
                cases.append(case(rng, impl, wl, mode, w, costs, labels, cpu, o, tl))
    fill_speedups(cases)
    return {
        "schema": "cfbench-results", "schema_version": 1, "complete": True,
        "interrupted": False,
        "tool": {"name": "cfbench", "version": "0.1.0", "commit": commit},
        "created": created, "finished": created.replace(":00Z", ":42Z"),
        "host": {"hostname": "bench-ci", "cpus": CPUS, "cpu_model": "AMD EPYC 7B13",
                 "kernel": "Linux 6.1.0-27-amd64", "memory_bytes": 16777216000,
                 "os": "Debian GNU/Linux 12 (bookworm)"},
        "config": {"argv": ["cfbench", "run", "--repeat", "5"], "workloads": workloads,
                   "modes": modes, "workers": WORKERS, "repeat": REPEAT, "warmup": 1,
                   "interleave": False, "seed": 1, "params": {}},
        "cases": cases}


def main():
    docs = {
        "fixture-results.json": document("c", "1a2b3c4d5e6f", ["primes", "loiter", "flags", "noop"],
                                         MODES, 1, "2026-11-22T21:00:00Z"),
        "fixture-python.json": document("python", "1a2b3c4d5e6f", ["primes", "loiter"],
                                        ["seq", "thread", "process"], 2,
                                        "2026-11-22T21:10:00Z"),
    }
    for name, doc in docs.items():
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
