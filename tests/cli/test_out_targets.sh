#!/usr/bin/env bash
# Output files (issue 14, item 1; docs/cli.md "Output files"): every command
# that writes a file refuses a target that exists and is not a regular file
# (character device, FIFO, socket, directory) with one line and exit 3,
# leaving it as it was; writes through a symlink (the link stays a link, its
# target gets the content, atomically); `-` and /dev/stdout mean stdout for
# the commands that print (run, export, compare, history); no temp file is
# left next to the target.
set -u
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# a small results file (2 cases) keeps compare, history and plot quick
R="$tmp/small.json"
timeout 120 "$CFBENCH" run -w noop -m seq,thread -j 1 -r 3 --warmup 0 -p noop.tasks=10 -q -o "$R" \
    >/dev/null 2>"$tmp/err" || { echo "FAIL: cannot make $R: $(cat "$tmp/err")"; exit 1; }

# cmd_for WHAT OUT: the command line writing to OUT
run_cmd() { # run_cmd WHAT OUT -> runs it, stdout/stderr in $tmp/out, $tmp/err, exit in $rc
    local what=$1 out=$2
    case $what in
    run) timeout 120 "$CFBENCH" run -w noop -m seq -r 1 --warmup 0 -p noop.tasks=10 -q -o "$out" ;;
    export) timeout 60 "$CFBENCH" export "$R" --format csv --out "$out" ;;
    compare) timeout 60 "$CFBENCH" compare "$R" "$R" --out "$out" ;;
    history) timeout 60 "$CFBENCH" history "$R" "$R" "$R" --out "$out" ;;
    esac >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

no_temp_left() { # no_temp_left DIR WHAT
    if ls -a "$1" | grep -q '\.tmp\.'; then bad "$2: temp file left in $1: $(ls -a "$1" | tr '\n' ' ')"; fi
}

# refuse WHAT KIND MAKE...: make a node of KIND at $d/t, expect exit 3 and the node untouched
refuse() {
    local what=$1 kind=$2
    shift 2
    local d="$tmp/$what-$kind"
    mkdir -p "$d"
    if ! "$@" "$d/t" 2>/dev/null; then
        echo "skip: $what: cannot make a $kind here ($*)"
        return
    fi
    local before
    before=$(stat -c '%F %t:%T %i' "$d/t")
    run_cmd "$what" "$d/t"
    [ "$rc" = 3 ] || bad "$what --out $kind: exit $rc, want 3 ($(head -c 300 "$tmp/err"))"
    grep -q "is a.*refusing to replace it" "$tmp/err" || bad "$what --out $kind: message: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/err")" = 1 ] || bad "$what --out $kind: want one line on stderr, got: $(cat "$tmp/err")"
    [ "$(stat -c '%F %t:%T %i' "$d/t")" = "$before" ] || bad "$what --out $kind: the $kind was replaced: $(stat -c '%F' "$d/t")"
    no_temp_left "$d" "$what --out $kind"
    # through a symlink to it: refused the same way
    ln -s t "$d/link"
    run_cmd "$what" "$d/link"
    [ "$rc" = 3 ] || bad "$what --out link-to-$kind: exit $rc, want 3"
    [ -L "$d/link" ] || bad "$what --out link-to-$kind: the link was replaced"
    [ "$(stat -c '%F %t:%T %i' "$d/t")" = "$before" ] || bad "$what --out link-to-$kind: the $kind was replaced"
    no_temp_left "$d" "$what --out link-to-$kind"
}

