#!/usr/bin/env bash
# cfbench procs: the book's procs.py (and threads.py) output format, every number checked
# once with the right verdict, the stop signal ending every worker (a
# missing pill would hang the command: the test's timeout), usage errors.
# Deterministic: which worker checks which number, and so the ORDER of the
# result lines, is not; the checks compare sets.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

# The reference: the same numbers and verdicts from the sequential demo.
"$CFBENCH" primes --mode seq --set small >"$tmp/seq" 2>&1 || fail "primes --mode seq"
grep -E '^ *[0-9]+  [P ] ' "$tmp/seq" | sed -E 's/^ *([0-9]+)  (.) .*/\1 \2/' | sort >"$tmp/want"
[ "$(wc -l <"$tmp/want")" = 20 ] || fail "reference: want 20 numbers"

# process mode (procs.py) and thread mode (threads.py), with and without the GIL
for run in "1 process" "3 process" "3 process --gil" "1 thread" "3 thread" "3 thread --gil"; do
    set -- $run; n=$1 mode=$2; shift 2
    what=processes; [ "$mode" = thread ] && what=threads
    "$CFBENCH" procs $n --mode $mode "$@" --set small >"$tmp/o" 2>"$tmp/e" || { fail "procs $run: exit $?"; cat "$tmp/e"; }
    [ "$(wc -l <"$tmp/o")" = 22 ] || fail "procs $run: want 22 lines, got $(wc -l <"$tmp/o")"
    [ "$(head -1 "$tmp/o")" = "Checking 20 numbers with $n $what:" ] || fail "procs $run: header: $(head -1 "$tmp/o")"
    # f'{n:16}  {label} {elapsed:9.6f}s': 16 + 2 + 1 + 1 + 9 + 1 = 30 columns
    body=$(sed -n '2,21p' "$tmp/o")
    bad=$(grep -Ecv '^[ 0-9]{16}  [P ] [ 0-9][0-9]\.[0-9]{6}s$' <<<"$body")
    [ "$bad" = 0 ] || { fail "procs $run: $bad result lines not in the book's format"; cat "$tmp/o"; }
    sed -E 's/^ *([0-9]+)  (.) .*/\1 \2/' <<<"$body" | sort >"$tmp/got"
    cmp -s "$tmp/want" "$tmp/got" || { fail "procs $run: numbers/verdicts differ from seq"; diff "$tmp/want" "$tmp/got"; }
    tail -1 "$tmp/o" | grep -Eq '^20 checks in [0-9]+\.[0-9]{2}s$' || fail "procs $run: total: $(tail -1 "$tmp/o")"
    [ -s "$tmp/e" ] && { fail "procs $run: stderr not empty"; cat "$tmp/e"; }
done

# More workers than numbers: every worker still gets its pill and ends.
"$CFBENCH" procs 5 --numbers 7,8,9 >"$tmp/o" 2>&1 || fail "procs 5 --numbers: exit $?"
[ "$(head -1 "$tmp/o")" = "Checking 3 numbers with 5 processes:" ] || fail "3 numbers header"
[ "$(grep -c '^ *[0-9]*  [P ] ' "$tmp/o")" = 3 ] || fail "want 3 result lines"
grep -Eq '^ {15}7  P ' "$tmp/o" || fail "7 is prime"
grep -Eq '^ {15}8    ' "$tmp/o" || fail "8 is not"
tail -1 "$tmp/o" | grep -Eq '^3 checks in ' || fail "3 checks"

# N defaults to the CPUs this process may use (os.cpu_count in the book).
"$CFBENCH" procs --numbers 11 >"$tmp/o" 2>&1 || fail "procs (default N)"
[ "$(head -1 "$tmp/o")" = "Checking 1 numbers with $(nproc) processes:" ] || fail "default N: $(head -1 "$tmp/o") (nproc $(nproc))"
"$CFBENCH" procs -j 2 --numbers 11 | head -1 | grep -q 'with 2 processes' || fail "--workers 2"

# Usage errors: exit 2, one line on stderr.
for args in "0" "abc" "2 3" "-j 2 3" "--numbers 0,7" "--numbers x" "--set nope" "--bogus" "513" \
    "--mode seq" "--switch-interval 0"; do
    # shellcheck disable=SC2086
    "$CFBENCH" procs $args >"$tmp/o" 2>"$tmp/e"; rc=$?
    [ $rc = 2 ] || fail "procs $args: exit $rc, want 2"
    [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q '^cfbench procs: ' "$tmp/e" || { fail "procs $args: stderr"; cat "$tmp/e"; }
    [ -s "$tmp/o" ] && fail "procs $args: printed on stdout"
done
"$CFBENCH" procs --help | grep -q '^usage: cfbench procs' || fail "--help"
echo "$fails failures"
[ "$fails" = 0 ]
