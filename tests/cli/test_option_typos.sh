#!/usr/bin/env bash
# test_option_typos.sh — through the real binary, every subcommand that
# `cfbench --help` lists: --help exits 0 on stdout; a mistyped option is one
# line `cfbench CMD: unknown option '--…' — did you mean '--…'? (see cfbench
# CMD --help)` and exit 2; a deprecated spelling still parses, with a note.
# (A command added without an entry in cli/options.c fails here.)
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
fails=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$CFBENCH" --help >"$tmp/top" || fail "cfbench --help exit $?"
mapfile -t cmds < <(sed -n '/^commands:/,/^$/s/^  \([a-z][a-z0-9-]*\) .*/\1/p' "$tmp/top" |
    grep -vx -e version -e help)
[ "${#cmds[@]}" -ge 11 ] || fail "only ${#cmds[@]} commands in cfbench --help"

for cmd in "${cmds[@]}"; do
    "$CFBENCH" "$cmd" --help >"$tmp/out" 2>"$tmp/err" || fail "$cmd --help exit $?"
    grep -q "^usage: cfbench $cmd" "$tmp/out" || fail "$cmd --help: no usage line"
    [ -s "$tmp/err" ] && fail "$cmd --help wrote to stderr: $(cat "$tmp/err")"
    # --hlep: a transposition of --help, which every command has
    "$CFBENCH" "$cmd" --hlep >"$tmp/out" 2>"$tmp/err"
    rc=$?
    want="cfbench $cmd: unknown option '--hlep' — did you mean '--help'? (see cfbench $cmd --help)"
    [ "$rc" = 2 ] || fail "$cmd --hlep: exit $rc, want 2"
    [ "$(cat "$tmp/err")" = "$want" ] || fail "$cmd --hlep: stderr '$(cat "$tmp/err")', want '$want'"
done

# the issue's example, through main()
"$CFBENCH" run --wrokers 4 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] || fail "run --wrokers: exit $rc"
[ "$(cat "$tmp/err")" = "cfbench run: unknown option '--wrokers' — did you mean '--workers'? (see cfbench run --help)" ] ||
    fail "run --wrokers: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "run --wrokers wrote to stdout"

# old spellings still work: loiter -t (now -n/--tasks), a note on stderr
"$CFBENCH" loiter -t 2 -u 0 -j 2 >"$tmp/out" 2>"$tmp/err" || fail "loiter -t 2: exit $?"
grep -q "^cfbench loiter: note: '-t' is deprecated here, use '-n/--tasks'$" "$tmp/err" ||
    fail "loiter -t: no deprecation note: $(cat "$tmp/err")"
[ "$(grep -c '] result [0-9]' "$tmp/out")" = 2 ] || fail "loiter -t 2: want 2 results: $(cat "$tmp/out")"
"$CFBENCH" loiter -n 2 -u 0 -j 2 >"$tmp/out" 2>"$tmp/err" || fail "loiter -n 2: exit $?"
[ -s "$tmp/err" ] && fail "loiter -n 2 wrote to stderr: $(cat "$tmp/err")"

[ "$fails" = 0 ] && echo "ok: ${#cmds[@]} commands" && exit 0
exit 1
