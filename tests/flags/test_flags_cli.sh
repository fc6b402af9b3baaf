#!/usr/bin/env bash
# test_flags_cli.sh — `cfbench flags`: the book's output lines, counts in
# every mode, saved files, ERROR counts with a seed, bad usage → exit 2.
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
fail=0
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
cd "$t" || exit 1

check() { # check DESC COND...
    local desc=$1
    shift
    if "$@"; then echo "ok   $desc"; else echo "FAIL $desc"; fail=1; fi
}

# -e against LOCAL: 194 downloaded, 482 not found, in every mode.
for mode in seq thread process async; do
    out=$(timeout 120 "$CFBENCH" flags -e -m 20 --mode "$mode" -o "out-$mode" 2>err-$mode)
    rc=$?
    check "$mode: exit 0" test "$rc" -eq 0
    check "$mode: site line" grep -Eq '^LOCAL site: http://127\.0\.0\.1:[0-9]+/flags$' <<<"$out"
    check "$mode: search line" grep -qx 'Searching for 676 flags: from AA to ZZ' <<<"$out"
    want=20
    [ "$mode" = seq ] && want=1
    check "$mode: connections line" grep -qx "$want concurrent connections\{0,1\} will be used." <<<"$out"
    check "$mode: dashed line" grep -qx -- '--------------------' <<<"$out"
    check "$mode: 194 downloaded" grep -qx '194 flags downloaded.' <<<"$out"
    check "$mode: 482 not found" grep -qx '482 not found.' <<<"$out"
    check "$mode: no errors line" bash -c "! grep -q 'error' <<<\"\$0\"" "$out"
    check "$mode: elapsed line" grep -Eq '^Elapsed time: [0-9]+\.[0-9]{2}s$' <<<"$out"
    check "$mode: 194 files" test "$(ls "out-$mode" | wc -l)" -eq 194
done

# Default list (POP20), verbose lines.
out=$("$CFBENCH" flags -v --mode thread -o pop20)
check "pop20: 20 flags" grep -qx 'Searching for 20 flags: from BD to VN' <<<"$out"
check "pop20: BR OK line" grep -qx 'BR OK' <<<"$out"
check "pop20: 20 OK lines" test "$(grep -c ' OK$' <<<"$out")" -eq 20

# A letter expands to XA..XZ; -l limits.
out=$("$CFBENCH" flags X -v -o - -m 3)
check "X: 26 codes" grep -qx 'Searching for 26 flags: from XA to XZ' <<<"$out"
check "X: XA not found" grep -qx 'XA not found' <<<"$out"
check "X: 26 not found" grep -qx ' 26 not found.' <<<"$out"
out=$("$CFBENCH" flags -a -l 10 -o -)
check "limit: 10" grep -qx 'Searching for 10 flags: from AD to AU' <<<"$out"
check "limit: 10 downloaded" grep -qx ' 10 flags downloaded.' <<<"$out"

# ERROR with a fixed seed: the same count twice, errors printed as the book.
e1=$("$CFBENCH" flags -a -s ERROR --delay 0:0.01 --seed 7 -m 50 -v -o -)
e2=$("$CFBENCH" flags -a -s ERROR --delay 0:0.01 --seed 7 -m 50 --mode thread -o -)
n1=$(grep -E '^ *[0-9]+ errors?\.$' <<<"$e1")
n2=$(grep -E '^ *[0-9]+ errors?\.$' <<<"$e2")
check "ERROR: site line" grep -Eq '^ERROR site: http://127\.0\.0\.1:[0-9]+/flags$' <<<"$e1"
check "ERROR: some errors" test -n "$n1"
check "ERROR: same count with the same seed ($n1 / $n2)" test "$n1" = "$n2"
check "ERROR: teapot lines" grep -Eq "^[A-Z]{2} error: 418 I'm a teapot$" <<<"$e1"

