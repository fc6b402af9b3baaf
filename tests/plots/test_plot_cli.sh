#!/usr/bin/env bash
# test_plot_cli.sh — `cfbench plot` as a user runs it: exit codes, one-line
# messages, the default output directory, gnuplot missing (exit 3, data
# files still written), stale charts removed when plotting into a used
# directory, the charts of a parameter scan and --x (good key, unknown key,
# unscanned key: exit 2, one line, nothing written). Env from CTest:
# CFBENCH, CFB_SOURCE_DIR.
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

# a parameter scan (docs/scans.md): a chart per scanned key; --x
timeout 120 "$CFBENCH" run -q --no-floors -r 2 --warmup 0 -w noop -m seq,thread -j 1,2 \
  -p noop.tasks=100..1600:x4 -o "$tmp/scan.json" >"$tmp/out" 2>"$tmp/err" || bad "scan run: $(cat "$tmp/err")"
expect 0 0 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s1" --timelines none
[ -s "$tmp/s1/scan-noop-tasks.png" ] && [ -s "$tmp/s1/scan-speedup-noop-tasks.png" ] || bad "scan charts drawn"
[ "$(grep -v '^#' "$tmp/s1/data/scan-noop-tasks.dat" | grep -c '^[0-9]')" = 6 ] || bad "2 modes x 3 values in the scan data"
grep -q "logx=1" "$tmp/s1/data/replot.sh" || bad "a geometric scan gets a log x axis"
grep -q 'scan-noop-tasks.png' "$tmp/s1/report.html" || bad "the report shows the scan chart"
expect 0 0 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s2" --timelines none --x noop.tasks
[ -s "$tmp/s2/scan-noop-tasks.png" ] && [ ! -e "$tmp/s2/wall-noop.png" ] || bad "--x noop.tasks: only the scan charts"
expect 0 0 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s3" --timelines none --x workers
[ -s "$tmp/s3/wall-noop-tasks_400.png" ] && [ ! -e "$tmp/s3/scan-noop-tasks.png" ] || bad "--x workers: one pair per value set"
expect 2 1 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s4" --x noop.bogus
grep -q "no case has a parameter 'noop.bogus' (scanned keys: noop.tasks" "$tmp/err" || bad "unknown key message: $(cat "$tmp/err")"
[ ! -e "$tmp/s4" ] || bad "--x unknown: nothing written"
expect 2 1 -- "$CFBENCH" plot "$fixture" --out "$tmp/s5" --x loiter.tasks
grep -q "not scanned, so it has one value" "$tmp/err" || bad "unscanned key message: $(cat "$tmp/err")"
expect 2 1 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s6" --x ''
expect 2 1 -- "$CFBENCH" plot "$tmp/scan.json" --out "$tmp/s6" --x

# an unwritable output directory is an environment error
touch "$tmp/file"
expect 3 1 -- "$CFBENCH" plot "$fixture" --out "$tmp/file/sub"

exit $fail
