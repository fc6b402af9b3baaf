#!/usr/bin/env bash
# A/A and injected-slowdown trials for `cfbench compare` and the CI gate
# (docs/ci.md). Each trial runs the gate's sweep (.ci/perf-gate --run) four
# times, back to back:
#   A, B  the same build twice                 -> A/A: any "regression" is false
#   C     CFB_INJECT_SLOWDOWN=0.10 in thread and process modes only
#         (a 10% slower pool path; the seq reference untouched)
#   D     CFB_INJECT_SLOWDOWN=0.10 in every mode (every task 10% slower)
# and counts, per check, the trials where compare exited 1 (a regression):
#   A/A  wall (default settings), cpu, the gate's comparisons (no re-run),
#        and B against the committed baseline as the gate does it
#   C    the gate's comparisons (against A and against the baseline)
#                                               -> should be detected
#   D    wall (default settings), cpu           -> should be detected
# and, because the knob overshoots on microsecond tasks (noop: +40-60%, its
# own clock reads) and adds CPU to sleeping ones (loiter), the same checks
# restricted to the primes cases, where 10% is 10%.
# Usage: bench/compare_trials.sh [TRIALS (20)] [DIR (build/compare-trials)]
# CFB_TRIALS_REUSE=1 re-evaluates the comparisons on the results files an
# earlier invocation left in DIR (no new runs), e.g. after changing the gate.
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
DIR=${2:-build/compare-trials}
CFBENCH=${CFBENCH:-build/cfbench}
export CFBENCH
mkdir -p "$DIR"
declare -A hits=()
checks=(aa_wall aa_cpu aa_gate base_aa slow_gate slow_primes base_slow uni_wall uni_cpu
  uni_wall_primes uni_cpu_primes)
BASELINE=${CFB_GATE_BASELINE:-results/baselines/ci.json}
for c in "${checks[@]}"; do hits[$c]=0; done
count() { # NAME EXIT-CODE
  if [ "$2" -eq 1 ]; then hits[$1]=$((hits[$1] + 1)); fi
  if [ "$2" -ge 2 ]; then echo "trial $t: $1 exited $2" >&2; fi
}
start=$(date +%s)
for t in $(seq 1 "$N"); do
  d="$DIR/t$t"
  mkdir -p "$d"
  if [ "${CFB_TRIALS_REUSE:-0}" != 1 ] || [ ! -f "$d/D.json" ]; then
    .ci/perf-gate --run "$d/A.json"
    .ci/perf-gate --run "$d/B.json"
    CFB_INJECT_SLOWDOWN=0.10 CFB_INJECT_SLOWDOWN_MODES=thread,process .ci/perf-gate --run "$d/C.json"
    CFB_INJECT_SLOWDOWN=0.10 .ci/perf-gate --run "$d/D.json"
  fi
  "$CFBENCH" compare "$d/A.json" "$d/B.json" >"$d/aa_wall.txt" 2>&1; count aa_wall $?
  "$CFBENCH" compare "$d/A.json" "$d/B.json" -m cpu >"$d/aa_cpu.txt" 2>&1; count aa_cpu $?
  .ci/perf-gate --compare "$d/A.json" "$d/B.json" >"$d/aa_gate.txt" 2>&1; count aa_gate $?
  .ci/perf-gate --compare "$d/A.json" "$d/C.json" >"$d/slow_gate.txt" 2>&1; count slow_gate $?
  .ci/perf-gate --compare "$BASELINE" "$d/B.json" >"$d/base_aa.txt" 2>&1; count base_aa $?
  .ci/perf-gate --compare "$BASELINE" "$d/C.json" >"$d/base_slow.txt" 2>&1; count base_slow $?
  "$CFBENCH" compare "$d/A.json" "$d/C.json" -m cpucost -c 'primes/*' >"$d/slow_primes.txt" 2>&1
  count slow_primes $?
  "$CFBENCH" compare "$d/A.json" "$d/D.json" >"$d/uni_wall.txt" 2>&1; count uni_wall $?
  "$CFBENCH" compare "$d/A.json" "$d/D.json" -c 'primes/*' >"$d/uni_wall_primes.txt" 2>&1
  count uni_wall_primes $?
  "$CFBENCH" compare "$d/A.json" "$d/D.json" -m cpu -c 'primes/*' >"$d/uni_cpu_primes.txt" 2>&1
  count uni_cpu_primes $?
  "$CFBENCH" compare "$d/A.json" "$d/D.json" -m cpu >"$d/uni_cpu.txt" 2>&1; count uni_cpu $?
  line="trial $t/$N:"
  for c in "${checks[@]}"; do line+=" $c=${hits[$c]}"; done
  echo "$line ($(($(date +%s) - start)) s)"
done
{
  echo "compare_trials: $N trials, $(date -u +%FT%TZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "A/A false regressions (want 0):"
  echo "  wall, default settings (5%, alpha 0.05, Holm): ${hits[aa_wall]}/$N"
  echo "  cpu:                                     ${hits[aa_cpu]}/$N"
  echo "  the gate's comparisons, no re-run:       ${hits[aa_gate]}/$N"
  echo "  the gate vs the stored baseline, no re-run: ${hits[base_aa]}/$N"
  echo "10% slowdown detected (want >= 19/$N):"
  echo "  pool path slower, the gate:              ${hits[slow_gate]}/$N"
  echo "    of which primes cpucost alone:         ${hits[slow_primes]}/$N"
  echo "  pool path slower, the gate vs the stored baseline, no re-run: ${hits[base_slow]}/$N"
  echo "  every task slower, wall (default):       ${hits[uni_wall]}/$N"
  echo "    primes cases only:                     ${hits[uni_wall_primes]}/$N"
  echo "  every task slower, cpu:                  ${hits[uni_cpu]}/$N"
  echo "    primes cases only:                     ${hits[uni_cpu_primes]}/$N"
} | tee "$DIR/summary.txt"
