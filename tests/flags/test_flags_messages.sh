#!/usr/bin/env bash
# test_flags_messages.sh — `cfbench flags`: every error message said once,
# exactly (the HTTP status text, "timeout after S s", "connection refused
# (host:port)"), the exit status when every flag failed (1, one line on
# stderr saying why) or not (0), the README's ERROR example, and flags3
# (--meta) output lines and file names in every mode.
#
# Deterministic: the embedded server's delays and 418s are a function of
# the seed; every timeout below has a margin of over a second against the
# delay it races (seed 7, --delay 0:4: BR answers at 3.63 s against a 2 s
# timeout, CN at 0.27 s); the refused port is bound, read and closed first.
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
has() { grep -qxF -- "$1" "$2"; } # has LINE FILE: that exact line is in FILE
count() { grep -cxF -- "$1" "$2"; }

run() { # run NAME ARGS...: stdout in NAME.out, stderr in NAME.err, status in rc
    local name=$1
    shift
    timeout 120 "$CFBENCH" flags "$@" >"$name.out" 2>"$name.err"
    rc=$?
}

# ---- the README's ERROR example: 418s and successes, exit 0 -------------------------------
run readme -s ERROR --seed 3 --delay 0:0.3 -v Z -o -
check "readme: exit 0" test "$rc" -eq 0
check "readme: ZL error: 418 I'm a teapot" has "ZL error: 418 I'm a teapot" readme.out
for cc in ZR ZV ZW; do
    check "readme: $cc 418" has "$cc error: 418 I'm a teapot" readme.out
done
check "readme: ZA OK" has "ZA OK" readme.out
check "readme: ZM OK" has "ZM OK" readme.out
check "readme: 2 downloaded" has "  2 flags downloaded." readme.out
check "readme: 20 not found" has " 20 not found." readme.out
check "readme: 4 errors" has "  4 errors." readme.out
check "readme: nothing on stderr" test ! -s readme.err

# ---- the book's slow server: answers after the 3.1 s timeout are one-line timeouts -------
run slow -s DELAY --delay 1:1 --timeout 0.2 -v BR -o -
check "timeout: exit 1 (every flag failed)" test "$rc" -eq 1
check "timeout: said once" has "BR error: timeout after 0.2 s" slow.out
check "timeout: no curl text" bash -c "! grep -q 'Operation timed out' slow.out"
check "timeout: stderr line" has "cfbench flags: no flag downloaded: timeout after 0.2 s" slow.err
check "timeout: one stderr line" test "$(wc -l <slow.err)" -eq 1

# ---- a refused connection ------------------------------------------------------------------
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 1)
run refused -s "http://127.0.0.1:$port/flags" -v BR -o -
check "refused: exit 1" test "$rc" -eq 1
check "refused: the line" has "BR error: connection refused (127.0.0.1:$port)" refused.out
check "refused: no curl text" bash -c "! grep -q 'Failed to connect' refused.out"
check "refused: stderr" has "cfbench flags: no flag downloaded: connection refused (127.0.0.1:$port)" refused.err
check "refused: one stderr line" test "$(wc -l <refused.err)" -eq 1
run refused1 -s http://127.0.0.1:1/flags BR # the issue's own command, no -v
check "port 1: exit 1" test "$rc" -eq 1
check "port 1: count" has "  1 error." refused1.out
check "port 1: cause on stderr" has "cfbench flags: no flag downloaded: connection refused (127.0.0.1:1)" refused1.err
for mode in seq thread process; do
    run "refused-$mode" -s "http://127.0.0.1:$port/flags" --mode $mode BR CN -o -
    check "refused $mode: exit 1" test "$rc" -eq 1
    check "refused $mode: stderr" has "cfbench flags: no flag downloaded: connection refused (127.0.0.1:$port)" "refused-$mode.err"
done