mk_dev() { mknod "$1" c 1 3; } # the same device as /dev/null
mk_fifo() { mkfifo "$1"; }
mk_sock() { python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"; }
mk_dir() { mkdir "$1"; }

for what in run export compare history; do
    refuse "$what" device mk_dev
    refuse "$what" fifo mk_fifo
    refuse "$what" socket mk_sock
    refuse "$what" directory mk_dir

    # a symlink to a regular file: written through, the link stays
    d="$tmp/$what-link"
    mkdir -p "$d/real"
    echo old >"$d/real/target"
    ln -s real/target "$d/link"
    run_cmd "$what" "$d/link"
    [ "$rc" = 0 ] || bad "$what --out symlink: exit $rc: $(cat "$tmp/err")"
    [ -L "$d/link" ] && [ "$(readlink "$d/link")" = real/target ] || bad "$what --out symlink: the link is gone"
    [ -f "$d/real/target" ] && [ "$(cat "$d/real/target")" != old ] && [ -s "$d/real/target" ] ||
        bad "$what --out symlink: the target was not written"
    no_temp_left "$d" "$what --out symlink"
    no_temp_left "$d/real" "$what --out symlink"
    # a chain of two links, the last one dangling: creates the file it names
    ln -s link2 "$d/link1"
    ln -s real/new "$d/link2"
    run_cmd "$what" "$d/link1"
    [ "$rc" = 0 ] && [ -s "$d/real/new" ] && [ -L "$d/link1" ] && [ -L "$d/link2" ] ||
        bad "$what --out dangling symlink chain: exit $rc, real/new $(ls -l "$d/real/new" 2>&1)"

    # '-' and /dev/stdout: stdout, no file named '-'
    for s in - /dev/stdout; do
        (cd "$d" && run_cmd "$what" "$s")
        [ "$rc" = 0 ] || bad "$what --out $s: exit $rc: $(cat "$tmp/err")"
        [ -s "$tmp/out" ] || bad "$what --out $s: nothing on stdout"
        [ -e "$d/-" ] && bad "$what --out $s: made a file named '-'"
    done
done
# run -o -: stdout is exactly the results document, not a path
(cd "$tmp" && run_cmd run -)
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["schema"]=="cfbench-results" and d["complete"] is True' "$tmp/out" ||
    bad "run -o -: stdout is not a complete results document"

# ab: --out - is a usage error (its report is on stdout); a FIFO is refused
# before any measuring (exit 3 at once, no build started)
mkfifo "$tmp/ab.fifo"
timeout 60 "$CFBENCH" ab --base HEAD --cache "$tmp/abcache" --out - >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && grep -q "^cfbench ab: --out -: the report goes to stdout" "$tmp/err" || bad "ab --out -: exit $rc: $(cat "$tmp/err")"
timeout 60 "$CFBENCH" ab --base HEAD --cache "$tmp/abcache" --out "$tmp/ab.fifo" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] && grep -q "is a FIFO: refusing" "$tmp/err" || bad "ab --out fifo: exit $rc: $(cat "$tmp/err")"
[ -p "$tmp/ab.fifo" ] || bad "ab --out fifo: the FIFO was replaced"
[ -e "$tmp/abcache" ] && bad "ab --out fifo: work started before the refusal"

# plot: a FIFO among the files it writes is refused; a symlinked image is
# written through (only with gnuplot)
mkdir -p "$tmp/pl/real"
mkfifo "$tmp/pl/report.html"
timeout 120 "$CFBENCH" plot "$R" --timelines none --out "$tmp/pl" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 3 ] && grep -q "report.html is a FIFO: refusing" "$tmp/err" || bad "plot, report.html a FIFO: exit $rc: $(cat "$tmp/err")"
[ -p "$tmp/pl/report.html" ] || bad "plot: the FIFO was replaced"
if command -v "${CFB_GNUPLOT:-gnuplot}" >/dev/null; then
    rm -f "$tmp/pl/report.html" "$tmp/pl/best-of-mode.png"
    ln -s real/best.png "$tmp/pl/best-of-mode.png"
    timeout 120 "$CFBENCH" plot "$R" --timelines none --out "$tmp/pl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ "$rc" = 0 ] && [ -L "$tmp/pl/best-of-mode.png" ] && [ -s "$tmp/pl/real/best.png" ] ||
        bad "plot, a symlinked image: exit $rc, $(ls -l "$tmp/pl/best-of-mode.png" "$tmp/pl/real" 2>&1)"
    no_temp_left "$tmp/pl/real" "plot"
else
    echo "skip: plot through a symlink (no gnuplot)"
fi

# A new output file's mode follows the umask, as any file the user creates
# (0666 & ~umask: 640 under umask 027, 644 under 022).
for um in 027 022; do
    rm -f "$tmp/mode.csv"
    (umask $um && timeout 60 "$CFBENCH" export "$R" --format csv --out "$tmp/mode.csv") >/dev/null 2>&1
    want=$(printf '%o' $((0666 & ~0$um)))
    got=$(stat -c %a "$tmp/mode.csv" 2>/dev/null)
    [ "$got" = "$want" ] || bad "umask $um: mode $got, want $want"
done

echo "$fails failures"
[ "$fails" = 0 ]
