#!/usr/bin/env bash
# cfbench futures: every future is printed as it goes pending -> running ->
# finished, in that order, with the same address; the task's own lines come
# between running and finished; executor.map's results come in input order
# with the right values. Deterministic by construction: a task reports
# "started" and waits for the main thread's go (so it is printed running
# before it can print anything), and its done callback reports the finish.
# In thread mode, while the main thread submits no task can end, so tasks
# i >= workers are certainly still pending when submitted.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
ts='^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] '
lineno() { grep -nE "$1" "$tmp/o" | head -1 | cut -d: -f1; }

for mode in thread process; do
    "$CFBENCH" futures --mode $mode --workers 3 --tasks 5 --unit 0.05 >"$tmp/o" 2>"$tmp/e" ||
        { fail "$mode: exit $?"; cat "$tmp/e"; continue; }
    bad=$(grep -Evc "$ts" "$tmp/o")
    [ "$bad" = 0 ] || fail "$mode: $bad lines without a [hh:mm:ss.mmm] stamp"
    grep -Eq "${ts}Script starting\.$" "$tmp/o" || fail "$mode: no start line"
    for i in 0 1 2 3 4; do
        tabs=$(printf '%*s' $i '' | tr ' ' '\t')
        sub=$(grep -E "${ts}submitted loiter\($i\): <Future at 0x[0-9a-f]+ state=(pending|running)>$" "$tmp/o")
        [ -n "$sub" ] || { fail "$mode: task $i: no submitted line"; continue; }
        addr=$(sed -E 's/.*<Future at (0x[0-9a-f]+) .*/\1/' <<<"$sub")
        if [ $mode = thread ] && [ $i -ge 3 ]; then
            grep -q 'state=pending>$' <<<"$sub" || fail "thread: task $i (>= workers) not pending at submit: $sub"
        fi
        s=$(lineno "${ts}submitted loiter\($i\):")
        r=$(lineno "${ts}${tabs}loiter\($i\): <Future at $addr state=running>$")
        d1=$(lineno "${ts}${tabs}loiter\($i\): doing nothing for ")
        d2=$(lineno "${ts}${tabs}loiter\($i\): done\.$")
        f=$(lineno "${ts}${tabs}loiter\($i\): <Future at $addr state=finished returned $((i * 10))>$")
        if [ -z "$r" ] || [ -z "$d1" ] || [ -z "$d2" ] || [ -z "$f" ]; then
            fail "$mode: task $i: missing a state line (running=$r doing=$d1 done=$d2 finished=$f)"; continue
        fi
        [ "$s" -lt "$r" ] && [ "$r" -lt "$d1" ] && [ "$d1" -lt "$d2" ] && [ "$d2" -lt "$f" ] ||
            fail "$mode: task $i out of order: submitted $s running $r doing $d1 done $d2 finished $f"
        [ "$(grep -cE "loiter\($i\): <Future at $addr state=" "$tmp/o")" = 3 ] || fail "$mode: task $i: want 3 lines with its future (submitted, running, finished)"
    done
    # the executor.map part: results in input order, each after its own task's done
    # (map's tasks start before cf_map returns, so its part begins after the last state line)
    grep -Eq "${ts}results = executor\.map\(loiter, range\(5\)\): <cf_map_iter 0x[0-9a-f]+>$" "$tmp/o" ||
        { fail "$mode: no map line"; cat "$tmp/o"; continue; }
    m=$(($(grep -n 'state=finished returned' "$tmp/o" | tail -1 | cut -d: -f1) + 1))
    got=$(tail -n +"$m" "$tmp/o" | sed -nE 's/.*\] result ([0-9]+): ([0-9]+)$/\1=\2/p' | tr '\n' ' ')
    [ "$got" = "0=0 1=10 2=20 3=30 4=40 " ] || fail "$mode: map results: $got"
    for i in 0 1 2 3 4; do
        dn=$(tail -n +"$m" "$tmp/o" | grep -nE "loiter\($i\): done\.$" | head -1 | cut -d: -f1)
        rn=$(tail -n +"$m" "$tmp/o" | grep -nE "\] result $i:" | head -1 | cut -d: -f1)
        [ -n "$dn" ] && [ -n "$rn" ] && [ "$dn" -lt "$rn" ] || fail "$mode: map result $i before its task was done"
    done
    [ -s "$tmp/e" ] && { fail "$mode: stderr"; cat "$tmp/e"; }
done

# whole seconds: [hh:mm:ss] stamps, as the book; --no-map stops after the states
"$CFBENCH" futures --tasks 2 --unit 0 --workers 1 --no-map >"$tmp/o" 2>&1 || fail "--no-map run"
grep -Eq '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\] ' "$tmp/o" || fail "unit 0: ms stamps"
grep -q 'executor.map' "$tmp/o" && fail "--no-map ran the map"
[ "$(grep -c 'state=finished returned' "$tmp/o")" = 2 ] || fail "--no-map: 2 finished lines"
"$CFBENCH" futures --tasks 1 --unit 1 --no-map >"$tmp/o" 2>&1 || fail "unit 1 run"
grep -Eq '^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] Script starting\.$' "$tmp/o" || fail "unit 1: [hh:mm:ss] stamps"

for args in "--tasks 0" "--tasks 21" "--workers 0" "--unit x" "--mode seq" "--bogus" "extra"; do
    # shellcheck disable=SC2086
    "$CFBENCH" futures $args >"$tmp/o" 2>"$tmp/e"; rc=$?
    [ $rc = 2 ] || fail "futures $args: exit $rc, want 2"
    [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q '^cfbench futures: ' "$tmp/e" || { fail "futures $args: stderr"; cat "$tmp/e"; }
    [ -s "$tmp/o" ] && fail "futures $args: printed on stdout"
done
"$CFBENCH" futures --help | grep -q '^usage: cfbench futures' || fail "--help"
echo "$fails failures"
[ "$fails" = 0 ]
