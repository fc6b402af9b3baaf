#!/usr/bin/env bash
# run's lists (issue 14, items 7 and 9): -w/-m/-j/--impl take lists of any
# length (no silent cut at 64 items), and a name given twice runs once with
# a note (never two cases under one id); -q drops the note.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
ids() { python3 -c 'import json,sys; print(" ".join(c["id"] for c in json.load(open(sys.argv[1]))["cases"]))' "$1"; }

# -j 1,2,...,70 written out: 70 thread cases (one empty task each)
list=$(seq -s, 1 70)
timeout 250 "$CFBENCH" run -w noop -m thread -j "$list" -r 1 --warmup 0 -p noop.tasks=1 -q \
    -o "$tmp/j70.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || bad "-j 1..70 as a list: exit $rc: $(head -c 500 "$tmp/err")"
got=$(ids "$tmp/j70.json")
want=$(for i in $(seq 1 70); do printf 'noop/thread/w%d ' "$i"; done)
[ "$got" = "${want% }" ] || bad "-j 1..70 as a list: cases: $got"

# 300 items, the only new value last: parsed to the end (w1, w2), not cut
list="$(printf '1,%.0s' $(seq 300))2"
timeout 120 "$CFBENCH" run -w noop -m thread -j "$list" -r 1 --warmup 0 -p noop.tasks=1 -q \
    -o "$tmp/j300.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && [ "$(ids "$tmp/j300.json")" = "noop/thread/w1 noop/thread/w2" ] ||
    bad "-j of 301 items: exit $rc, cases $(ids "$tmp/j300.json" 2>&1)"

# 100 workload names (one repeated): one workload, one note
wl="$(printf 'noop,%.0s' $(seq 99))noop"
timeout 120 "$CFBENCH" run -w "$wl" -m seq -r 1 --warmup 0 -p noop.tasks=1 -o "$tmp/w100.json" \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] && [ "$(ids "$tmp/w100.json")" = "noop/seq/w1" ] || bad "-w noop x100: exit $rc, cases $(ids "$tmp/w100.json" 2>&1)"
[ "$(grep -c "^cfbench run: note: --workload lists 'noop' more than once; it runs once$" "$tmp/err")" = 1 ] ||
    bad "-w noop x100: want one note, got: $(grep note "$tmp/err")"

# -w primes,primes -m seq,seq --impl c,c: one case per id, notes; -q: none
timeout 120 "$CFBENCH" run -w primes,noop,primes -m seq,thread,seq -j 2,2 --impl c,c -r 1 --warmup 0 \
    -p primes.set=small -p noop.tasks=1 --no-floors -o "$tmp/dup.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 0 ] || bad "duplicates: exit $rc: $(cat "$tmp/err")"
[ "$(ids "$tmp/dup.json")" = "primes/seq/w1 primes/thread/w2 noop/seq/w1 noop/thread/w2" ] ||
    bad "duplicates: cases $(ids "$tmp/dup.json")"
for n in "--workload lists 'primes'" "--mode lists 'seq'" "--impl lists 'c'"; do
    grep -q "^cfbench run: note: $n more than once; it runs once$" "$tmp/err" || bad "duplicates: no note '$n'"
done
[ "$(grep -c 'note:' "$tmp/err")" = 3 ] || bad "duplicates: want 3 notes: $(grep note "$tmp/err")"
timeout 120 "$CFBENCH" run -q -w noop,noop -m seq -r 1 --warmup 0 -p noop.tasks=1 -o "$tmp/q.json" \
    >"$tmp/out" 2>"$tmp/err"
[ -s "$tmp/err" ] && bad "-q: printed $(cat "$tmp/err")"
[ "$(ids "$tmp/q.json")" = "noop/seq/w1" ] || bad "-q duplicates: cases $(ids "$tmp/q.json")"
echo "$fails failures"
[ "$fails" = 0 ]