# Saving replaces only regular files: a FIFO, a directory or a symlink
# already at {CC}.gif is left as it was and that flag is an error.
mkdir keep && mkfifo keep/BR.gif && mkdir keep/CN.gif && echo target >real.txt &&
    ln -s ../real.txt keep/IN.gif && echo old >keep/US.gif
out=$(timeout 60 "$CFBENCH" flags -v --mode thread -o keep BR CN IN US 2>&1)
check "keep: FIFO still a FIFO" test -p keep/BR.gif
check "keep: directory still a directory" test -d keep/CN.gif
check "keep: symlink still a symlink" test -L keep/IN.gif
check "keep: symlink target untouched" test "$(cat real.txt)" = target
check "keep: regular file replaced" bash -c '[ "$(head -c 3 keep/US.gif)" = GIF ]'
check "keep: FIFO named" grep -q '^BR error: save .*BR.gif: not a regular file' <<<"$out"
check "keep: 3 errors" grep -Eq '^ *3 errors\.$' <<<"$out"
check "keep: no temp file left" test "$(ls keep | wc -l)" -eq 4

# A refused connection is an error, not a hang.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 1)
out=$(timeout 30 "$CFBENCH" flags -s "http://127.0.0.1:$port/flags" -v CN -o - 2>refused.err)
rc=$?
check "refused: error line" grep -qx "CN error: connection refused (127.0.0.1:$port)" <<<"$out"
check "refused: exit 1 (test_flags_messages.sh has the rest)" test "$rc" -eq 1
check "refused: URL site" grep -q '^URL site: ' <<<"$out"

# Bad usage: exit 2 with one line "cfbench flags: ..." on stderr.
bad() {
    "$CFBENCH" flags "$@" >/dev/null 2>err.txt
    local rc=$?
    check "bad usage '$*': exit 2" test "$rc" -eq 2
    check "bad usage '$*': message" grep -q '^cfbench flags: ' err.txt
    check "bad usage '$*': one line" test "$(wc -l <err.txt)" -eq 1
}
bad ABC
bad 1
bad --mode fast
bad -m 0
bad -m x
bad -l -3
bad -s NOWHERE
bad -a -e
bad -a BR
bad --bogus
bad --timeout 0
bad --delay 5:1
bad -m
"$CFBENCH" flags --help >help.txt
check "--help: exit 0" test $? -eq 0
check "--help: usage" grep -q '^usage: cfbench flags' help.txt

# Ctrl-C stops cleanly: a slow DELAY run interrupted prints what was done.
# Run to its end it would take 676 x 1 s / 4 = 169 s; interrupted it must be
# done within 30 s (in-flight transfers are cut short; the bound leaves a
# loaded machine room and still fails a run that ignored the signal).
# With --meta (flags3) too, saving: no temporary file is left behind.
for run in async thread "async --meta" "thread --meta"; do
    set -- $run
    rm -f int.txt # the wait below must see this run's header, not the last one's
    rm -rf int-out
    "$CFBENCH" flags -a -s DELAY --delay 1:1 -m 4 --mode "$@" -o int-out >int.txt 2>&1 &
    pid=$!
    for _ in $(seq 1200); do grep -qs 'concurrent connection' int.txt && break; sleep 0.05; done
    mode="$run"
    check "Ctrl-C $mode: header printed (within 60 s)" grep -qs 'concurrent connection' int.txt
    kill -INT $pid
    start=$(date +%s)
    wait $pid
    rc=$?
    check "Ctrl-C $mode: exit 1" test "$rc" -eq 1
    check "Ctrl-C $mode: interrupted line" grep -q '^\*\*\* Interrupted: ' int.txt
    check "Ctrl-C $mode: report" grep -q '^Elapsed time: ' int.txt
    check "Ctrl-C $mode: quick" test $(( $(date +%s) - start )) -le 30
    check "Ctrl-C $mode: no temporary file" test -z "$(ls -A int-out | grep '^\.')"
done

exit $fail
