#!/usr/bin/env bash
# Output files in missing directories (issue 16, item 5; docs/cli.md
# "Output files"): every command that writes a file (run -o, export -o,
# compare -o, history -o, ab -o, plot --out DIR) creates the missing
# directories on the way, mode 0777 less the umask, and writes the file;
# a directory on the way that exists as something else (a regular file) is
# one line on stderr and exit 3, with nothing created.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
R="$tmp/small.json"
timeout 120 "$CFBENCH" run -w noop -m seq,thread -j 1 -r 3 --warmup 0 -p noop.tasks=10 -q -o "$R" \
    >/dev/null 2>"$tmp/err" || { echo "FAIL: cannot make $R: $(cat "$tmp/err")"; exit 1; }

run_cmd() { # run_cmd WHAT OUT -> exit code in $rc, stderr in $tmp/err
    local what=$1 out=$2
    case $what in
    run) timeout 120 "$CFBENCH" run -w noop -m seq -r 1 --warmup 0 -p noop.tasks=10 -q -o "$out" ;;
    export) timeout 60 "$CFBENCH" export "$R" --format csv --out "$out" ;;
    compare) timeout 60 "$CFBENCH" compare "$R" "$R" --out "$out" ;;
    history) timeout 60 "$CFBENCH" history "$R" "$R" "$R" --out "$out" ;;
    ab) timeout 120 "$CFBENCH" ab --base-cmd true --new-cmd true --rounds 8 -r 1 -t 900% -q -o "$out" ;;
    esac >"$tmp/out" 2>"$tmp/err"
    rc=$?
}

for um in 022 077; do
    for what in run export compare history ab; do
        d="$tmp/u$um/$what"
        out="$d/a/b c/out.file"
        (umask "$um" && run_cmd "$what" "$out" && echo "$rc" >"$tmp/rc")
        rc=$(cat "$tmp/rc" 2>/dev/null || echo "?")
        rm -f "$tmp/rc"
        [ "$rc" = 0 ] || { bad "umask $um $what -o (new dirs): exit $rc: $(head -c 300 "$tmp/err")"; continue; }
        [ -f "$out" ] && [ -s "$out" ] || bad "umask $um $what -o (new dirs): no file at $out"
        want=$(printf '%o' $((0777 & ~8#$um)))
        for sub in "$d" "$d/a" "$d/a/b c"; do
            m=$(stat -c '%a' "$sub" 2>/dev/null)
            [ "$m" = "$want" ] || bad "umask $um $what: directory $sub has mode $m, want $want"
        done
        # a parent that is a regular file: exit 3, one line, nothing made
        : >"$d/plain"
        run_cmd "$what" "$d/plain/sub/out.file"
        [ "$rc" = 3 ] || bad "$what -o under a file: exit $rc, want 3 ($(head -c 300 "$tmp/err"))"
        [ "$(wc -l <"$tmp/err")" = 1 ] || bad "$what -o under a file: want one stderr line, got: $(cat "$tmp/err")"
        grep -q "cannot create its directory: .*/plain is not a directory" "$tmp/err" ||
            bad "$what -o under a file: message: $(cat "$tmp/err")"
        [ -f "$d/plain" ] && [ ! -s "$d/plain" ] || bad "$what -o under a file: the file was changed"
    done
done
# a path whose last directory is a file: the same
: >"$tmp/f"
run_cmd run "$tmp/f/x.json"
[ "$rc" = 3 ] && grep -q "^cfbench run: cannot write results: .*: cannot create its directory: $tmp/f is not a directory$" "$tmp/err" ||
    bad "run -o FILE/x.json: exit $rc: $(cat "$tmp/err")"

# plot --out DIR: missing directories are made too
if timeout 120 "$CFBENCH" plot "$R" --out "$tmp/p/q/r" >"$tmp/out" 2>"$tmp/err" || [ $? = 3 ]; then
    [ -d "$tmp/p/q/r" ] || bad "plot --out new/dirs: not created: $(cat "$tmp/err")"
else
    bad "plot --out new/dirs: $(cat "$tmp/err")"
fi

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "ok"
