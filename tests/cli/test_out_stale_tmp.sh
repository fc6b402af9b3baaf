#!/usr/bin/env bash
# Stale temp files (issue 14, item 9): a write of an output file removes the
# temp files a killed cfbench left next to the same target — exactly the
# name `TARGET.tmp.PID.XXXXXX` (six letters or digits), a regular file, PID
# not alive — and nothing else. A completed write leaves no temp file.
set -u
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
R="$CFB_SOURCE_DIR/docs/results/gate-sweep-xeon-2026-11.json"

sh -c 'exit 0' &
dead=$!
wait "$dead" # reaped: no process has this pid (a new one would need the pid space to wrap)
kill -0 "$dead" 2>/dev/null && { echo "skip: pid $dead was reused at once"; exit 0; }
live=$$

for what in run export; do
    d="$tmp/$what"
    mkdir -p "$d"
    # removed: ours, dead writer
    head -c 100000 /dev/zero >"$d/r.json.tmp.$dead.aB3xYz"
    echo x >"$d/r.json.tmp.$dead.000000"
    # kept: a live pid, other shapes, another target, not regular files
    keep=("r.json.tmp.$live.aB3xYz" "r.json.tmp.$dead.aB3xY" "r.json.tmp.$dead.aB3xYzz"
        "r.json.tmp.$dead.aB-xYz" "r.json.tmp.0$dead.aB3xYz" "r.json.tmp.x$dead.aB3xYz"
        "r.json.tmp..aB3xYz" "other.json.tmp.$dead.aB3xYz" "r.jso.tmp.$dead.aB3xYz"
        "xr.json.tmp.$dead.aB3xYz" "r.json.tmp.$dead.aB3xYz.bak")
    for k in "${keep[@]}"; do echo keep >"$d/$k"; done
    mkfifo "$d/r.json.tmp.$dead.fifo00"
    echo target >"$d/victim"
    ln -s victim "$d/r.json.tmp.$dead.link00"
    mkdir "$d/r.json.tmp.$dead.dir000"
    case $what in
    run) (cd "$d" && timeout 120 "$CFBENCH" run -w noop -m seq -r 1 --warmup 0 -p noop.tasks=1 -q -o r.json) >/dev/null 2>"$tmp/err" ;;
    export) (cd "$d" && timeout 60 "$CFBENCH" export "$R" -f csv -o r.json) 2>"$tmp/err" ;;
    esac
    rc=$?
    [ "$rc" = 0 ] || bad "$what: exit $rc: $(cat "$tmp/err")"
    for g in "r.json.tmp.$dead.aB3xYz" "r.json.tmp.$dead.000000"; do
        [ -e "$d/$g" ] && bad "$what: stale $g is still there"
    done
    for k in "${keep[@]}"; do
        [ "$(cat "$d/$k" 2>/dev/null)" = keep ] || bad "$what: removed or changed $k"
    done
    [ -p "$d/r.json.tmp.$dead.fifo00" ] || bad "$what: removed a FIFO"
    [ -L "$d/r.json.tmp.$dead.link00" ] && [ "$(cat "$d/victim")" = target ] || bad "$what: removed a symlink or its target"
    [ -d "$d/r.json.tmp.$dead.dir000" ] || bad "$what: removed a directory"
    [ -s "$d/r.json" ] || bad "$what: no output"
    n=$(ls -a "$d" | grep -c '^r\.json\.tmp\.') # 8 kept files, the FIFO, link and directory
    [ "$n" = 11 ] || bad "$what: $n r.json.tmp.* entries left: $(ls -a "$d" | tr '\n' ' ')"
done
echo "$fails failures"
[ "$fails" = 0 ]
