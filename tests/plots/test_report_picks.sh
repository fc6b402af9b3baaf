#!/usr/bin/env bash
# test_report_picks.sh — report.html picks its stories from the data, not
# from workload names (issue 12 item 4/7; plots/plot_report.c): with
# workloads cfbench does not have,
#   - the GIL key chart is the CPU-bound workload with the heaviest tasks
#     that has a c+gil impl ("crunch", not "empty" whose tasks are empty);
#   - the executor overheads against the host floors are read from the
#     workload with the cheapest tasks ("empty"), and not at all when even
#     those do real work (their seq per-task time is above the floor);
#   - a file without bound fields still gets its crossover chart, the bound
#     settled from CPU time over wall time.
# The results documents are made here (deterministic). Env: CFBENCH,
# CFB_SOURCE_DIR.
set -u
: "${CFBENCH:?}"
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }
tmp=$(mktemp -d /tmp/cfb-report-picks-XXXXXX)
[ -n "${CFB_KEEP_TMP:-}" ] || trap 'rm -rf "$tmp"' EXIT
export CFB_PLOTS_DIR="$CFB_SOURCE_DIR/plots"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

python3 - "$tmp" <<'PY'
import json, sys
out = sys.argv[1]
def doc(per_task_empty, bounds=True):
    cases = []
    def case(wl, bound, impl, mode, w, wall, tasks, cpu_share):
        cid = f"{wl}/{mode}/w{w}" + ("" if impl == "c" else "/" + impl)
        st = lambda m: {"n": 5, "median": m, "mean": m, "min": m * 0.99, "max": m * 1.01,
                        "ci95": [m * 0.995, m * 1.005]}
        c = {"id": cid, "workload": wl, "mode": mode, "workers": w, "impl": impl,
             "params": {}, "tasks": tasks,
             "repetitions": [{"index": i, "wall_s": wall} for i in range(5)],
             "summary": {"wall_s": st(wall), "cpu_s": st(wall * cpu_share)}}
        if bounds:
            c["bound"] = bound
        cases.append(c)
    for impl in ("c", "c+gil"):
        gil = impl == "c+gil"
        # crunch: 20 tasks of 30 ms; empty: 1000 tasks of per_task_empty; nap: sleeps
        for mode, ws in (("seq", [1]), ("thread", [1, 2, 4]), ("process", [1, 2, 4])):
            for w in ws:
                sp = 1 if mode == "seq" or (gil and mode == "thread") else min(w, 2)
                case("crunch", "cpu", impl, mode, w, 0.6 / sp, 20, 1.0)
                e = per_task_empty * 1000 * (1 if mode == "seq" else 5 if mode == "thread" else 20)
                case("empty", "cpu", impl, mode, w, e, 1000, 1.0)
                case("nap", "io", impl, mode, w, 0.8 / (1 if mode == "seq" else w), 8, 0.01)
    floors = {"measured": "2026-12-07T12:00:00Z", "cached": False,
              "futex_wake": {"median_s": 1e-5}, "pipe_rt": {"median_s": 2e-5},
              "fork_exit_wait": {"median_s": 5e-4}, "http_loopback": {"median_s": 1e-4}}
    return {"schema": "cfbench-results", "schema_version": 1, "complete": True,
            "interrupted": False, "tool": {"name": "cfbench", "commit": "fixture"},
            "created": "2026-12-07T12:00:00Z",
            "host": {"hostname": "fixture", "cpus": 2, "cpu_model": "test CPU", "floors": floors},
            "config": {"argv": ["cfbench", "run", "--gil"]}, "cases": cases}
json.dump(doc(2e-7), open(out + "/a.json", "w"))            # empty tasks: 0.2 us each
json.dump(doc(2e-3), open(out + "/b.json", "w"))            # "empty" takes 2 ms: real work
json.dump(doc(2e-7, bounds=False), open(out + "/c.json", "w"))
PY

plot() { "$CFBENCH" plot "$1" --out "$2" --timelines none >"$tmp/out" 2>"$tmp/err" || bad "plot $1: exit $? $(cat "$tmp/err")"; }
plot "$tmp/a.json" "$tmp/pa"
python3 - "$tmp/pa/report.html" <<'PY' || bad "report a"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
k = h[h.index('<section id="key-charts">'):]
k = k[:k.index("</section>")]
assert "crunch under the GIL (c+gil)." in k, k[:2000]
assert "empty under the GIL" not in k
assert "compare-crunch" in k or "speedup-crunch-c+gil" in k
assert "A thread-pool task (empty, 1 worker, c)" in h
assert "A process-pool task (empty, 1 worker, c)" in h
assert "crunch, 1 worker" not in h and "nap, 1 worker" not in h
PY
plot "$tmp/b.json" "$tmp/pb"
python3 - "$tmp/pb/report.html" <<'PY' || bad "report b: an overhead read from tasks that do work"
h = open(__import__("sys").argv[1], encoding="utf-8").read()
assert '<section id="floors">' in h
assert "pool task (" not in h, "overhead rows"
assert "No case of empty tasks at 1 worker" in h
PY
plot "$tmp/c.json" "$tmp/pc"
[ -s "$tmp/pc/crossover-c.png" ] || bad "no bound fields: crossover chart from the CPU times"
grep -q '"nap thread (I/O-bound)"' "$tmp/pc/data/crossover-c.dat" &&
  grep -q '"crunch thread (CPU-bound)"' "$tmp/pc/data/crossover-c.dat" || bad "crossover picks: $(grep '^"' "$tmp/pc/data/crossover-c.dat")"

[ "$fails" = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
