#!/usr/bin/env bash
# cfbench loiter: map yields results in input order even when later inputs
# finish first; --as-completed yields them in completion order.
#
# Deterministic on every run: map's results come in input order with the
# right values, each after its own task's "done" line, and as_completed
# yields every task exactly once. Timing-dependent: WHICH task finishes first.
# --reverse makes task i sleep (4-i) x 0.4 s, so task 4 should finish first,
# but a task starts only when its worker is up (a lazy fork under TSan on a
# loaded machine can take longer than the 0.4 s gaps). So the checks that
# need that schedule (as_completed yields 4 3 2 1 0; map's first result comes
# after task 4 is done) must hold in one of up to 3 runs; each failed run
# prints what it saw. A map or as_completed that ignored completion order
# fails all three.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
ATTEMPTS=3
for mode in thread process; do
    # --- map: input order -------------------------------------------------------
    sched_ok=0
    for attempt in $(seq $ATTEMPTS); do
        if ! "$CFBENCH" loiter --mode "$mode" --workers 5 --tasks 5 --unit 0.4 --reverse >"$tmp/map" 2>&1; then
            fail "$mode map run"; cat "$tmp/map"; break
        fi
        got=$(sed -n 's/.*] result \([0-9]*\): \([0-9]*\)$/\1=\2/p' "$tmp/map" | tr '\n' ' ')
        [ "$got" = "0=0 1=10 2=20 3=30 4=40 " ] || { fail "$mode map order: $got"; cat "$tmp/map"; break; }
        for i in 0 1 2 3 4; do # a result is printed after its task is done
            li=$(grep -n "loiter($i): done" "$tmp/map" | cut -d: -f1); ri=$(grep -n "] result $i:" "$tmp/map" | cut -d: -f1)
            [ -n "$li" ] && [ -n "$ri" ] && [ "$li" -lt "$ri" ] || fail "$mode map: result $i before loiter($i) done"
        done
        # map's first result (task 0, the slowest) comes after task 4 is done
        l4=$(grep -n 'loiter(4): done' "$tmp/map" | cut -d: -f1); r0=$(grep -n '] result 0:' "$tmp/map" | cut -d: -f1)
        if [ -n "$l4" ] && [ -n "$r0" ] && [ "$l4" -lt "$r0" ]; then sched_ok=1; break; fi
        echo "  $mode map, run $attempt: task 4 was not done before result 0 (schedule upset?):"; cat "$tmp/map"
    done
    [ $sched_ok = 1 ] || fail "$mode: result 0 before loiter(4) done in $ATTEMPTS runs"

    # --- as_completed: completion order -------------------------------------------
    order_ok=0
    for attempt in $(seq $ATTEMPTS); do
        if ! "$CFBENCH" loiter --mode "$mode" --workers 5 --tasks 5 --unit 0.4 --reverse --as-completed >"$tmp/ac" 2>&1; then
            fail "$mode as-completed run"; cat "$tmp/ac"; break
        fi
        got=$(sed -n 's/.*] result (task \([0-9]*\)): \([0-9]*\)$/\1=\2/p' "$tmp/ac" | tr '\n' ' ')
        sorted=$(tr ' ' '\n' <<<"$got" | grep . | sort | tr '\n' ' ')
        [ "$sorted" = "0=0 1=10 2=20 3=30 4=40 " ] || { fail "$mode as_completed: not each task once: $got"; cat "$tmp/ac"; break; }
        if [ "$got" = "4=40 3=30 2=20 1=10 0=0 " ]; then order_ok=1; break; fi
        echo "  $mode as_completed, run $attempt: order $got (schedule upset?):"; cat "$tmp/ac"
    done
    [ $order_ok = 1 ] || fail "$mode as_completed order not 4 3 2 1 0 in $ATTEMPTS runs"
done
# the book's default shape (ramp, 3 workers) with timestamps
"$CFBENCH" loiter --tasks 5 --workers 3 --unit 0.02 >"$tmp/o" 2>&1 || fail "ramp run"
grep -Eq '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] Script starting\.$' "$tmp/o" || { fail "no timestamped start"; cat "$tmp/o"; }
[ "$(grep -c 'doing nothing for' "$tmp/o")" = 5 ] || fail "want 5 loiter lines"
echo "$fails failures"
[ "$fails" = 0 ]
