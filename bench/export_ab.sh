#!/usr/bin/env bash
# `cfbench export` of a big results document, two binaries side by side
# (e.g. before / after a change to results/export.c or the results model):
# for each format, `cfbench ab` in command mode runs BASE's and NEW's export
# in paired, interleaved rounds (random order per round; a pair is the
# medians of -r runs) and reports the median ratio NEW/BASE with its CI.
# Each run is a whole `cfbench export FILE --format F >/dev/null`: reading
# (and, in NEW, decoding into the model) included.
# Inputs come from bench/gen_results.py into DIR (scratch, reused):
#   big       1,000 cases x 20 repetitions (20,000 CSV rows), no timelines
#   timeline  200 cases x 10 repetitions, 2,000-task timelines (what makes
#             real files big: parsed, never exported)
# Usage: BASE=/path/to/old/cfbench bench/export_ab.sh [DIR (build/export-ab)]
#        (NEW defaults to build/cfbench; ROUNDS, REPEAT as for cfbench ab;
#        METRIC=cpu judges user+sys CPU time instead of wall: steadier on a
#        shared machine; INPUTS="big timeline" the inputs to run)
set -euo pipefail
cd "$(dirname "$0")/.."
: "${BASE:?set BASE to the cfbench binary to compare against}"
NEW=${NEW:-build/cfbench}
DIR=${1:-build/export-ab}
ROUNDS=${ROUNDS:-15}
REPEAT=${REPEAT:-3}
METRIC=${METRIC:-wall}
INPUTS=${INPUTS:-big timeline}
mkdir -p "$DIR"
gen() { # NAME ARGS...
  local f="$DIR/$1.json"; shift
  [ -s "$f" ] || python3 bench/gen_results.py "$@" -o "$f"
}
gen big --cases 1000 --reps 20 --seed 1
gen timeline --cases 200 --reps 10 --timeline 2000 --seed 1
for input in $INPUTS; do
  f="$DIR/$input.json"
  echo "== $input: $(( $(stat -L -c %s "$f") / 1024 )) KiB"
  for fmt in csv markdown gbench; do
    echo "-- $fmt"
    "$NEW" ab --base-cmd "'$BASE' export '$f' --format $fmt >/dev/null" \
      --new-cmd "'$NEW' export '$f' --format $fmt >/dev/null" \
      --rounds "$ROUNDS" -r "$REPEAT" --warmup 1 --metric "$METRIC" -t 5% --fail-on never -q 2>&1 |
      grep -v '^$'
  done
done
