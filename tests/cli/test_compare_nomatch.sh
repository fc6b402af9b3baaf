#!/usr/bin/env bash
# `cfbench compare` of files with nothing in common says why (issue 16,
# item 5; docs/cli-compare.md): one line on stderr, exit 2, naming the
# parameters (and values) that differ between cases of the same workload,
# mode and workers, a different impl, different worker / mode / workload
# lists, and a few ids found on one side only; --case selecting nothing.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
mk() { # mk NAME RUN-ARGS...: a small results file $tmp/NAME.json
    local name=$1
    shift
    timeout 120 "$CFBENCH" run -r 3 --warmup 0 -q -o "$tmp/$name.json" "$@" >/dev/null 2>"$tmp/err" ||
        { echo "FAIL: cannot make $name: $(cat "$tmp/err")"; exit 1; }
}
mk t10 -w loiter -p loiter.tasks=10 -p loiter.unit=0.0001 -m seq,thread -j 1,2
mk t16 -w loiter -p loiter.tasks=16 -p loiter.unit=0.0001 -m seq,thread -j 1,2
mk t16u -w loiter -p loiter.tasks=16 -p loiter.unit=0.0002 -m seq,thread -j 1,2
mk w12 -w noop -p noop.tasks=10 -m thread -j 1,2
mk w48 -w noop -p noop.tasks=10 -m thread -j 4,8
mk gil -w noop -p noop.tasks=10 -m thread -j 1,2 --impl c+gil
mk many -w noop -p noop.tasks=10 -m thread -j 3..9

# nomatch BASE NEW [ARGS...]: exit 2, one line in $tmp/msg
nomatch() {
    local b=$1 n=$2
    shift 2
    timeout 60 "$CFBENCH" compare "$tmp/$b.json" "$tmp/$n.json" "$@" >"$tmp/out" 2>"$tmp/msg"
    local rc=$?
    [ "$rc" = 2 ] || bad "compare $b $n $*: exit $rc, want 2 ($(cat "$tmp/msg"))"
    [ "$(wc -l <"$tmp/msg")" = 1 ] || bad "compare $b $n $*: want one stderr line, got: $(cat "$tmp/msg")"
    [ -s "$tmp/out" ] && bad "compare $b $n $*: printed a report"
}
has() { # has TEXT: the last message contains TEXT (fixed string)
    grep -qF -- "$1" "$tmp/msg" || bad "message lacks '$1': $(cat "$tmp/msg")"
}
hasnt() {
    grep -qF -- "$1" "$tmp/msg" && bad "message has '$1': $(cat "$tmp/msg")"
}

nomatch t10 t16
has "cfbench compare: no case in common between BASE (3 cases) and NEW (3 cases). "
has "Same workload, mode and workers, different parameters: loiter.tasks: 10 in BASE, 16 in NEW."
hasnt "Only in" # the same ids on both sides
hasnt "unit"

nomatch t10 t16u
has "loiter.tasks: 10 in BASE, 16 in NEW; loiter.unit: 0.0001 in BASE, 0.0002 in NEW."

nomatch w12 gil
has "Same workload, mode and workers, different impl: c in BASE, c+gil in NEW."
has "Only in BASE: noop/thread/w1, noop/thread/w2."
has "Only in NEW: noop/thread/w1/c+gil, noop/thread/w2/c+gil."

nomatch w12 w48
has "Workers: 1,2 in BASE, 4,8 in NEW."
has "Only in BASE: noop/thread/w1, noop/thread/w2. Only in NEW: noop/thread/w4, noop/thread/w8."
hasnt "Same workload"

nomatch w12 many
has "and NEW (7 cases)"
has "Workers: 1,2 in BASE, 3,4,5,6,7,8,9 in NEW."
has "Only in NEW: noop/thread/w3, noop/thread/w4, noop/thread/w5 (+4 more)."

nomatch w12 t10
has "Workloads: noop in BASE, loiter in NEW."
has "Modes: thread in BASE, seq,thread in NEW."

nomatch w12 w48 --case 'loiter*'
has "among the selected ones. --case selects no case in either file."
nomatch w12 t10 --case 'noop*'
has "--case selects no case in NEW."

# a match still compares (exit 0, a report on stdout)
timeout 60 "$CFBENCH" compare "$tmp/t10.json" "$tmp/t10.json" -t 900% >"$tmp/out" 2>"$tmp/msg"
rc=$?
[ "$rc" = 0 ] && [ -s "$tmp/out" ] || bad "compare t10 t10: exit $rc: $(cat "$tmp/msg")"

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "ok"
