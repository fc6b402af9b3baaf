#!/usr/bin/env python3
"""reference_python.py -- cfbench's reference runner: the same sweep, run by
Python's own concurrent.futures (stdlib only; written for cfbench).

`cfbench run --reference python` writes a *plan* (JSON) on this script's
stdin and merges the cases it prints on stdout into the results JSON, marked
impl "python". The plan carries the exact task inputs the C run used (the
numbers of the primes set, each loiter task's sleep, the flag server URL and
country codes), so both implementations do the same work:

    {"repeat": 3, "warmup": 1, "modes": ["seq", "thread", "process", "async"],
     "workers": [2, 4],
     "workloads": [
       {"name": "primes", "params": {"set": "small", ...}, "numbers": [2, 3, ...]},
       {"name": "loiter", "params": {...}, "sleeps": [0.0, 0.1, ...]},
       {"name": "noop",   "params": {...}, "tasks": 10000},
       {"name": "flags",  "params": {...}, "base_url": "http://127.0.0.1:8001/flags",
        "codes": ["CN", "IN", ...], "timeout_s": 10.0}]}

Modes: seq is a plain loop; thread is ThreadPoolExecutor(max_workers=N);
process is ProcessPoolExecutor(max_workers=N) (fork, the Linux default); all
submit every task, then collect the results with as_completed. async runs
only loiter (asyncio.sleep, at most N at once): the stdlib has no asyncio
HTTP client, and CPU-bound work on an event loop just blocks it (the C run
shows that), so those async cases are left out, with a notice on stderr.

Output (stdout, one JSON document):
    {"schema": "cfbench-reference", "impl": "python", "python": "3.11.2",
     "cases": [ <case as in docs/results-schema.md, impl "python"> ... ]}
Each repetition also carries "values": every task's answer in input order
(primes: [n, is_prime]; loiter: i*10; noop: null; flags: [status, bytes]).
flags with params.meta "true" is the book's flags3: metadata.json after each
flag, saved as {Country_Name}.gif; bytes count both bodies.
so cfbench can check them with the C workload's own checker (it fills
check_failures and drops "values"). Speedups are against the python seq case.

Exit status: 0, or 2 on a bad plan (one line on stderr).
"""

import asyncio
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed

# ---- the tasks: each returns (value, start, end) on the monotonic clock ----


def is_prime(n):
    """Fluent Python's is_prime: trial division by odd numbers up to isqrt(n)."""
    if n < 2:
        return False
    if n == 2:
        return True
    if n % 2 == 0:
        return False
    root = math.isqrt(n)
    for i in range(3, root + 1, 2):
        if n % i == 0:
            return False
    return True


def task_primes(n):
    t0 = time.monotonic()
    v = [n, is_prime(n)]
    return v, t0, time.monotonic()


def task_loiter(arg):
    i, seconds = arg
    t0 = time.monotonic()
    if seconds > 0:
        time.sleep(seconds)
    return i * 10, t0, time.monotonic()


def task_noop(_arg):
    t = time.monotonic()
    return None, t, t


def task_flag(arg):
    """Download {base}/{cc}/{cc}.gif; 404 is NOT_FOUND, any other failure is
    an error (raised: the future fails, as a failed C task). With meta (the
    book's flags3) then {base}/{cc}/metadata.json, and the flag is saved as
    {country}.gif, spaces as underscores (as the C workload names it)."""
    base, cc, timeout, dest, meta = arg
    t0 = time.monotonic()
    url = f"{base}/{cc.lower()}/{cc.lower()}.gif"
    name = f"{cc.upper()}.gif"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body = resp.read()
        nbytes = len(body)
        if meta:
            murl = f"{base}/{cc.lower()}/metadata.json"
            with urllib.request.urlopen(murl, timeout=timeout) as resp:
                mbody = resp.read()
            nbytes += len(mbody)
            country = json.loads(mbody)["country"]
            name = "".join("_" if c in " /\\" or ord(c) < 32 or ord(c) == 127 else c for c in country)
            name = ("_" + name[1:] if name.startswith(".") else name) + ".gif"
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return ["not_found", 0], t0, time.monotonic()
        raise
    if dest:
        path = os.path.join(dest, name)
        with open(path + ".tmp", "wb") as f:
            f.write(body)
        os.replace(path + ".tmp", path)
    return ["ok", nbytes], t0, time.monotonic()


def classify(workload, value):
    if workload == "primes":
        return "prime" if value[1] else "composite"
    if workload == "flags":
        return value[0]
    return "ok"


def payload_bytes(workload, value):
    return value[1] if workload == "flags" and value[0] == "ok" else 0


# ---- one repetition ----------------------------------------------------------


def run_pool(executor_cls, workers, fn, args):
    outs = [None] * len(args)
    with executor_cls(max_workers=workers) as ex:
        t0 = time.monotonic()
        futs = {ex.submit(fn, a): i for i, a in enumerate(args)}
        for f in as_completed(futs):
            i = futs[f]
            try:
                outs[i] = ("ok", f.result())
            except Exception as e:  # the task failed: counted as an error
                outs[i] = ("error", repr(e))
        wall = time.monotonic() - t0
    return t0, wall, outs


