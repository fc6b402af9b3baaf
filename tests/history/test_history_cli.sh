#!/usr/bin/env bash
# CLI checks of `cfbench history` on small synthetic results files
# (tests/history/make_series.py): exit codes 0 / 1 / 2 / 3, the text table,
# markdown, JSON, --case, --order, a directory with other JSON in it, and a
# chart when gnuplot is there.
set -uo pipefail
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
T=$(mktemp -d)
OUT="$T/out" ERR="$T/err"
trap 'rm -rf "$T"' EXIT
expect() { # CODE DESC CMD...
  local want=$1 desc=$2; shift 2
  "$@" >"$OUT" 2>"$ERR"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc (exit $got)"; else bad "$desc: exit $got, want $want"; cat "$ERR"; fi
}
MK="$CFB_SOURCE_DIR/tests/history/make_series.py"
python3 "$MK" "$T/flat" 20 || exit 1
python3 "$MK" "$T/late" 20 --step 17 1.15 || exit 1        # the newest 3 runs 15% slower
python3 "$MK" "$T/old" 30 --step 10 1.15 || exit 1         # slower since run 10: not recent
python3 "$MK" "$T/better" 20 --step 16 0.85 || exit 1      # faster: never exit 1
python3 "$MK" "$T/names" 20 --step 17 1.15 --shuffle-names || exit 1
python3 "$MK" "$T/nocreated" 12 --no-created || exit 1

expect 0 "--help" "$CFBENCH" history --help
grep -q "^usage: cfbench history" "$OUT" || bad "help text"
"$CFBENCH" --help | grep -q "^  history " || bad "history in the top-level help"

# exit 0: no change
expect 0 "flat series" "$CFBENCH" history "$T/flat"
grep -q "^primes/thread/w2 .* 20 .* stable" "$OUT" || bad "stable row: $(grep thread "$OUT")"
grep -q "^summary: 4 cases over 20 files: 0 change points" "$OUT" || bad "summary: $(tail -1 "$OUT")"

# exit 1: the newest points are a regression; seq cases untouched
expect 1 "regression in the newest points" "$CFBENCH" history "$T/late"
grep -q "^primes/thread/w2 .*REGRESSION" "$OUT" || bad "regression row"
grep -q "^primes/seq/w1 .*stable" "$OUT" || bad "seq stays stable"
grep -q "primes/thread/w2 .*point  18 .*run-017.json (commit c00000000017" "$OUT" ||
  bad "change point at run 17: $(grep 'point ' "$OUT")"
expect 0 "--fail-on never" "$CFBENCH" history "$T/late" --fail-on never
expect 0 "--case selects the seq cases only" "$CFBENCH" history "$T/late" --case '*/seq/*'
grep -q thread "$OUT" && bad "--case left a thread case in"
expect 1 "--case repeatable" "$CFBENCH" history "$T/late" --case 'noop/*' --case 'primes/seq/*'
[ "$(grep -c '^[a-z]*/[a-z]*/w[0-9]' "$OUT")" -eq 3 ] || bad "three cases selected"
expect 1 "--metric cpu sees it too" "$CFBENCH" history "$T/late" --metric cpu
expect 0 "--recent 2: the change is 3 runs old" "$CFBENCH" history "$T/late" --recent 2

# an old regression is listed but does not fail; an improvement never fails
expect 0 "old regression" "$CFBENCH" history "$T/old"
grep -q "primes/thread/w2 .*point  11 .*regression" "$OUT" || bad "old change listed: $(grep 'point ' "$OUT")"
expect 0 "improvement" "$CFBENCH" history "$T/better"
grep -q "improvement" "$OUT" || bad "improvement listed"

