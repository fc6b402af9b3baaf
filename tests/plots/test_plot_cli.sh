#!/usr/bin/env bash
# test_plot_cli.sh — `cfbench plot` as a user runs it: exit codes, one-line
# messages, the default output directory, gnuplot missing (exit 3, data
# files still written), stale charts removed when plotting into a used
# directory. Env from CTest: CFBENCH, CFB_SOURCE_DIR.
set -u
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
fixture="$CFB_SOURCE_DIR/tests/plots/fixture-results.json"
tmp=$(mktemp -d /tmp/cfb-plot-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export CFB_PLOTS_DIR="$CFB_SOURCE_DIR/plots"
unset CFB_GNUPLOT

# expect CODE LINES-ON-STDERR(0|1) -- command…
expect() {
  local code=$1 oneline=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$code" ]; then bad "exit $rc, wanted $code: $*"; cat "$tmp/err"; return; fi
  if [ "$oneline" = 1 ]; then
    if [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q '^cfbench plot: ' "$tmp/err"; then
      bad "wanted one 'cfbench plot: …' line on stderr: $*"; cat "$tmp/err"; return
    fi
  fi
  ok "exit $code: ${*:2}"
}

expect 0 0 -- "$CFBENCH" plot --help
grep -q -- '--format' "$tmp/out" || bad "--help lists --format"
expect 2 1 -- "$CFBENCH" plot
expect 2 1 -- "$CFBENCH" plot --format gif "$fixture"
expect 2 1 -- "$CFBENCH" plot --bogus "$fixture"
expect 2 1 -- "$CFBENCH" plot "$tmp/none.json"

sed 's/"schema_version": 1/"schema_version": 2/' "$fixture" >"$tmp/future.json"
expect 2 1 -- "$CFBENCH" plot "$tmp/future.json" --out "$tmp/x"
grep -q 'newer' "$tmp/err" || bad "future schema message names a newer cfbench: $(cat "$tmp/err")"

# default output directory: plots/ next to the results file
mkdir -p "$tmp/run"
cp "$fixture" "$tmp/run/results.json"
expect 0 0 -- "$CFBENCH" plot "$tmp/run/results.json" --timelines none
[ -s "$tmp/run/plots/report.html" ] || bad "report.html next to the results"
[ -s "$tmp/run/plots/wall-primes.png" ] || bad "wall-primes.png next to the results"
[ ! -e "$tmp/run/plots/timeline-primes-thread-w4.png" ] || bad "--timelines none draws none"
grep -q "report: $tmp/run/plots/report.html" "$tmp/out" || bad "prints where the report is"

# gnuplot missing: CFB_GNUPLOT pointing nowhere, then a PATH without it
CFB_GNUPLOT=/nonexistent expect 3 1 -- "$CFBENCH" plot "$fixture" --out "$tmp/g1"
grep -q 'apt-get install gnuplot-nox' "$tmp/err" || bad "install command in the message"
[ -s "$tmp/g1/data/wall-primes.dat" ] || bad "data files written without gnuplot"
[ -s "$tmp/g1/report.html" ] || bad "table-only report written without gnuplot"
ls "$tmp"/g1/*.png >/dev/null 2>&1 && bad "no PNG without gnuplot"
expect 3 1 -- env PATH=/nonexistent "$CFBENCH" plot "$fixture" --out "$tmp/g2" --format svg
[ -s "$tmp/g2/data/latency-loiter.dat" ] || bad "data files written (PATH case)"

# plotting into a used directory again: the previous run's charts that this
# run does not draw are removed (data/manifest.txt), nothing else is
expect 0 0 -- "$CFBENCH" plot "$fixture" --out "$tmp/again" --timelines none
[ -s "$tmp/again/wall-noop.png" ] || bad "first run draws wall-noop.png"
touch "$tmp/again/notes.txt" "$tmp/outside.png"
echo "../outside.png" >>"$tmp/again/data/manifest.txt"
expect 0 0 -- "$CFBENCH" plot "$CFB_SOURCE_DIR/tests/plots/fixture-python.json" --out "$tmp/again" --timelines none
[ ! -e "$tmp/again/wall-noop.png" ] && [ ! -e "$tmp/again/data/wall-noop.dat" ] \
  && ok "stale chart and data file of the first run removed" || bad "stale wall-noop.png/.dat left"
[ -s "$tmp/again/wall-primes.png" ] || bad "the second run's own charts are there"
[ -e "$tmp/again/notes.txt" ] && ok "a file the user put there stays" || bad "notes.txt removed"
[ -e "$tmp/outside.png" ] && ok "a manifest line outside the directory is ignored" || bad "outside.png removed"
grep -qx 'wall-primes.png' "$tmp/again/data/manifest.txt" || bad "manifest lists this run's charts"

# an unwritable output directory is an environment error
touch "$tmp/file"
expect 3 1 -- "$CFBENCH" plot "$fixture" --out "$tmp/file/sub"

exit $fail
