#!/usr/bin/env bash
# CLI checks of `cfbench compare` / `cfbench export` on a real results file
# (the gate sweep that the old stored-baseline gate used, made on an Intel
# Xeon host: docs/results/gate-sweep-xeon-2026-11.json), and of the gate
# script's usage error.
set -uo pipefail
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
expect() { # CODE DESC CMD...
  local want=$1 desc=$2; shift 2
  "$@" >/tmp/cfb-cli-out.$$ 2>/tmp/cfb-cli-err.$$
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc (exit $got)"; else bad "$desc: exit $got, want $want"; cat /tmp/cfb-cli-err.$$; fi
}
B="$CFB_SOURCE_DIR/docs/results/gate-sweep-xeon-2026-11.json"
T=$(mktemp -d)
trap 'rm -rf "$T" /tmp/cfb-cli-out.$$ /tmp/cfb-cli-err.$$' EXIT

expect 0 "compare --help" "$CFBENCH" compare --help
grep -q "usage: cfbench compare" /tmp/cfb-cli-out.$$ || bad "compare --help text"
expect 0 "export --help" "$CFBENCH" export --help
expect 0 "baseline vs itself, wall" "$CFBENCH" compare "$B" "$B"
grep -q "^summary: 15 compared: 0 regressions" /tmp/cfb-cli-out.$$ || bad "summary line: $(tail -1 /tmp/cfb-cli-out.$$)"
grep -q "^geometric mean .* 1.000" /tmp/cfb-cli-out.$$ || bad "geometric mean row"
for m in cpu throughput speedup efficiency cpucost; do
  expect 0 "baseline vs itself, $m" "$CFBENCH" compare "$B" "$B" --metric "$m"
done
expect 0 "markdown" "$CFBENCH" compare "$B" "$B" --format markdown
grep -q "^| case | BASE median" /tmp/cfb-cli-out.$$ || bad "markdown header"
expect 2 "missing file" "$CFBENCH" compare "$B" "$T/nope.json"
grep -q "^cfbench compare: NEW: .*nope.json: cannot read" /tmp/cfb-cli-err.$$ || bad "missing-file message: $(cat /tmp/cfb-cli-err.$$)"
[ "$(wc -l </tmp/cfb-cli-err.$$)" -eq 1 ] || bad "one-line message"
echo '{"schema": "cfbench-results", "schema_version": 7, "complete": true, "cases": []}' >"$T/v7.json"
expect 2 "newer schema" "$CFBENCH" compare "$T/v7.json" "$B"
grep -q "newer cfbench" /tmp/cfb-cli-err.$$ || bad "schema message"
expect 2 "unknown option" "$CFBENCH" compare "$B" "$B" --bogus
grep -q "^cfbench compare: unknown option '--bogus'" /tmp/cfb-cli-err.$$ || bad "option message"
expect 2 "one file" "$CFBENCH" compare "$B"

# Exports of the real baseline.
reps=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(c["repetitions"]) for c in d["cases"]))' "$B")
expect 0 "export csv" "$CFBENCH" export "$B" --format csv --out "$T/x.csv"
[ "$(wc -l <"$T/x.csv")" -eq $((reps + 1)) ] || bad "csv rows: $(wc -l <"$T/x.csv") want $((reps + 1))"
expect 0 "export gbench" "$CFBENCH" export "$B" --format gbench --out "$T/g.json"
python3 - "$T/g.json" "$B" <<'PY' || bad "gbench structure"
import json, sys
g = json.load(open(sys.argv[1])); d = json.load(open(sys.argv[2]))
it = [b for b in g["benchmarks"] if b["run_type"] == "iteration"]
ag = [b for b in g["benchmarks"] if b["run_type"] == "aggregate"]
assert len(it) == sum(len(c["repetitions"]) for c in d["cases"]), len(it)
assert len(ag) == 4 * len(d["cases"]), len(ag)
for b in g["benchmarks"]:
    for k in ("name", "run_name", "run_type", "repetitions", "threads", "iterations",
              "real_time", "cpu_time", "time_unit"):
        assert k in b, (k, b)
