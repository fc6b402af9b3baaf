#!/usr/bin/env bash
# cfbench run/list/primes/loiter: --help, bad usage -> exit 2 + one-line message.
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
fails=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

expect() { # expect CODE PATTERN ARGS... : exit code and a stderr line matching PATTERN
    local code=$1 pat=$2; shift 2
    "$CFBENCH" "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" != "$code" ]; then
        echo "FAIL: cfbench $* -> exit $rc, want $code"; cat "$tmp/err"; fails=$((fails+1)); return
    fi
    if [ -n "$pat" ] && ! grep -Eq "$pat" "$tmp/err"; then
        echo "FAIL: cfbench $* -> stderr does not match /$pat/:"; cat "$tmp/err"; fails=$((fails+1)); return
    fi
    if [ "$code" = 2 ] && [ "$(wc -l <"$tmp/err")" != 1 ]; then
        echo "FAIL: cfbench $* -> want one stderr line, got:"; cat "$tmp/err"; fails=$((fails+1))
    fi
}

for cmd in run list primes loiter; do
    expect 0 "" "$cmd" --help
    grep -q "usage: cfbench $cmd" "$tmp/out" || { echo "FAIL: $cmd --help has no usage line"; fails=$((fails+1)); }
done
expect 2 "^cfbench run: unknown option '--bogus'" run --bogus
expect 2 "^cfbench run: unknown workload 'nope'" run --workload nope
expect 2 "^cfbench run: unknown mode 'fast'" run --mode seq,fast
expect 2 "^cfbench run: --workers" run --workers 0
expect 2 "^cfbench run: --workers" run --workers 4..2
expect 2 "^cfbench run: --workers" run --workers two
expect 2 "^cfbench run: --repeat" run --repeat 0
expect 2 "^cfbench run: --warmup" run --warmup -1
expect 2 "^cfbench run: option '--repeat' needs a value" run --repeat
expect 2 "^cfbench run: --param: 'novalue' is not key=value" run --param novalue
expect 2 "^cfbench run: --param nope.x: unknown workload 'nope'" run --param nope.x=1
expect 2 "^cfbench run: --param primes.bogus: workload primes has no parameter 'bogus'" run --param primes.bogus=1
expect 2 "^cfbench run: --param bogus: no selected workload has a parameter 'bogus'" run --param bogus=1
expect 2 "^cfbench run: --param primes.set=huge: set: 'huge' is not one of" run --param primes.set=huge
expect 2 "^cfbench run: --param tasks=0: tasks: 0 is below the minimum 1" run -w loiter --param tasks=0
expect 2 "^cfbench run: --param loiter.unit=abc: unit: 'abc' is not a number" run -w loiter -p loiter.unit=abc
expect 2 "^cfbench run: unexpected argument 'extra'" run extra
expect 2 "^cfbench run: unknown implementation" run --impl rust
expect 2 "^cfbench list: unknown option" list --bogus
expect 2 "^cfbench primes: --mode must be" primes --mode gpu
expect 2 "^cfbench primes: --workers" primes --workers 0
expect 2 "^cfbench primes: set: 'x' is not one of" primes --set x
expect 2 "^cfbench primes: numbers:" primes --numbers 1,x
expect 2 "^cfbench loiter: --unit" loiter --unit -1
expect 2 "^cfbench loiter: --tasks" loiter --tasks 0
expect 2 "^cfbench loiter: unknown option" loiter --fast
# nothing ran for the bad runs: no cfbench-out appeared in the cwd
[ -e "$tmp/cfbench-out" ] && { echo "FAIL: a bad run created cfbench-out/"; fails=$((fails+1)); }

"$CFBENCH" list >"$tmp/list" 2>&1 || { echo "FAIL: list"; fails=$((fails+1)); }
for w in primes loiter noop; do
    grep -q "^  $w " "$tmp/list" || { echo "FAIL: list lacks $w"; fails=$((fails+1)); }
done
grep -q "primes.set=fixture" "$tmp/list" || { echo "FAIL: list lacks primes.set default"; fails=$((fails+1)); }

echo "$fails failures"
[ "$fails" = 0 ]