# ---- every flag failed, for different causes: the count and the first ---------------------
run mixed -s ERROR --error-rate 1 --delay 0:4 -t 2 --seed 7 -v BR CN -o -
check "mixed: exit 1" test "$rc" -eq 1
check "mixed: CN 418" has "CN error: 418 I'm a teapot" mixed.out
check "mixed: BR timeout" has "BR error: timeout after 2 s" mixed.out
check "mixed: stderr" has "cfbench flags: no flag downloaded: 2 errors, the first: 418 I'm a teapot (-v shows each)" mixed.err
run teapots -s ERROR --error-rate 1 --delay 0:0 BR CN JP -o -
check "all 418: exit 1" test "$rc" -eq 1
check "all 418: stderr" has "cfbench flags: no flag downloaded: 418 I'm a teapot" teapots.err

# Not found is an answer: a run with only 404s exits 0 and says nothing on stderr.
run notfound X -o -
check "only not found: exit 0" test "$rc" -eq 0
check "only not found: quiet stderr" test ! -s notfound.err

# ---- flags3: --meta in every mode ----------------------------------------------------------
for mode in seq thread process async; do
    run "meta-$mode" --meta --mode $mode -v BR CI US XX -o "m-$mode"
    check "meta $mode: exit 0" test "$rc" -eq 0
    check "meta $mode: BR OK Brazil" has "BR OK Brazil" "meta-$mode.out"
    check "meta $mode: CI OK Cote d'Ivoire" has "CI OK Cote d'Ivoire" "meta-$mode.out"
    check "meta $mode: US OK United States" has "US OK United States" "meta-$mode.out"
    check "meta $mode: XX not found" has "XX not found" "meta-$mode.out"
    check "meta $mode: 3 downloaded" has "  3 flags downloaded." "meta-$mode.out"
    check "meta $mode: files" test -f "m-$mode/Brazil.gif" -a -f "m-$mode/Cote_d'Ivoire.gif" -a -f "m-$mode/United_States.gif"
    check "meta $mode: only those" test "$(ls -A "m-$mode" | wc -l)" -eq 3
    check "meta $mode: a GIF" bash -c "[ \"\$(head -c 6 'm-$mode/Brazil.gif')\" = GIF89a ]"
done
# ERROR, seed 5: 45 flags and 41 metadata.json answered 418 (test_flags3 derives
# these from the server's decisions); a failed metadata request fails the item.
run meta-error --meta -s ERROR --seed 5 --delay 0:0.01 -a -m 8 -v -o -
check "meta ERROR: exit 0" test "$rc" -eq 0
check "meta ERROR: 108 downloaded" has "108 flags downloaded." meta-error.out
check "meta ERROR: 86 errors" has " 86 errors." meta-error.out
check "meta ERROR: 41 metadata 418s" test "$(grep -cE "^[A-Z]{2} error: metadata: 418 I'm a teapot$" meta-error.out)" -eq 41
check "meta ERROR: 45 flag 418s" test "$(grep -cE "^[A-Z]{2} error: 418 I'm a teapot$" meta-error.out)" -eq 45

# The workload parameter: `cfbench run -p flags.meta=true` in every mode, 2
# requests per flag: bytes = 3 flags + their metadata.json bodies (XX: 404).
"$CFBENCH" run -w flags -m seq,thread,process,async -j 4 -r 1 -q -p flags.meta=true \
    -p flags.codes=BR,CI,US,XX -p flags.server=LOCAL -p flags.dest=- -o sweep.json \
    >/dev/null 2>sweep.err
check "sweep meta: exit 0" test $? -eq 0
python3 - sweep.json >sweep.txt <<'PY'
import json, sys
for c in json.load(open(sys.argv[1]))["cases"]:
    r = c["repetitions"][0]
    n = r["counts"]
    print(c["mode"], n.get("ok"), n.get("not_found"), n.get("error", 0), r["bytes"])
PY
for mode in seq thread process async; do
    # 11623 + 5384 + 26972 GIF bytes (data/flag-sizes.tsv) + 259 of metadata.json
    check "sweep meta $mode: 3 ok, 1 not found, 44238 bytes" grep -qx "$mode 3 1 0 44238" sweep.txt
done

# ---- --help says it ------------------------------------------------------------------------
"$CFBENCH" flags --help >help.txt
check "--help: --meta" grep -q -- '--meta' help.txt
check "--help: exit 1 when every flag failed" grep -q 'every flag failed' help.txt

exit $fail
