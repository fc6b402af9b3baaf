#!/usr/bin/env bash
# cfbench loiter: map yields results in input order even when later inputs
# finish first; --as-completed yields them in completion order.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
for mode in thread process; do
    # --reverse: task i sleeps (4-i) x 0.4 s on 5 workers, so task 4 finishes first
    # (gaps wide enough that a slow lazy fork under TSan on a loaded machine
    # cannot reorder completions)
    "$CFBENCH" loiter --mode "$mode" --workers 5 --tasks 5 --unit 0.4 --reverse >"$tmp/map" 2>&1 \
        || { echo "FAIL: $mode map run"; cat "$tmp/map"; fails=$((fails+1)); }
    got=$(sed -n 's/.*] result \([0-9]*\): \([0-9]*\)$/\1=\2/p' "$tmp/map" | tr '\n' ' ')
    [ "$got" = "0=0 1=10 2=20 3=30 4=40 " ] || { echo "FAIL: $mode map order: $got"; cat "$tmp/map"; fails=$((fails+1)); }
    # map's first result (task 0, the slowest) comes after task 4 is done
    l4=$(grep -n 'loiter(4): done' "$tmp/map" | cut -d: -f1); r0=$(grep -n '] result 0:' "$tmp/map" | cut -d: -f1)
    [ -n "$l4" ] && [ -n "$r0" ] && [ "$l4" -lt "$r0" ] || { echo "FAIL: $mode: result 0 before loiter(4) done"; fails=$((fails+1)); }

    "$CFBENCH" loiter --mode "$mode" --workers 5 --tasks 5 --unit 0.4 --reverse --as-completed >"$tmp/ac" 2>&1 \
        || { echo "FAIL: $mode as-completed run"; cat "$tmp/ac"; fails=$((fails+1)); }
    got=$(sed -n 's/.*] result (task \([0-9]*\)): \([0-9]*\)$/\1=\2/p' "$tmp/ac" | tr '\n' ' ')
    [ "$got" = "4=40 3=30 2=20 1=10 0=0 " ] || { echo "FAIL: $mode as_completed order: $got"; cat "$tmp/ac"; fails=$((fails+1)); }
done
# the book's default shape (ramp, 3 workers) with timestamps
"$CFBENCH" loiter --tasks 5 --workers 3 --unit 0.02 >"$tmp/o" 2>&1 || { echo "FAIL: ramp run"; fails=$((fails+1)); }
grep -Eq '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] Script starting\.$' "$tmp/o" || { echo "FAIL: no timestamped start"; cat "$tmp/o"; fails=$((fails+1)); }
[ "$(grep -c 'doing nothing for' "$tmp/o")" = 5 ] || { echo "FAIL: want 5 loiter lines"; fails=$((fails+1)); }
echo "$fails failures"
[ "$fails" = 0 ]
