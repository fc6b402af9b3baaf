#!/usr/bin/env bash
# cfbench primes gives the known answers in every mode (it checks each answer
# itself and exits 1 on a wrong one; here we also count the P lines).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
for mode in seq thread process; do
    "$CFBENCH" primes --mode "$mode" --workers 2 --set small >"$tmp/o" 2>"$tmp/e"
    rc=$?
    [ "$rc" = 0 ] || { echo "FAIL: primes --mode $mode exit $rc"; cat "$tmp/e"; fails=$((fails+1)); }
    n=$(grep -Ec '^ *[0-9]+  [P ] +[0-9.]+s$' "$tmp/o")
    p=$(grep -Ec '^ *[0-9]+  P ' "$tmp/o")
    [ "$n" = 20 ] && [ "$p" = 9 ] || { echo "FAIL: $mode: $n lines, $p primes"; cat "$tmp/o"; fails=$((fails+1)); }
    grep -q '^Total time: [0-9.]*s$' "$tmp/o" || { echo "FAIL: $mode: no total"; fails=$((fails+1)); }
    # numbers from the book's fixture that check quickly: every verdict as the book says
    "$CFBENCH" primes --mode "$mode" --numbers 2,142702110479723,3333333333333333,4444444444444444,5555555555555555,9999999999999999 >"$tmp/o2" 2>"$tmp/e2" \
        || { echo "FAIL: $mode fixture numbers"; cat "$tmp/e2"; fails=$((fails+1)); }
    for want in "2  P" "142702110479723  P" "3333333333333333   " "4444444444444444   " "9999999999999999   "; do
        grep -q "^ *$want" "$tmp/o2" || { echo "FAIL: $mode: missing '$want'"; cat "$tmp/o2"; fails=$((fails+1)); }
    done
done
# the sweep checks every value too: primes in every mode, no check failure
"$CFBENCH" run -w primes -m seq,thread,process -j 2 -r 1 --warmup 0 -p set=small -q -o "$tmp/r.json" >/dev/null 2>"$tmp/e" \
    || { echo "FAIL: primes sweep"; cat "$tmp/e"; fails=$((fails+1)); }
if [ "$(grep -c '"check_failures": 0' "$tmp/r.json")" != 3 ]; then
    echo "FAIL: primes sweep check_failures"; fails=$((fails+1))
fi
echo "$fails failures"
[ "$fails" = 0 ]
