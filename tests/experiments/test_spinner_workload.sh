#!/usr/bin/env bash
# The `spinner` workload in a sweep: every case records the workload's own
# measure (metric_name "largest_gap_s", a `metric` per repetition,
# summary.metric), and the lessons that hold by construction: with one
# worker (seq, thread/process/async w1) the spinner runs after the
# computation, and in async mode a blocking computation runs on the loop
# thread, so no tick lands inside the computation and the largest gap is at
# least the computation's 0.2 s. The spinner is opt-in: a plain `cfbench
# run` (no --workload) does not sweep it.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
command -v python3 >/dev/null || { echo "python3 not found: skipped"; exit 0; }

"$CFBENCH" run -q -w spinner -m seq,thread,process,async -j 1,2 --impl c,c+gil -r 2 --warmup 0 \
    -p spinner.work=block -p spinner.seconds=0.2 -p spinner.interval=0.02 -o "$tmp/s.json" \
    >/dev/null 2>"$tmp/e" || { fail "run: exit $?"; cat "$tmp/e"; }
python3 - "$tmp/s.json" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
ids = [c["id"] for c in d["cases"]]
if len(ids) != 14: bad.append(f"want 14 cases, got {ids}")
for c in d["cases"]:
    if c.get("error"): bad.append(f"{c['id']}: error {c['error']}"); continue
    if c.get("metric_name") != "largest_gap_s": bad.append(f"{c['id']}: metric_name {c.get('metric_name')}")
    for r in c["repetitions"]:
        m = r.get("metric")
        if not isinstance(m, float): bad.append(f"{c['id']} rep {r['index']}: metric {m}"); continue
        if r["counts"] != {"computation": 1, "spinner": 1, "error": 0}: bad.append(f"{c['id']}: counts {r['counts']}")
        if r["check_failures"]: bad.append(f"{c['id']}: {r.get('first_problem')}")
        # never beyond the repetition (the gap lies inside the computation)
        if m > r["wall_s"] + 1e-6: bad.append(f"{c['id']}: gap {m} > wall {r['wall_s']}")
        frozen = c["workers"] == 1 or c["mode"] == "async"
        if frozen and m < 0.2: bad.append(f"{c['id']}: gap {m} < 0.2 s, yet nothing could tick meanwhile")
    s = c["summary"].get("metric")
    if not isinstance(s, dict) or s.get("n") != len(c["repetitions"]): bad.append(f"{c['id']}: summary.metric {s}")
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY

# export: a metric column when (and only when) some case has a metric
"$CFBENCH" export "$tmp/s.json" --format csv >"$tmp/s.csv" || fail "export csv"
head -1 "$tmp/s.csv" | tr -d '\r' | grep -q ',latency_mean_s,metric_name,metric$' || fail "csv header: $(head -1 "$tmp/s.csv")"
[ "$(grep -c ',largest_gap_s,[0-9.e-]*.$' "$tmp/s.csv")" = 28 ] || fail "csv: want 28 rows with a gap"
"$CFBENCH" export "$tmp/s.json" --format markdown | grep -q '| median metric |$' || fail "markdown: no metric column"

# the metric is charted against workers, one line per mode (cfbench plot;
# data files only, so no gnuplot is needed: CFB_GNUPLOT names a missing one)
CFB_GNUPLOT=/nonexistent "$CFBENCH" plot "$tmp/s.json" --out "$tmp/plots" >/dev/null 2>&1
d="$tmp/plots/data/metric-spinner-c+gil.dat"
if [ -f "$d" ]; then
    head -1 "$d" | grep -q 'largest_gap_s vs workers' || fail "metric chart: header"
    for m in thread async; do grep -q "^\"$m\"" "$d" || fail "metric chart: no $m block"; done
    grep -q 'largest_gap_s vs workers - spinner (c+gil)' "$tmp/plots/data/replot.sh" ||
        fail "metric chart: not planned in replot.sh"
else
    fail "metric chart: no $d"; ls "$tmp/plots/data" 2>&1 | head
fi

# other workloads carry no metric
"$CFBENCH" run -q -w noop -m seq -j 1 -r 1 --warmup 0 -p noop.tasks=10 -o "$tmp/n.json" >/dev/null 2>&1 || fail "noop run"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["cases"][0]
sys.exit(1 if "metric_name" in c or "metric" in c["repetitions"][0] or "metric" in c["summary"] else 0)' "$tmp/n.json" ||
    fail "noop has metric fields"
"$CFBENCH" export "$tmp/n.json" --format csv | head -1 | grep -q metric && fail "noop csv has a metric column"

# opt-in: listed, but not in the default sweep
"$CFBENCH" list | grep -q '^  spinner ' || fail "cfbench list: no spinner"
"$CFBENCH" run -q -m seq -j 1 -r 1 --warmup 0 -p noop.tasks=1 -p loiter.tasks=1 -p loiter.unit=0 \
    -p primes.set=small -p flags.limit=1 -o "$tmp/all.json" >/dev/null 2>"$tmp/e" || { fail "default sweep"; cat "$tmp/e"; }
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(1 if "spinner" in d["config"]["workloads"] else 0)' "$tmp/all.json" || fail "the default sweep includes spinner"
# a bad number is a usage error before the sweep
"$CFBENCH" run -q -w spinner -m seq -p spinner.number=4 -o "$tmp/x.json" >/dev/null 2>"$tmp/e"; rc=$?
[ $rc = 2 ] || fail "spinner.number=4: exit $rc, want 2"
grep -q 'not prime' "$tmp/e" || { fail "spinner.number=4: message"; cat "$tmp/e"; }
echo "$fails failures"
[ "$fails" = 0 ]
