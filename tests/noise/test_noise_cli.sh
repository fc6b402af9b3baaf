#!/usr/bin/env bash
# The noise guard end to end (issue 11): --workers auto under taskset, the
# context fields, the warnings on stderr and in noise.warnings (-q: file
# only), a known outlier repetition, and compare's warning on files from
# different CPU models. Deterministic: the load/steal/governor readings and
# the outlier come from the test-only CFB_TEST_NOISE knob (runners/context.h).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 0; }
QUIET_HOST="load=0,steal=0,steal_before=0,governor=performance"

# --- --workers auto follows the affinity mask ---------------------------------
# (noop is CPU-bound: its ladder is powers of two up to 2 x the allowed CPUs)
if command -v taskset >/dev/null; then
    CFB_TEST_NOISE=$QUIET_HOST taskset -c 0 "$CFBENCH" run -w noop -m thread -j auto -r 2 --warmup 0 \
        -p noop.tasks=50 -q -o "$tmp/aff.json" >/dev/null 2>"$tmp/err" || { fail "taskset run"; cat "$tmp/err"; }
    python3 - "$tmp/aff.json" "$(getconf _NPROCESSORS_ONLN)" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1])); online = int(sys.argv[2])
h = d["host"]
errs = []
if d["config"]["workers"] != [1, 2]: errs.append(f"config.workers {d['config']['workers']}, want [1, 2]")
if [c["workers"] for c in d["cases"]] != [1, 2]: errs.append("cases are not thread/w1, w2 only")
if h["cpus_allowed"] != 1: errs.append(f"cpus_allowed {h['cpus_allowed']}")
if h["cpu_list"] != "0": errs.append(f"cpu_list {h['cpu_list']}")
if h["cpus"] != online: errs.append(f"cpus {h['cpus']} is not the online count {online}")
for e in errs: print("FAIL:", e)
sys.exit(1 if errs else 0)
PY
else
    echo "taskset not found: affinity check skipped"
fi
# and without taskset: auto ends at twice the allowed count
CFB_TEST_NOISE=$QUIET_HOST "$CFBENCH" run -w noop -m thread -j auto -r 1 --warmup 0 -p noop.tasks=20 -q \
    -o "$tmp/all.json" >/dev/null 2>&1 || fail "auto run"
python3 - "$tmp/all.json" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
n = d["host"]["cpus_allowed"]
assert d["config"]["workers"][-1] == 2 * n, (d["config"]["workers"], n)
assert n in d["config"]["workers"], (d["config"]["workers"], n)
PY

# --- a noisy host (faked): every warning, on stderr and in the file -----------
NOISY="load=99,steal=50,steal_before=40,governor=powersave"
CFB_TEST_NOISE=$NOISY "$CFBENCH" run -w noop -m seq -r 3 --warmup 0 -p noop.tasks=20 \
    -o "$tmp/noisy.json" >/dev/null 2>"$tmp/noisy.err" || { fail "noisy run"; cat "$tmp/noisy.err"; }
python3 - "$tmp/noisy.json" "$tmp/noisy.err" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
err = open(sys.argv[2]).read().splitlines()
errs = []
n = d["noise"]
if n["load_avg_before"] != [99, 99, 99] or n["load_avg_after"] != [99, 99, 99]: errs.append(f"load {n}")
if n["steal_pct"] != 50 or n["steal_pct_before"] != 40: errs.append(f"steal {n}")
if n.get("test_override") is not True: errs.append("test_override not marked")
if d["host"]["cpu_governor"] != "powersave": errs.append("governor")
w = n["warnings"]
printed = [l[len("cfbench: warning: "):] for l in err if l.startswith("cfbench: warning: ")]
if printed != w: errs.append(f"stderr warnings {printed} != noise.warnings {w}")
want = ["load average 99.00 (1 min) before the run is above the %d CPU" % d["host"]["cpus_allowed"],
        "CPU steal 40.0% in the 0.2 s before the run",
        "CPU frequency governor is 'powersave', not 'performance'",
        "CPU steal 50.0% during the run"]
for x in want:
    if not any(s.startswith(x) for s in w): errs.append(f"missing warning '{x}…' in {w}")
# order: the before-run warnings first, steal over the run last
if w and not w[-1].startswith("CPU steal 50.0% during"): errs.append(f"last warning {w[-1]}")
# the build warning follows the build
b = d["build"]
for k in ["compiler", "c_flags", "build_type", "sanitizers"]:
    if not isinstance(b.get(k), str): errs.append(f"build.{k}")
has_b = any("sanitizer build" in s for s in w)
if bool(b["sanitizers"]) != has_b: errs.append(f"sanitizer warning {has_b} for sanitizers '{b['sanitizers']}'")
for e in errs: print("FAIL:", e)
sys.exit(1 if errs else 0)
PY
# the warnings are single lines
[ "$(grep -c '^cfbench: warning: ' "$tmp/noisy.err")" -ge 4 ] || fail "fewer than 4 warning lines"

# -q: nothing on the terminal, the same warnings in the file
CFB_TEST_NOISE=$NOISY "$CFBENCH" run -w noop -m seq -r 3 --warmup 0 -p noop.tasks=20 -q \
    -o "$tmp/noisy-q.json" >/dev/null 2>"$tmp/q.err" || fail "noisy -q run"