def run_seq(fn, args):
    outs = []
    t0 = time.monotonic()
    for a in args:
        try:
            outs.append(("ok", fn(a)))
        except Exception as e:
            outs.append(("error", repr(e)))
    return t0, time.monotonic() - t0, outs


async def _loiter_async(args, workers):
    sem = asyncio.Semaphore(workers)

    async def one(arg):
        async with sem:
            i, seconds = arg
            t = time.monotonic()
            await asyncio.sleep(seconds)
            return i * 10, t, time.monotonic()

    t0 = time.monotonic()
    res = await asyncio.gather(*(one(a) for a in args), return_exceptions=True)
    wall = time.monotonic() - t0
    outs = [("error", repr(r)) if isinstance(r, BaseException) else ("ok", r) for r in res]
    return t0, wall, outs


def run_async(workload, args, workers):
    if workload != "loiter":
        raise ValueError("no async mode for " + workload)
    return asyncio.run(_loiter_async(args, workers))


def rusage():
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s, c


def percentile(sorted_xs, p):
    if not sorted_xs:
        return None
    k = max(0, min(len(sorted_xs) - 1, math.ceil(p / 100.0 * len(sorted_xs)) - 1))
    return sorted_xs[k]


def one_repetition(index, workload, mode, workers, fn, args):
    s0, c0 = rusage()
    if mode == "seq":
        t0, wall, outs = run_seq(fn, args)
    elif mode == "thread":
        t0, wall, outs = run_pool(ThreadPoolExecutor, workers, fn, args)
    elif mode == "process":
        t0, wall, outs = run_pool(ProcessPoolExecutor, workers, fn, args)
    else:
        t0, wall, outs = run_async(workload, args, workers)
    s1, c1 = rusage()
    user = (s1.ru_utime - s0.ru_utime) + (c1.ru_utime - c0.ru_utime)
    sys_ = (s1.ru_stime - s0.ru_stime) + (c1.ru_stime - c0.ru_stime)
    counts, values, lat = {}, [], []
    ok = failed = nbytes = 0
    for status, out in outs:
        if status == "ok":
            value, ts, te = out
            ok += 1
            cat = classify(workload, value)
            nbytes += payload_bytes(workload, value)
            values.append(value)
            lat.append(te - ts)
        else:
            failed += 1
            cat = "error"
            values.append(None)
        counts[cat] = counts.get(cat, 0) + 1
    counts.setdefault("error", 0)  # as the C cases: failed tasks always counted
    lat.sort()
    wall = max(wall, 1e-9)
    return {
        "index": index,
        "wall_s": wall,
        "user_s": user,
        "sys_s": sys_,
        "cpu_s": user + sys_,
        "max_rss_kb": max(s1.ru_maxrss, c1.ru_maxrss),
        "ctx_voluntary": (s1.ru_nvcsw - s0.ru_nvcsw) + (c1.ru_nvcsw - c0.ru_nvcsw),
        "ctx_involuntary": (s1.ru_nivcsw - s0.ru_nivcsw) + (c1.ru_nivcsw - c0.ru_nivcsw),
        "tasks_ok": ok,
        "tasks_failed": failed,
        "counts": counts,
        "check_failures": None,
        "bytes": nbytes,
        "throughput_tps": len(args) / wall,
        "latency_s": {
            "p50": percentile(lat, 50),
            "p90": percentile(lat, 90),
            "p99": percentile(lat, 99),
            "max": lat[-1] if lat else None,
            "mean": statistics.fmean(lat) if lat else None,
        },
        "instructions": None,
        "values": values,
    }


# ---- statistics (as docs/results-schema.md) ---------------------------------


T975 = [12.706204736174703, 4.302652729749464, 3.182446305284263, 2.7764451051977987]


def median_ci95(xs):
    """95% CI of the median (results/stats.h): order statistics from n = 6,
    a t interval on the log values (raw values when one is <= 0) for
    n = 2..5, widened to contain the median; None for n = 1."""
    n = len(xs)
    s = sorted(xs)
    if n < 2:
        return None
    if n < 6:
        logs = s[0] > 0
        v = [math.log(x) for x in s] if logs else s
        m = statistics.fmean(v)
        half = T975[n - 2] * statistics.stdev(v) / math.sqrt(n)
        lo, hi = m - half, m + half
        if logs:
            lo, hi = math.exp(lo), math.exp(hi)
        med = statistics.median(s)
        return [min(lo, med), max(hi, med)]
    # largest k with P(Binom(n, 1/2) < k) <= 0.025: CI = [s[k-1], s[n-k]]
    cdf, k = 0.0, 0
    for j in range(n + 1):
        p = math.comb(n, j) / 2.0**n
        if cdf + p > 0.025:
            k = j
            break
        cdf += p
    k = max(k, 1)
    return [s[k - 1], s[n - k]]


