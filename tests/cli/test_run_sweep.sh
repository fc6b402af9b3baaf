#!/usr/bin/env bash
# A small sweep through the CLI writes a results JSON with every field and sane
# numbers; the path is printed on stdout; --interleave and --no-measure work.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

out="$tmp/r.json"
"$CFBENCH" run --workload primes,loiter,noop --mode seq,thread,process --workers 1,2 \
    --repeat 3 --warmup 1 --param set=small --param loiter.unit=0.002 --param loiter.tasks=6 \
    --param loiter.pattern=ramp \
    --param noop.tasks=300 --out "$out" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ "$rc" = 0 ] || { fail "sweep exit $rc"; cat "$tmp/stderr"; }
[ "$(cat "$tmp/stdout")" = "$out" ] || fail "stdout is not the results path: $(cat "$tmp/stdout")"
grep -q '^\[15/15\] noop/process/w2' "$tmp/stderr" || { fail "no per-case progress lines"; cat "$tmp/stderr"; }

if command -v python3 >/dev/null; then
python3 - "$out" "$tmp/stderr" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
errs = []
def need(o, keys, where):
    for k in keys:
        if k not in o: errs.append(f"{where}: missing {k}")
need(d, ["schema", "schema_version", "complete", "interrupted", "tool", "created", "finished",
         "host", "config", "cases"], "top")
assert d["schema"] == "cfbench-results" and d["schema_version"] == 1
if not d["complete"] or d["interrupted"]: errs.append("not complete")
need(d["host"], ["hostname", "cpus", "cpu_model", "kernel", "memory_bytes", "os"], "host")
need(d["config"], ["argv", "workloads", "modes", "workers", "repeat", "warmup", "interleave",
                   "seed", "params"], "config")
if d["config"]["workers"] != [1, 2]: errs.append("config.workers")
ids = [c["id"] for c in d["cases"]]
if len(ids) != 15 or len(set(ids)) != 15: errs.append(f"cases {ids}")
for c in d["cases"]:
    w = c["id"]
    need(c, ["id", "workload", "mode", "workers", "impl", "params", "tasks", "repetitions",
             "timeline", "summary"], w)
    if len(c["repetitions"]) != 3: errs.append(f"{w}: reps")
    for i, r in enumerate(c["repetitions"]):
        need(r, ["index", "wall_s", "user_s", "sys_s", "cpu_s", "max_rss_kb", "ctx_voluntary",
                 "ctx_involuntary", "tasks_ok", "tasks_failed", "counts", "check_failures",
                 "bytes", "throughput_tps", "latency_s", "instructions"], f"{w} rep {i}")
        if r["index"] != i: errs.append(f"{w}: index")
        if not (0 < r["wall_s"] < 30): errs.append(f"{w}: wall {r['wall_s']}")
        if r["user_s"] < 0 or r["sys_s"] < 0 or abs(r["cpu_s"] - r["user_s"] - r["sys_s"]) > 1e-6:
            errs.append(f"{w}: cpu")
        if r["max_rss_kb"] <= 0: errs.append(f"{w}: rss")
        if r["tasks_ok"] != c["tasks"] or r["tasks_failed"] != 0 or r["check_failures"] != 0:
            errs.append(f"{w}: task counts {r}")
        if sum(r["counts"].values()) != c["tasks"]: errs.append(f"{w}: counts")
        if r["instructions"] is not None and r["instructions"] <= 0: errs.append(f"{w}: instructions 0")
        l = r["latency_s"]
        if not (0 <= l["p50"] <= l["p90"] <= l["p99"] <= l["max"]): errs.append(f"{w}: latency")
        if abs(r["throughput_tps"] - c["tasks"] / r["wall_s"]) > 1e-6 * r["throughput_tps"]:
            errs.append(f"{w}: tps")
    if c["workload"] == "primes" and c["repetitions"][0]["counts"] != {"prime": 9, "composite": 11, "error": 0}:
        errs.append(f"{w}: primes counts {c['repetitions'][0]['counts']}")
    if c["workload"] == "loiter":
        # 6 tasks sleeping 0..5 x 2 ms: at least the longest, 10 ms
        if c["summary"]["wall_s"]["min"] < 0.010: errs.append(f"{w}: loiter too fast")
    t = c["timeline"]
    if len(t["tasks"]) != c["tasks"]: errs.append(f"{w}: timeline size")
    for e in t["tasks"]:
        if not (0 <= e["worker"] < c["workers"]): errs.append(f"{w}: worker slot {e['worker']}")
        if not (0 <= e["start_s"] <= e["end_s"] <= max(x["wall_s"] for x in c["repetitions"]) + 1e-3):
            errs.append(f"{w}: timeline times {e}")
    s = c["summary"]
    for k in ["wall_s", "cpu_s", "throughput_tps"]:
        need(s[k], ["n", "median", "mean", "stddev", "mad", "min", "max", "ci95"], f"{w} {k}")
        ci = s[k]["ci95"]
        if s[k]["n"] == 1:
            if ci is not None: errs.append(f"{w}: {k} ci95 at n = 1 should be null")
        elif not (s[k]["min"] <= s[k]["median"] <= s[k]["max"] and ci[0] <= s[k]["median"] <= ci[1]):
            errs.append(f"{w}: {k} stats order")
        elif s[k]["n"] >= 6 and not (s[k]["min"] <= ci[0] and ci[1] <= s[k]["max"]):
            errs.append(f"{w}: {k} order-statistic ci95 outside [min, max]")
    if c["mode"] == "seq" and abs(s["speedup"] - 1) > 1e-9: errs.append(f"{w}: seq speedup")
    if s["speedup"] is None or s["efficiency"] is None or s["overhead_per_task_s"] is None:
        errs.append(f"{w}: speedup null")
    elif abs(s["efficiency"] - s["speedup"] / c["workers"]) > 1e-9: errs.append(f"{w}: efficiency")