# run order is the `created` time, not the file name
expect 1 "files named out of order" "$CFBENCH" history "$T/names"/*.json
grep -q "point  18 .*run-002.json (commit c00000000017" "$OUT" || bad "time order: $(grep 'point ' "$OUT")"
expect 0 "--order name reverses it: an improvement" "$CFBENCH" history "$T/names" --order name

# markdown and json
expect 1 "markdown" "$CFBENCH" history "$T/late" --format markdown
grep -q "^| case | points | first median" "$OUT" || bad "markdown table"
grep -q "^| \`primes/thread/w2\` | 18 | \`run-017.json\`" "$OUT" || bad "markdown change row"
expect 1 "json to --out" "$CFBENCH" history "$T/late" --format json --out "$T/h.json"
[ -s "$OUT" ] && bad "--out still wrote to stdout"
python3 - "$T/h.json" <<'PY' || bad "json structure"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["schema"] == "cfbench-history" and r["schema_version"] == 1
assert r["metric"] == "wall" and r["detector"]["alpha"] == 0.01 and r["detector"]["min_size"] == 5
assert len(r["sources"]) == 20 and r["sources"][0]["commit"] == "c00000000000"
cases = {c["id"]: c for c in r["cases"]}
assert len(cases) == 4, cases.keys()
t = cases["primes/thread/w2"]
assert t["status"] == "regression" and len(t["points"]) == 20
assert all(p["n"] == 5 for p in t["points"])
ch = t["changes"][-1]
assert ch["index"] == 17 and ch["direction"] == "regression" and ch["recent"] is True, ch
assert 1.1 < ch["ratio"] < 1.2 and ch["commit"] == "c00000000017", ch
assert cases["primes/seq/w1"]["status"] == "stable"
assert t["params"] == {"tasks": "20"}, t["params"]  # the case's params, copied from the model
assert r["summary"]["recent_regressions"] == 2, r["summary"]
PY

# exit 2: bad input
expect 2 "no argument" "$CFBENCH" history
expect 2 "one file" "$CFBENCH" history "$T/late/run-000.json"
grep -q "needs at least 2 results files, found 1" "$ERR" || bad "one-file message: $(cat "$ERR")"
expect 2 "missing file" "$CFBENCH" history "$T/late/run-000.json" "$T/nope.json"
grep -q "^cfbench history: .*nope.json: cannot read" "$ERR" || bad "missing-file message: $(cat "$ERR")"
[ "$(wc -l <"$ERR")" -eq 1 ] || bad "one-line message"
echo '{"hello": 1}' >"$T/other.json"
expect 2 "a named file that is not a results file" "$CFBENCH" history "$T/late/run-000.json" "$T/other.json"
expect 2 "unknown option" "$CFBENCH" history "$T/late" --bogus
expect 2 "bad metric" "$CFBENCH" history "$T/late" --metric nope
expect 2 "bad alpha" "$CFBENCH" history "$T/late" --alpha 2
expect 2 "bad min-size" "$CFBENCH" history "$T/late" --min-size 1
expect 2 "no case matches" "$CFBENCH" history "$T/late" --case 'zzz/*'
expect 2 "no created: time order impossible" "$CFBENCH" history "$T/nocreated"
grep -q "no run time ('created' is missing); order by file name with --order name" "$ERR" || bad "created message: $(cat "$ERR")"
expect 0 "no created, --order name" "$CFBENCH" history "$T/nocreated" --order name
mkdir "$T/empty"
expect 2 "empty directory" "$CFBENCH" history "$T/empty" "$T/flat/run-000.json"

# a directory with other JSON in it: skipped with a note
cp "$T/other.json" "$T/late/zz-other.json"
echo 'not json' >"$T/late/zz-broken.json"
expect 1 "directory with other files" "$CFBENCH" history "$T/late"
grep -q "note: skipped .*zz-other.json: not a cfbench results document" "$ERR" || bad "note: $(cat "$ERR")"
grep -q "note: skipped .*zz-broken.json: not JSON" "$ERR" || bad "note (broken): $(cat "$ERR")"
echo '{"schema": "cfbench-results", "schema_version": 9, "complete": true, "cases": []}' >"$T/late/zz-new.json"
expect 2 "a results file of a newer schema in the directory" "$CFBENCH" history "$T/late"
grep -q "^cfbench history: .*zz-new.json: schema_version 9 was written by a newer cfbench" "$ERR" ||
  bad "newer-schema message: $(cat "$ERR")"
echo '{"schema": "cfbench-results", "complete": true, "cases": []}' >"$T/late/zz-new.json"
expect 2 "an invalid results file in the directory" "$CFBENCH" history "$T/late"
grep -q "^cfbench history: .*zz-new.json: missing required field 'schema_version'" "$ERR" ||
  bad "invalid-file message: $(cat "$ERR")"
rm -f "$T/late"/zz-*

# charts: 3 without gnuplot (report still written), a PNG with it
expect 3 "charts, gnuplot missing" env CFB_GNUPLOT=/nonexistent/gnuplot \
  "$CFBENCH" history "$T/flat" --charts "$T/c0"
grep -q "^cfbench history: gnuplot not found" "$ERR" || bad "gnuplot message: $(cat "$ERR")"
[ "$(wc -l <"$ERR")" -eq 1 ] || bad "one line for missing gnuplot"
grep -q "^summary:" "$OUT" || bad "report written without gnuplot"
[ -s "$T/c0/data/history-primes_thread_w2.dat" ] || bad "data file without gnuplot"
expect 1 "regression wins over missing gnuplot" env CFB_GNUPLOT=/nonexistent/gnuplot \
  "$CFBENCH" history "$T/late" --charts "$T/c1"
if command -v gnuplot >/dev/null; then
  expect 1 "charts" "$CFBENCH" history "$T/late" --charts "$T/c2"
  for c in noop_seq_w1 noop_thread_w2 primes_seq_w1 primes_thread_w2; do
    png="$T/c2/history-$c.png"
    [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
      bad "chart $png"
  done
else
  echo "skip: gnuplot not installed"
fi
exit $fail
