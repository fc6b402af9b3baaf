#!/usr/bin/env bash
# flags_cli_ab.sh — `cfbench flags` before/after, in the same run: two
# cfbench binaries (A = before, B = after) download the same flags from the
# same `cfbench serve` LOCAL server (a separate process, started by B), in
# interleaved rounds (A, B, A, B, … per mode), and the medians of the whole
# command's wall time (startup, 676 downloads, report) and their ratio B/A
# are printed per mode. Bodies are not saved (-o -): the client loop alone.
#
#   bench/flags_cli_ab.sh OLD_CFBENCH NEW_CFBENCH
#   env: ROUNDS (default 21), MODES (default "async thread"), MAXREQ (default 20),
#        CODES (default "-e": every code AA..ZZ, 676 requests, 194 found)
#
# Issue 12 item 3 (one implementation of each mode): A is main before the
# change, B the branch; a ratio within noise of 1.00 (or below) is "no slower".
set -u
a=${1:?usage: flags_cli_ab.sh OLD_CFBENCH NEW_CFBENCH}
b=${2:?usage: flags_cli_ab.sh OLD_CFBENCH NEW_CFBENCH}
rounds=${ROUNDS:-21}
modes=${MODES:-async thread}
maxreq=${MAXREQ:-20}
codes=${CODES:--e}
for f in "$a" "$b"; do
    [ -x "$f" ] || { echo "flags_cli_ab.sh: $f is not an executable" >&2; exit 2; }
done
tmp=$(mktemp -d)
spid=
cleanup() { [ -n "$spid" ] && kill -INT "$spid" 2>/dev/null && wait "$spid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$b" serve --port 0 -L LOCAL >"$tmp/serve.out" 2>&1 &
spid=$!
for _ in $(seq 100); do grep -q 'http://' "$tmp/serve.out" && break; sleep 0.05; done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.out" | head -1)
[ -n "$url" ] || { echo "flags_cli_ab.sh: cfbench serve did not start" >&2; exit 3; }
url=${url%/}
case $url in */flags) ;; *) url=$url/flags ;; esac
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
once() { # once BIN MODE → wall seconds on stdout; the run's output checked
    local t0 t1
    t0=$(date +%s%N)
    "$1" flags $codes -m "$maxreq" --mode "$2" -s "$url" -o - >"$tmp/out" 2>&1 || {
        echo "flags_cli_ab.sh: $1 --mode $2 failed:" >&2; cat "$tmp/out" >&2; exit 1; }
    t1=$(date +%s%N)
    grep -q 'flags downloaded' "$tmp/out" || { cat "$tmp/out" >&2; exit 1; }
    echo "scale=6; ($t1 - $t0) / 1000000000" | bc
}
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); host: $(nproc) CPUs; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: $a"
echo "B: $b"
echo "server: $url; flags $codes -m $maxreq -o -; $rounds interleaved rounds per mode"
for m in $modes; do
    : >"$tmp/a.$m"
    : >"$tmp/b.$m"
    once "$b" "$m" >/dev/null # warm-up (page cache, server threads)
    for _ in $(seq "$rounds"); do
        once "$a" "$m" >>"$tmp/a.$m"
        once "$b" "$m" >>"$tmp/b.$m"
    done
    ma=$(median <"$tmp/a.$m")
    mb=$(median <"$tmp/b.$m")
    printf '%-8s A median %.4f s   B median %.4f s   B/A %.3f\n' "$m" "$ma" "$mb" \
        "$(echo "scale=6; $mb / $ma" | bc)"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