[ -s "$tmp/q.err" ] && fail "-q printed: $(cat "$tmp/q.err")"
python3 - "$tmp/noisy-q.json" <<'PY' || fails=$((fails+1))
import json, sys
w = json.load(open(sys.argv[1]))["noise"]["warnings"]
assert sum(s.startswith(("load average 99", "CPU steal", "CPU frequency governor")) for s in w) == 4, w
PY

# --- a quiet host (faked): none of those warnings -------------------------------
CFB_TEST_NOISE=$QUIET_HOST "$CFBENCH" run -w noop -m seq -r 3 --warmup 0 -p noop.tasks=20 \
    -o "$tmp/quiet.json" >/dev/null 2>"$tmp/quiet.err" || fail "quiet run"
python3 - "$tmp/quiet.json" <<'PY' || fails=$((fails+1))
import json, sys
w = json.load(open(sys.argv[1]))["noise"]["warnings"]
bad = [s for s in w if s.startswith(("load average", "CPU steal", "CPU frequency governor"))]
assert not bad, bad
PY
grep -q "load average\|CPU steal\|governor" "$tmp/quiet.err" && fail "quiet host warned: $(cat "$tmp/quiet.err")"

# --- a known outlier: repetition 2 of every case sleeps 0.3 s -----------------------
CFB_TEST_NOISE="$QUIET_HOST,slow_rep=2:0.3" "$CFBENCH" run -w loiter -m seq -r 7 --warmup 0 \
    -p loiter.tasks=2 -p loiter.unit=0.002 -o "$tmp/out.json" >/dev/null 2>"$tmp/out.err" \
    || { fail "outlier run"; cat "$tmp/out.err"; }
python3 - "$tmp/out.json" "$tmp/out.err" <<'PY' || fails=$((fails+1))
import json, re, sys
d = json.load(open(sys.argv[1])); err = open(sys.argv[2]).read()
c = d["cases"][0]
errs = []
walls = [r["wall_s"] for r in c["repetitions"]]
if not walls[2] >= 0.3: errs.append(f"repetition 2 not slowed: {walls}")
n = c["summary"]["wall_s"]["outliers"]
if n < 1: errs.append(f"summary.wall_s.outliers {n}")
msg = f"case loiter/seq/w1: {n} of 7 repetitions are outliers (wall time, |modified z| > 3.5)"
if not any(s.startswith(msg) for s in d["noise"]["warnings"]): errs.append(f"no '{msg}' in {d['noise']['warnings']}")
if "cfbench: warning: " + msg not in err: errs.append("outlier warning not on stderr")
for k in ["cpu_s", "throughput_tps"]:
    if not isinstance(c["summary"][k]["outliers"], int): errs.append(f"{k}.outliers")
for e in errs: print("FAIL:", e)
sys.exit(1 if errs else 0)
PY

# --- compare: files from different CPU models / CPU counts ------------------------
python3 - "$tmp/quiet.json" "$tmp/other.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["host"]["cpu_model"] = "Imaginary CPU 9000"
d["host"]["cpus_allowed"] = d["host"]["cpus_allowed"] + 3
json.dump(d, open(sys.argv[2], "w"))
PY
"$CFBENCH" compare "$tmp/quiet.json" "$tmp/quiet.json" --fail-on never >"$tmp/same.txt" 2>"$tmp/same.err" \
    || fail "compare same: exit $?"
grep -q "warning" "$tmp/same.err" "$tmp/same.txt" && fail "same host warned: $(cat "$tmp/same.err")"
"$CFBENCH" compare "$tmp/quiet.json" "$tmp/other.json" --fail-on never >"$tmp/c.txt" 2>"$tmp/c.err" \
    || fail "compare other: exit $?"
[ "$(grep -c '^cfbench compare: warning: ' "$tmp/c.err")" = 2 ] || { fail "want 2 warning lines"; cat "$tmp/c.err"; }
grep -q "^cfbench compare: warning: BASE and NEW come from different CPU models (.*Imaginary CPU 9000')" "$tmp/c.err" \
    || fail "cpu model warning: $(cat "$tmp/c.err")"
grep -q "^cfbench compare: warning: BASE and NEW ran with different numbers of usable CPUs" "$tmp/c.err" \
    || fail "cpu count warning"
grep -q "^warning: BASE and NEW come from different CPU models" "$tmp/c.txt" || fail "text report note"
"$CFBENCH" compare "$tmp/quiet.json" "$tmp/other.json" --fail-on never -f markdown >"$tmp/c.md" 2>/dev/null
grep -q '^> \*\*Warning:\*\* BASE and NEW come from different CPU models' "$tmp/c.md" || fail "markdown note"
"$CFBENCH" compare "$tmp/quiet.json" "$tmp/other.json" --fail-on never -f json >"$tmp/c.json" 2>/dev/null
python3 - "$tmp/c.json" <<'PY' || fails=$((fails+1))
import json, sys
w = json.load(open(sys.argv[1]))["context_warnings"]
assert len(w) == 2 and "Imaginary CPU 9000" in w[0] and "usable CPUs" in w[1], w
PY
echo "$fails failures"
[ "$fails" = 0 ]
