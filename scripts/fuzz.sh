#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/, docs/fuzzing.md) with clang and run or
# merge them. `make fuzz` and `make fuzz-merge` call this; so does .ci/run.
#
#   scripts/fuzz.sh run   [TARGET…]   fuzz each target for FUZZ_SECONDS (default 60)
#   scripts/fuzz.sh merge [TARGET…]   minimise what earlier runs found into fuzz/corpus/
#
# Each target reads its seed corpus fuzz/corpus/<t>/ (never written by `run`)
# and keeps what it finds in $FUZZ_BUILD/fuzz/found/<t>/. A crash, a broken
# invariant, a leak, an input slower than FUZZ_TIMEOUT seconds or above
# FUZZ_RSS_MB fails the target: its reproducer is written under
# $FUZZ_BUILD/fuzz/crashes/<t>/, and the command to rerun it is printed.
# Exit: 0 every target ran clean; 1 a target failed; 2 bad usage.
# Environment: FUZZ_SECONDS (60), FUZZ_BUILD (build-fuzz), FUZZ_TIMEOUT (10),
# FUZZ_RSS_MB (2048), FUZZ_JOBS (cmake build jobs, 2), CC (clang),
# FUZZ_ARGS (more libFuzzer flags, e.g. -seed=1).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}
shift || true
case "$mode" in run | merge) ;; *)
  echo "usage: scripts/fuzz.sh run|merge [TARGET…]" >&2
  exit 2
  ;;
esac
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
cc=${CC:-clang}
case "$cc" in *clang*) ;; *) cc=clang ;; esac
if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ]; then
  echo "scripts/fuzz.sh: FUZZ_SECONDS must be a whole number >= 1, not '$secs'" >&2
  exit 2
fi
if ! command -v "$cc" >/dev/null; then
  echo "scripts/fuzz.sh: $cc not found: install clang and libclang-rt-dev (scripts/deps.sh clang libclang-rt-dev)" >&2
  exit 2
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/fuzz_*.c; do
    t=${f#fuzz/fuzz_}
    targets+=("${t%.c}")
  done
fi
for t in "${targets[@]}"; do
  if [ ! -f "fuzz/fuzz_$t.c" ]; then
    echo "scripts/fuzz.sh: no fuzz target '$t' (fuzz/fuzz_$t.c)" >&2
    exit 2
  fi
done

cmake -S . -B "$build" -DCMAKE_C_COMPILER="$cc" -DCFB_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j "${FUZZ_JOBS:-2}" --target fuzz_all >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin="$build/fuzz/fuzz_$t"
  found="$build/fuzz/found/$t"
  crashes="$build/fuzz/crashes/$t"
  mkdir -p "$found" "$crashes"
  dict=()
  [ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")
  if [ "$mode" = merge ]; then
    echo "== fuzz merge $t: new coverage from $found into fuzz/corpus/$t"
    "$bin" -merge=1 "${dict[@]}" "fuzz/corpus/$t" "$found" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new files" || true
    continue
  fi
  echo "== fuzz $t: ${secs}s"
  log="$build/fuzz/$t.log"
  set +e
  # shellcheck disable=SC2086
  "$bin" -max_total_time="$secs" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}" \
    -print_final_stats=1 -artifact_prefix="$crashes/" "${dict[@]}" ${FUZZ_ARGS:-} \
    "$found" "fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  grep -E "^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)|^#[0-9]+.*DONE" "$log" | tr '\n' ' ' || true
  echo
  if [ $rc -ne 0 ]; then
    failed+=("$t")
    echo "fuzz $t FAILED (exit $rc); log: $log" >&2
    grep -E "fuzz invariant broken|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY" "$log" | head -n 5 >&2 || true
    repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$repro" ]; then
      echo "reproducer: $repro" >&2
      echo "rerun:      $bin $repro" >&2
    fi
  fi
done
if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
[ "$mode" = run ] && echo "fuzz: ${#targets[@]} targets ran ${secs}s each, no crash"
exit 0