assert g["context"]["num_cpus"] == d["host"]["cpus"]
PY
# github-action-benchmark (googlecpp) charts every row's real_time under its
# name: --median-only gives it exactly one row per case, --aggregates-only
# no per-repetition rows.
expect 0 "export gbench --median-only" "$CFBENCH" export "$B" --format gbench --median-only --out "$T/gm.json"
expect 0 "export gbench --aggregates-only" "$CFBENCH" export "$B" --format gbench --aggregates-only --out "$T/ga.json"
python3 - "$T/gm.json" "$T/ga.json" "$B" <<'PY' || bad "gbench --median-only / --aggregates-only"
import json, sys
gm = json.load(open(sys.argv[1])); ga = json.load(open(sys.argv[2])); d = json.load(open(sys.argv[3]))
ran = [c for c in d["cases"] if c["repetitions"]]
names = [b["name"] for b in gm["benchmarks"]]
assert len(names) == len(set(names)) == len(ran), (len(names), len(set(names)), len(ran))
assert names == [c["id"] + "_median" for c in ran], names[:3]
assert all(b["run_type"] == "aggregate" and b["aggregate_name"] == "median" for b in gm["benchmarks"])
assert all(b["time_unit"] in ("s", "ms", "us", "ns") and b["real_time"] > 0 for b in gm["benchmarks"])
assert all(b["run_type"] == "aggregate" for b in ga["benchmarks"]), "iteration rows in --aggregates-only"
assert len(ga["benchmarks"]) == 4 * len(ran)
PY
expect 2 "export: both row options" "$CFBENCH" export "$B" --format gbench --median-only --aggregates-only
grep -q "cannot be used together" /tmp/cfb-cli-err.$$ || bad "both-options message"
expect 2 "export: --median-only with csv" "$CFBENCH" export "$B" --format csv --median-only
expect 0 "export markdown" "$CFBENCH" export "$B" --format markdown
expect 2 "export without format" "$CFBENCH" export "$B"

# The test-only slowdown knob, end to end: every thread-mode task twice as
# long (F = 1.0) must show as a cpucost regression, the seq reference
# untouched (so seq's own cpu is not a regression).
PLAN=(-w primes -m seq,thread -j 2 -r 8 --warmup 1 -p primes.set=small -q)
expect 0 "run plain" "$CFBENCH" run "${PLAN[@]}" -o "$T/plain.json"
expect 0 "run slowed" env CFB_INJECT_SLOWDOWN=1.0 CFB_INJECT_SLOWDOWN_MODES=thread \
  "$CFBENCH" run "${PLAN[@]}" -o "$T/slow.json"
expect 1 "knob detected (cpucost)" "$CFBENCH" compare "$T/plain.json" "$T/slow.json" --metric cpucost
grep -q "^primes/thread/w2 .*REGRESSION" /tmp/cfb-cli-out.$$ || bad "thread case not flagged"
expect 0 "seq untouched (cpu)" "$CFBENCH" compare "$T/plain.json" "$T/slow.json" --metric cpu \
  --case 'primes/seq/*' --threshold 50%

# run's defaults are enough for compare's defaults: two default-settings runs
# (default -r) of a small plan reach a verdict that is not "can't tell: too
# few repetitions" (the note "need >= N repetitions per side, have n and n"
# without a noise estimate). Any verdict is accepted otherwise — on a busy
# machine the CI may straddle even a 900% band — so this cannot fail by chance.
DPLAN=(-w primes -m seq,thread -j 1,2 -p primes.set=small -q)
expect 0 "default run A" "$CFBENCH" run "${DPLAN[@]}" -o "$T/defA.json"
expect 0 "default run B" "$CFBENCH" run "${DPLAN[@]}" -o "$T/defB.json"
"$CFBENCH" compare "$T/defA.json" "$T/defB.json" --threshold 900% --format json \
  --out "$T/def-report.json" >/dev/null 2>"$T/def-err"
rc=$?
{ [ $rc -eq 0 ] || [ $rc -eq 1 ]; } || bad "compare of default runs: exit $rc ($(cat "$T/def-err"))"
python3 - "$T/def-report.json" "$T/defA.json" <<'PY' || bad "default runs: too few repetitions for compare"
import json, re, sys
rep = json.load(open(sys.argv[1])); run = json.load(open(sys.argv[2]))
reps = {len(c["repetitions"]) for c in run["cases"]}
assert reps == {run["config"]["repeat"]}, reps
assert len(rep["cases"]) == 3, len(rep["cases"])
for r in rep["cases"]:
    note = r["note"] or ""
    print(f'  {r["id"]}: {r["verdict"]} {note}')
    assert r["base"]["n"] == r["new"]["n"] == run["config"]["repeat"], r
    assert r["ratio"] is not None, r
    assert not re.fullmatch(r"need >= \d+ repetitions per side, have \d+ and \d+", note), note
PY

# The gate script's own usage error (the gate itself runs in .ci/run).
expect 2 "perf-gate: unknown argument" env CFBENCH="$CFBENCH" "$CFB_SOURCE_DIR/.ci/perf-gate" --compare
exit $fail
