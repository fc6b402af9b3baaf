#!/usr/bin/env bash
# False-alarm and detection rates of the CI gate (.ci/perf-gate, docs/ci.md),
# with the gate's own plan, settings and confirmation re-run. Per trial, three
# gate runs against the same BASE binary:
#   aa    NEW = the same code                  -> any failure is a false alarm
#   s10   NEW's primes and loiter tasks 10% slower (CFB_INJECT_SLOWDOWN=0.10)
#   s05   the same 5% slower                                   -> should fail
# (noop is left out of the injection: on its microsecond tasks the knob's
# own clock reads add far more than 10%, which would make detection trivial.)
# in a random order per trial. HOG=1 runs one CPU-bound process beside the
# whole time (the "under load" condition of the issue).
# Usage: bench/gate_trials.sh [TRIALS (20)] [DIR (build/gate-trials)]
#        BASE_BIN=path (default: build/cfbench, i.e. an A/A of one build)
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
DIR=${2:-build/gate-trials}
BASE_BIN=${BASE_BIN:-build/cfbench}
mkdir -p "$DIR"
hog=
if [ "${HOG:-0}" = 1 ]; then
  ( while :; do :; done ) &
  hog=$!
  trap 'kill $hog 2>/dev/null' EXIT
fi
declare -A fails=([aa]=0 [s10]=0 [s05]=0) secs=([aa]=0 [s10]=0 [s05]=0)
start=$(date +%s)
for t in $(seq 1 "$N"); do
  for s in $(printf '%s\n' aa s10 s05 | shuf); do
    w=CFB_INJECT_SLOWDOWN_WORKLOADS=primes,loiter
    case $s in aa) env_=;; s10) env_="CFB_INJECT_SLOWDOWN=0.10 $w";; s05) env_="CFB_INJECT_SLOWDOWN=0.05 $w";; esac
    t0=$(date +%s)
    CFB_GATE_DIR="$DIR/t$t-$s" CFB_GATE_NEW_ENV="$env_" .ci/perf-gate --base-bin "$BASE_BIN" \
      >"$DIR/t$t-$s.log" 2>&1
    rc=$?
    secs[$s]=$((secs[$s] + $(date +%s) - t0))
    [ "$rc" -eq 1 ] && fails[$s]=$((fails[$s] + 1))
    [ "$rc" -ge 2 ] && echo "trial $t $s: gate exited $rc (see $DIR/t$t-$s.log)" >&2
  done
  echo "after $t trials: A/A false alarms ${fails[aa]}/$t, 10% caught ${fails[s10]}/$t, 5% caught ${fails[s05]}/$t ($(( $(date +%s) - start )) s)"
done
echo "gate trials (HOG=${HOG:-0}, $N trials, base $BASE_BIN):"
echo "  A/A false alarms   ${fails[aa]}/$N   (mean $((secs[aa] / N)) s per gate run)"
echo "  10% slower caught  ${fails[s10]}/$N  (mean $((secs[s10] / N)) s)"
echo "  5% slower caught   ${fails[s05]}/$N  (mean $((secs[s05] / N)) s)"