def stats(xs):
    if not xs:
        return None
    med = statistics.median(xs)
    return {
        "n": len(xs),
        "median": med,
        "mean": statistics.fmean(xs),
        "stddev": statistics.stdev(xs) if len(xs) > 1 else 0.0,
        "mad": statistics.median([abs(x - med) for x in xs]),
        "min": min(xs),
        "max": max(xs),
        "ci95": median_ci95(xs),
    }


# ---- the plan ------------------------------------------------------------------


class PlanError(Exception):
    pass


def workload_tasks(w, flag_dir):
    name = w.get("name")
    if name == "primes":
        nums = w.get("numbers")
        if not isinstance(nums, list) or not all(isinstance(n, int) for n in nums):
            raise PlanError("primes: 'numbers' must be a list of integers")
        return task_primes, list(nums)
    if name == "loiter":
        sleeps = w.get("sleeps")
        if not isinstance(sleeps, list):
            raise PlanError("loiter: 'sleeps' must be a list of seconds")
        return task_loiter, [(i, float(s)) for i, s in enumerate(sleeps)]
    if name == "noop":
        n = w.get("tasks")
        if not isinstance(n, int) or n < 0:
            raise PlanError("noop: 'tasks' must be a count")
        return task_noop, [None] * n
    if name == "flags":
        base, codes = w.get("base_url"), w.get("codes")
        if not isinstance(base, str) or not isinstance(codes, list):
            raise PlanError("flags: 'base_url' and 'codes' are required")
        timeout = float(w.get("timeout_s", 10.0))
        meta = str(w.get("params", {}).get("meta", "false")).lower() in ("true", "1", "yes", "on")
        return task_flag, [(base.rstrip("/"), cc, timeout, flag_dir, meta) for cc in codes]
    raise PlanError(f"unknown workload '{name}'")


def run_plan(plan):
    repeat = int(plan.get("repeat", 3))
    warmup = int(plan.get("warmup", 0))
    modes = plan.get("modes", ["seq", "thread", "process"])
    workers_list = [int(w) for w in plan.get("workers", [2])]
    if repeat < 1 or warmup < 0 or not workers_list or min(workers_list) < 1:
        raise PlanError("repeat >= 1, warmup >= 0 and workers >= 1 are required")
    flag_dir = plan.get("flag_dir") or ""
    if flag_dir:
        os.makedirs(flag_dir, exist_ok=True)
    cases = []
    for w in plan.get("workloads", []):
        name = w["name"]
        w_dir = w.get("flag_dir") or flag_dir  # the workload entry's, else the plan's
        if w_dir:
            os.makedirs(w_dir, exist_ok=True)
        fn, args = workload_tasks(w, w_dir)
        params = {str(k): str(v) for k, v in (w.get("params") or {}).items()}
        plan_cases = []
        for mode in modes:
            if mode == "async" and name != "loiter":
                print(f"reference_python: no async case for {name} "
                      "(no stdlib asyncio HTTP client / CPU-bound)", file=sys.stderr)
                continue
            for nw in ([1] if mode == "seq" else workers_list):
                plan_cases.append((mode, nw))
        seq_median = None
        for mode, nw in plan_cases:
            for _ in range(warmup):
                one_repetition(0, name, mode, nw, fn, args)
            reps = [one_repetition(i, name, mode, nw, fn, args) for i in range(repeat)]
            walls = [r["wall_s"] for r in reps]
            summary = {
                "wall_s": stats(walls),
                "cpu_s": stats([r["cpu_s"] for r in reps]),
                "throughput_tps": stats([r["throughput_tps"] for r in reps]),
                "instructions_per_task": None,
            }
            med = summary["wall_s"]["median"]
            if mode == "seq":
                seq_median = med
            if seq_median is not None:
                sp = seq_median / med
                summary["speedup"] = sp
                summary["efficiency"] = sp / nw
                summary["overhead_per_task_s"] = (
                    (med * nw - seq_median) / len(args) if args else None)
            else:
                summary["speedup"] = summary["efficiency"] = None
                summary["overhead_per_task_s"] = None
            cases.append({
                "id": f"{name}/{mode}/w{nw}/python",
                "workload": name,
                "mode": mode,
                "workers": nw,
                "impl": "python",
                "params": params,
                "tasks": len(args),
                "repetitions": reps,
                "summary": summary,
            })
            print(f"reference_python: {name}/{mode}/w{nw}: median {med:.4f} s",
                  file=sys.stderr)
    return cases


def main(argv):
    if len(argv) > 1 and argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0
    try:
        if len(argv) > 1:
            with open(argv[1], encoding="utf-8") as f:
                plan = json.load(f)
        else:
            plan = json.load(sys.stdin)
        if not isinstance(plan, dict):
            raise PlanError("the plan must be a JSON object")
        cases = run_plan(plan)
    except (PlanError, ValueError, KeyError, OSError) as e:
        print(f"reference_python: bad plan: {e}", file=sys.stderr)
        return 2
    json.dump({"schema": "cfbench-reference", "impl": "python",
               "python": platform.python_version(), "cases": cases}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
