#!/usr/bin/env bash
# `cfbench export` byte for byte: every format (csv, markdown, gbench and its
# --median-only / --aggregates-only rows) of two results files against the
# golden outputs in tests/results/export/ (written by the exporter before it
# read the typed results model, so the port changed no byte), and the exit
# code and one-line message of each way a RESULTS.json can be refused.
# fixture.json is hand-made: a metric column, params needing CSV quoting and
# a '|' (markdown), a number as a param, a partial latency, integer walls,
# null fields, one repetition (no aggregates), a failed case, an incomplete
# run, host caches / cpu_mhz / load average / build type. The other file is
# a real run (fuzz/corpus/results_read/make-run-4workloads.json).
# Regenerate after a deliberate change: see the loop at the end (GOLDEN=1).
set -uo pipefail
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
G="$CFB_SOURCE_DIR/tests/results/export"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

for src in "$G/fixture.json" "$CFB_SOURCE_DIR/fuzz/corpus/results_read/make-run-4workloads.json"; do
  b=$(basename "$src" .json)
  for v in "csv:csv" "md:markdown" "gbench.json:gbench" "gbench-median.json:gbench --median-only" \
    "gbench-aggregates.json:gbench --aggregates-only"; do
    ext=${v%%:*} fmt=${v#*:}
    # shellcheck disable=SC2086 # fmt carries the row option
    "$CFBENCH" export "$src" --format $fmt >"$T/out" 2>"$T/err"
    rc=$?
    if [ "${GOLDEN:-0}" = 1 ]; then cp "$T/out" "$G/$b.$ext"; fi
    [ "$rc" -eq 0 ] || bad "$b $fmt: exit $rc: $(cat "$T/err")"
    if cmp -s "$T/out" "$G/$b.$ext"; then ok "$b $fmt"; else bad "$b $fmt differs:"; diff "$G/$b.$ext" "$T/out" | head -20; fi
  done
  # --median-only's note on stderr (the failed case left out)
  "$CFBENCH" export "$src" --format gbench --median-only >/dev/null 2>"$T/err"
  want=""
  [ "$b" = fixture ] && want="cfbench export: 1 failed case(s) left out (--median-only)"
  [ "$(cat "$T/err")" = "$want" ] && ok "$b --median-only note" || bad "$b --median-only note: $(cat "$T/err")"
  # --out writes the same bytes
  "$CFBENCH" export "$src" --format csv --out "$T/o.csv" && cmp -s "$T/o.csv" "$G/$b.csv" &&
    ok "$b --out" || bad "$b --out"
done

# refusals: exit 2 and the reader's one-line message
refuse() { # FILE MESSAGE
  "$CFBENCH" export "$1" --format csv >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" -eq 2 ] && [ "$(cat "$T/err")" = "cfbench export: $1: $2" ] && [ ! -s "$T/out" ]; then
    ok "refused: $2"
  else
    bad "$1: exit $rc, stderr '$(cat "$T/err")', want 2 and '$2'"
  fi
}
echo '{"a":' >"$T/bad.json"
echo '[]' >"$T/arr.json"
echo '{"schema":"x"}' >"$T/schema.json"
echo '{"schema":"cfbench-results","schema_version":7,"complete":true,"cases":[]}' >"$T/v7.json"
echo '{"schema":"cfbench-results","schema_version":1,"complete":true,"cases":[{"id":"a","workload":"w","mode":"seq","workers":1,"tasks":1,"repetitions":[]}]}' >"$T/nosum.json"
echo '{"schema":"cfbench-results","schema_version":1,"complete":true,"cases":[{"id":"a","workload":"w","mode":"seq","workers":1,"tasks":1,"repetitions":[{"index":0,"wall_s":-1}],"summary":{}}]}' >"$T/neg.json"
mkdir "$T/dir"
refuse "$T/missing.json" "cannot read: No such file or directory"
refuse "$T/bad.json" "not valid JSON (line 2, column 0: unexpected token near end of file)"
refuse "$T/arr.json" "not a cfbench results document (top level is not an object)"
refuse "$T/schema.json" 'not a cfbench results document (schema is not "cfbench-results")'
refuse "$T/v7.json" "schema_version 7 was written by a newer cfbench (this one reads up to 1)"
refuse "$T/nosum.json" "missing required field 'summary' in case a"
refuse "$T/neg.json" "field 'wall_s' in case a repetition 0 is negative"
refuse "$T/dir" "not valid JSON (line 1, column 0: unexpected token near end of file)"

[ "$fail" -eq 0 ] && echo "all export golden checks passed"
exit "$fail"
