#!/usr/bin/env bash
# Bad parameter values are usage errors found before the sweep (issue 14,
# item 8): exit 2, one line naming the --param and the value, printed with
# -q too, no results file, no work. An error during the sweep (a case that
# cannot run) is never silenced by -q either.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect_usage() { # expect_usage PATTERN RUN-ARGS...
    local pat=$1
    shift
    rm -f r.json
    timeout 120 "$CFBENCH" run -q -m seq -r 1 --warmup 0 -o r.json "$@" >out 2>err
    local rc=$?
    [ "$rc" = 2 ] || { bad "run $*: exit $rc, want 2 ($(cat err))"; return; }
    grep -Eq "$pat" err || bad "run $*: stderr does not match /$pat/: $(cat err)"
    [ "$(wc -l <err)" = 1 ] || bad "run $*: want one stderr line, got: $(cat err)"
    [ -e r.json ] && bad "run $*: wrote a results file"
    [ -s out ] && bad "run $*: printed on stdout: $(cat out)"
}

expect_usage "^cfbench run: --param primes\.numbers=abc: numbers: 'abc' is not a comma-separated list of integers" -w primes -p primes.numbers=abc
expect_usage "^cfbench run: --param numbers=7,,x: numbers: '7,,x' is not" -w primes -p numbers=7,,x
expect_usage "^cfbench run: --param flags\.delay=abc: delay: 'abc' is not MIN:MAX seconds" -w flags -p flags.delay=abc
expect_usage "^cfbench run: --param delay=0.5:0.1: delay: '0.5:0.1' is not MIN:MAX" -w flags -p delay=0.5:0.1
expect_usage "^cfbench run: --param flags\.codes=ABC: codes: each CC argument must be" -w flags -p flags.codes=ABC
expect_usage "^cfbench run: --param flags\.codes=,: codes: no country codes" -w flags -p flags.codes=,
expect_usage "^cfbench run: --param flags\.dest=: dest: " -w flags -p flags.dest=
# the check runs for every selected workload, also when the bad one is last
expect_usage "^cfbench run: --param primes\.numbers=x: " -w noop,primes -p noop.tasks=1 -p primes.numbers=x
# a value that passed is overridden by a later bad one: the last one is named
expect_usage "^cfbench run: --param primes\.numbers=bad: " -w primes -p primes.numbers=7 -p primes.numbers=bad
# good values still run
timeout 120 "$CFBENCH" run -q -w primes -m seq -r 1 --warmup 0 -p primes.numbers=7,9,11 -o ok.json >out 2>err
[ $? = 0 ] || bad "primes.numbers=7,9,11: $(cat err)"

# A case that fails during the sweep (its download directory cannot be made:
# a regular file is in the way) is reported with -q: exit 1 and a line
echo x >afile
timeout 120 "$CFBENCH" run -q -w flags -m seq -r 1 --warmup 0 -p flags.dest=afile/sub -o mid.json >out 2>err
rc=$?
[ "$rc" = 1 ] || bad "mid-sweep failure: exit $rc, want 1"
grep -q "^cfbench run: case flags/seq/w1 failed: run setup failed: " err || bad "mid-sweep failure with -q: stderr: $(cat err)"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cases"][0]["error"]' mid.json ||
    bad "mid-sweep failure: no error in the results file"
echo "$fails failures"
[ "$fails" = 0 ]
