#!/usr/bin/env bash
# An unwritable results path is a clear error (exit 3) before any work starts.
# (A missing directory is not: it is created, tests/cli/test_out_mkdir.sh.)
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check PATH
    local start end
    start=$(date +%s%N)
    # a sweep whose every repetition (warm-up included) sleeps 0+1+2+3+4 = 10 s:
    # the error must come first. The bound (8 s) sits below one repetition, not
    # near the few milliseconds a refusal takes, so a loaded machine (or a
    # TSan build) cannot break it and a run that did any work still fails.
    "$CFBENCH" run -w loiter -m seq -r 5 -p loiter.unit=1.0 -o "$1" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    end=$(date +%s%N)
    [ "$rc" = 3 ] || { echo "FAIL: -o $1: exit $rc, want 3"; cat "$tmp/err"; fails=$((fails+1)); }
    grep -q "^cfbench run: cannot write results: " "$tmp/err" || { echo "FAIL: -o $1: message"; cat "$tmp/err"; fails=$((fails+1)); }
    [ "$(wc -l <"$tmp/err")" = 1 ] || { echo "FAIL: -o $1: more than one line"; cat "$tmp/err"; fails=$((fails+1)); }
    [ $(( (end - start) / 1000000 )) -lt 8000 ] || { echo "FAIL: -o $1: took $(( (end-start)/1000000 )) ms: work ran"; fails=$((fails+1)); }
    [ -s "$tmp/out" ] && { echo "FAIL: -o $1: printed a path"; fails=$((fails+1)); }
}
: >"$tmp/afile"
check "$tmp/afile/r.json" # a parent that is a file (a missing one is made)
mkdir "$tmp/adir"
check "$tmp/adir" # a directory
ls "$tmp/adir" | grep -q . && { echo "FAIL: temp file left behind"; fails=$((fails+1)); }
echo "$fails failures"
[ "$fails" = 0 ]
