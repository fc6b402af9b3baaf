#!/bin/sh
# engine_ab.sh — does the engine as a library (cfbench.h) cost anything?
# A 10^6-task noop case (thread mode, 2 workers, measuring on: the
# runner_bench figure of docs) through
#   A  the pre-library runner_bench (main at 06da354: cfb_sweep_run writes
#      a results file, runner_bench re-reads it for the wall), and
#   B  today's runner_bench (cfb_run, no reporter, the wall from the
#      in-memory results),
# in interleaved rounds (the order alternates each round), plus an A/A
# (B against B) to show the noise alone. Prints the medians and ratios.
# Docs: docs/engine-api.md ("Cost").
#
#   bench/engine_ab.sh [ROUNDS] [TASKS]          (default 10 rounds, 1000000)
#   OLD=path/to/old/runner_bench NEW=build/bench/runner_bench bench/engine_ab.sh
#   MODE=seq WORKERS=1 bench/engine_ab.sh       (default MODE=thread WORKERS=2)
# Without OLD, main's runner_bench at $OLD_REV (default 06da354) is built
# once into build/engine-ab-old/ (git archive + cmake; ~1 minute).
set -eu
ROUNDS=${1:-10}
TASKS=${2:-1000000}
MODE=${MODE:-thread}
WORKERS=${WORKERS:-2}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NEW=${NEW:-$ROOT/build/bench/runner_bench}
OLD_REV=${OLD_REV:-06da354}
case $ROUNDS in '' | *[!0-9]*) echo "engine_ab.sh: ROUNDS '$ROUNDS' is not a count" >&2; exit 2 ;; esac
case $WORKERS in '' | *[!0-9]*) echo "engine_ab.sh: WORKERS '$WORKERS' is not a count" >&2; exit 2 ;; esac
case $MODE in seq | thread | process) ;; *) echo "engine_ab.sh: MODE '$MODE': seq, thread or process" >&2; exit 2 ;; esac
case $TASKS in '' | *[!0-9]*) echo "engine_ab.sh: TASKS '$TASKS' is not a count" >&2; exit 2 ;; esac
[ -x "$NEW" ] || { echo "engine_ab.sh: $NEW not built (cmake --build build --target runner_bench)" >&2; exit 2; }
if [ -z "${OLD:-}" ]; then
    OLDDIR=$ROOT/build/engine-ab-old
    OLD=$OLDDIR/build/bench/runner_bench
    if [ ! -x "$OLD" ]; then
        echo "engine_ab.sh: building runner_bench of $OLD_REV in $OLDDIR" >&2
        rm -rf "$OLDDIR/src" && mkdir -p "$OLDDIR/src"
        git -C "$ROOT" archive "$OLD_REV" | tar -x -C "$OLDDIR/src"
        cmake -S "$OLDDIR/src" -B "$OLDDIR/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
            ${CMAKE_C_COMPILER_LAUNCHER:+-DCMAKE_C_COMPILER_LAUNCHER=$CMAKE_C_COMPILER_LAUNCHER} >/dev/null
        cmake --build "$OLDDIR/build" -j2 --target runner_bench >/dev/null
    fi
fi
[ -x "$OLD" ] || { echo "engine_ab.sh: $OLD is not an executable" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# one invocation: 1 warm-up, then two measured walls (the "aa" form: both arms measure)
walls() { "$1" "$MODE" "$WORKERS" "$TASKS" 1 aa | sed -n 's/^round 0: measure on \([0-9.]*\) s, off \([0-9.]*\) s$/\1\n\2/p'; }
i=0
while [ "$i" -lt "$ROUNDS" ]; do
    if [ $((i % 2)) -eq 0 ]; then
        walls "$OLD" >>"$TMP/a"; walls "$NEW" >>"$TMP/b"; walls "$NEW" >>"$TMP/b2"
    else
        walls "$NEW" >>"$TMP/b2"; walls "$NEW" >>"$TMP/b"; walls "$OLD" >>"$TMP/a"
    fi
    i=$((i + 1))
done
med() { sort -g "$1" | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
mn() { sort -g "$1" | head -1; }
A=$(med "$TMP/a"); B=$(med "$TMP/b"); B2=$(med "$TMP/b2")
AM=$(mn "$TMP/a"); BM=$(mn "$TMP/b"); B2M=$(mn "$TMP/b2")
echo "noop $TASKS tasks, $MODE mode, $WORKERS workers, $ROUNDS interleaved rounds ($(wc -l <"$TMP/a") walls each), $(date -u +%Y-%m-%dT%H:%MZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A  old (file written + re-read): median $A s, min $AM s"
echo "B  new (cfb_run, in memory):     median $B s, min $BM s"
echo "B' new again (A/A):              median $B2 s, min $B2M s"
awk -v a="$A" -v b="$B" -v b2="$B2" -v am="$AM" -v bm="$BM" -v b2m="$B2M" 'BEGIN {
    printf "A/B  new / old = %.3f (medians), %.3f (minima)\n", b / a, bm / am
    printf "A/A  new / new = %.3f (medians), %.3f (minima)\n", b2 / b, b2m / bm }'
