#!/usr/bin/env bash
# cfbench spinner: the output lines of every mode x computation, the
# lessons that hold by construction, the terminal animation, usage errors.
#
# Deterministic checks only (never "the scheduler gave the spinner its
# turn"):
#   - async + block/cpu: the computation runs on the loop thread, so the
#     spinner's timer cannot fire: 0 ticks and a largest gap equal to the
#     whole computation (>= --seconds for block).
#   - every mode: ticks <= computation / interval + 1 (the spinner waits an
#     interval between frames; the printed computation is rounded to 1 ms).
#   - on a terminal (a pty from script(1)), thread and process modes draw
#     their first frame before they first wait, so "\r\ thinking!" is there;
#     async + block never draws at all (the book: the spinner never shows).
#   - not a terminal: no carriage returns.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
P=100000000000000003 # a prime: ~0.25 s of trial division here
IV=0.05
re='^spinner: ([0-9]+) ticks?, largest gap ([0-9]+\.[0-9]{3}) s \(([a-z]+) mode, ([a-z]+) for ([0-9]+\.[0-9]{3}) s(, GIL switch interval [0-9.e-]+ s)?\)$'

check_run() { # mode work extra-args...
    local mode=$1 work=$2; shift 2
    "$CFBENCH" spinner --mode "$mode" --work "$work" --seconds 0.3 --number $P --interval $IV "$@" \
        >"$tmp/o" 2>"$tmp/e" || { fail "$mode/$work $*: exit $?"; cat "$tmp/e"; return 1; }
    [ "$(wc -l <"$tmp/o")" = 3 ] || { fail "$mode/$work: want 3 lines"; cat "$tmp/o"; }
    if [ "$work" = cpu ]; then want="Answer: True"; else want="Answer: 42"; fi
    [ "$(sed -n 1p "$tmp/o")" = "$want" ] || fail "$mode/$work: first line $(sed -n 1p "$tmp/o")"
    line=$(sed -n 2p "$tmp/o")
    if ! [[ $line =~ $re ]]; then fail "$mode/$work: measure line: $line"; return 1; fi
    ticks=${BASH_REMATCH[1]} gap=${BASH_REMATCH[2]} comp=${BASH_REMATCH[5]}
    [ "${BASH_REMATCH[3]}" = "$mode" ] && [ "${BASH_REMATCH[4]}" = "$work" ] || fail "$mode/$work: names in $line"
    grep -q $'\r' "$tmp/o" && fail "$mode/$work: carriage return while not a terminal"
    sed -n 3p "$tmp/o" | grep -Eq '^The spinner (stayed responsive|stalled|never drew)' || fail "$mode/$work: lesson line"
    awk -v t="$ticks" -v c="$comp" -v i=$IV 'BEGIN { exit !(t <= (c + 0.0005) / i + 1) }' ||
        fail "$mode/$work: $ticks ticks in $comp s at one per $IV s"
    return 0
}

for mode in thread process async; do
    for work in sleep block cpu; do
        check_run $mode $work || continue
        if [ $mode = async ] && [ $work != sleep ]; then
            [ "$ticks" = 0 ] || fail "async/$work: $ticks ticks while the loop was blocked"
            [ "$gap" = "$comp" ] || fail "async/$work: gap $gap != computation $comp"
            grep -q 'blocked the event loop' "$tmp/o" || fail "async/$work: lesson"
            [ $work = block ] && { awk -v g="$gap" 'BEGIN { exit !(g >= 0.3) }' || fail "async/block: gap $gap < 0.3 s"; }
        fi
    done
done
check_run thread cpu --gil && { grep -q 'GIL switch interval 0.005 s' "$tmp/o" || fail "--gil: interval not shown"; }
check_run thread cpu --gil --switch-interval 0.2 || true
check_run process sleep --gil || true

# On a terminal: frames drawn with \r (thread/process); none for async+block.
if script -qec true /dev/null >/dev/null 2>&1; then
    for mode in thread process; do
        script -qec "$CFBENCH spinner --mode $mode --seconds 0.1 --interval $IV" /dev/null >"$tmp/tty" 2>&1
        grep -q $'\r\\\\ thinking!' "$tmp/tty" || { fail "$mode on a tty: no first frame"; od -c "$tmp/tty" | head; }
        grep -q 'Answer: 42' "$tmp/tty" || fail "$mode on a tty: no answer"
    done
    script -qec "$CFBENCH spinner --mode async --work block --seconds 0.1 --message spinning" /dev/null >"$tmp/tty" 2>&1
    grep -q 'spinning' "$tmp/tty" && fail "async+block on a tty: the spinner drew a frame"
    grep -q '^spinner: 0 ticks' "$tmp/tty" || fail "async+block on a tty: ticks"
else
    echo "script(1) cannot make a pty here: terminal checks skipped"
fi

# Usage errors: exit 2, one line on stderr, nothing on stdout.
for args in "--mode x" "--work x" "--number 4" "--number -7" "--seconds -1" "--interval 0" \
    "--switch-interval 0" "--bogus" "extra"; do
    # shellcheck disable=SC2086
    "$CFBENCH" spinner $args >"$tmp/o" 2>"$tmp/e"; rc=$?
    [ $rc = 2 ] || fail "spinner $args: exit $rc, want 2"
    [ "$(wc -l <"$tmp/e")" = 1 ] && grep -q '^cfbench spinner: ' "$tmp/e" || { fail "spinner $args: stderr"; cat "$tmp/e"; }
    [ -s "$tmp/o" ] && fail "spinner $args: printed on stdout"
done
"$CFBENCH" spinner --help | grep -q '^usage: cfbench spinner' || fail "--help"
echo "$fails failures"
[ "$fails" = 0 ]