# issue 11: context and noise guard, field by field
need(d, ["build", "noise"], "top")
h = d["host"]
need(h, ["cpus_allowed", "cpu_list", "cpu_mhz", "cpu_governor", "caches"], "host")
if not (isinstance(h["cpus_allowed"], int) and 1 <= h["cpus_allowed"] <= h["cpus"]):
    errs.append(f"host.cpus_allowed {h['cpus_allowed']} (cpus {h['cpus']})")
def list_count(s):
    n = 0
    for part in s.split(","):
        a, _, b = part.partition("-")
        n += int(b or a) - int(a) + 1
    return n
if not isinstance(h["cpu_list"], str) or list_count(h["cpu_list"]) != h["cpus_allowed"]:
    errs.append(f"host.cpu_list {h['cpu_list']!r} vs cpus_allowed {h['cpus_allowed']}")
if h["cpu_mhz"] is not None and not (isinstance(h["cpu_mhz"], (int, float)) and 10 < h["cpu_mhz"] < 100000):
    errs.append(f"host.cpu_mhz {h['cpu_mhz']}")
if h["cpu_governor"] is not None and not isinstance(h["cpu_governor"], str): errs.append("host.cpu_governor")
if not isinstance(h["caches"], list): errs.append("host.caches")
for k in h["caches"]:
    if k.get("type") not in ("Data", "Instruction", "Unified") or not isinstance(k.get("level"), int) \
            or k["level"] < 1 or not isinstance(k.get("size"), int) or k["size"] <= 0 \
            or "num_sharing" not in k or not (k["num_sharing"] is None or k["num_sharing"] >= 1):
        errs.append(f"host.caches entry {k}")
b = d["build"]
need(b, ["compiler", "c_flags", "build_type", "sanitizers"], "build")
import re
if not re.match(r"^\S+ \d+(\.\d+)*$", b["compiler"]): errs.append(f"build.compiler {b['compiler']!r}")
if "-Wall" not in b["c_flags"] or not b["build_type"] or not isinstance(b["sanitizers"], str):
    errs.append(f"build {b}")
n = d["noise"]
need(n, ["load_avg_before", "load_avg_after", "steal_pct", "steal_pct_before", "warnings"], "noise")
for k in ["load_avg_before", "load_avg_after"]:
    v = n[k]
    if v is not None and not (len(v) == 3 and all(isinstance(x, (int, float)) and x >= 0 for x in v)):
        errs.append(f"noise.{k} {v}")
for k in ["steal_pct", "steal_pct_before"]:
    if n[k] is not None and not (0 <= n[k] <= 100): errs.append(f"noise.{k} {n[k]}")
if "test_override" in n: errs.append("noise.test_override without the knob")
if not all(isinstance(w, str) and "\n" not in w for w in n["warnings"]): errs.append("noise.warnings")
printed = [l[len("cfbench: warning: "):] for l in open(sys.argv[2]).read().splitlines()
           if l.startswith("cfbench: warning: ")]
if printed != n["warnings"]: errs.append(f"stderr warnings {printed} != noise.warnings {n['warnings']}")
for c in d["cases"]:
    for k in ["wall_s", "cpu_s", "throughput_tps"]:
        o = c["summary"][k].get("outliers")
        if not (isinstance(o, int) and 0 <= o <= len(c["repetitions"])): errs.append(f"{c['id']}: {k}.outliers {o}")
    o = c["summary"]["wall_s"]["outliers"]
    has = any(w.startswith(f"case {c['id']}: {o} of 3 repetitions are outliers") for w in n["warnings"])
    if has != (o > 0): errs.append(f"{c['id']}: {o} outliers, warning {has}")
# process w2 uses two slots on the loiter workload (6 tasks, 2 workers)
lw = [c for c in d["cases"] if c["id"] == "loiter/thread/w2"][0]
if sorted({e["worker"] for e in lw["timeline"]["tasks"]}) != [0, 1]: errs.append("loiter/thread/w2 slots")
for e in errs: print("FAIL:", e)
sys.exit(1 if errs else 0)
PY
else
    echo "python3 not found: field checks left to tests/runner/test_sweep.c"
fi

# --interleave with a seed, and --no-measure (no per-task records)
"$CFBENCH" run -w noop,loiter -m seq,thread -j 2 -r 2 --warmup 0 --interleave --seed 7 \
    -p noop.tasks=100 -p loiter.unit=0.001 --no-measure -q -o "$tmp/i.json" >/dev/null 2>"$tmp/err2" \
    || { fail "interleaved run"; cat "$tmp/err2"; }
[ -s "$tmp/err2" ] && fail "--quiet printed: $(cat "$tmp/err2")"
if command -v python3 >/dev/null; then
python3 - "$tmp/i.json" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] and d["config"]["interleave"] and d["config"]["seed"] == 7, "config"
assert len(d["cases"]) == 4, "cases"
for c in d["cases"]:
    assert len(c["repetitions"]) == 2, c["id"]
    for r in c["repetitions"]:
        assert r["latency_s"] is None and r["instructions"] is None and r["user_s"] is None, c["id"]
    assert "timeline" not in c, c["id"]
PY
fi
echo "$fails failures"
[ "$fails" = 0 ]
