#!/usr/bin/env bash
# `cfbench help [CMD]` and "did you mean" for commands (issue 16, item 5):
# help alone = the top-level help on stdout, exit 0; help CMD = CMD --help,
# byte for byte, exit 0; help nosuch and an unknown command = one line on
# stderr, exit 2, with a suggestion when a command is close.
set -u
: "${CFBENCH:?CFBENCH must point at the cfbench binary}"
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

timeout 30 "$CFBENCH" --help >top.out 2>/dev/null || bad "cfbench --help: exit $?"
timeout 30 "$CFBENCH" help >help.out 2>help.err
rc=$?
[ "$rc" = 0 ] || bad "cfbench help: exit $rc"
cmp -s top.out help.out || bad "cfbench help differs from cfbench --help"
[ -s help.err ] && bad "cfbench help wrote to stderr: $(cat help.err)"
grep -q '^  help ' top.out || bad "the top-level help does not list 'help'"

# every command listed by the top-level help: help CMD == CMD --help
cmds=$(sed -n '/^commands:/,/^$/p' top.out | awk 'NF && !/^commands:/ {print $1}')
[ -n "$cmds" ] || bad "no commands found in cfbench --help"
for c in $cmds; do
    [ "$c" = help ] && continue
    if [ "$c" = version ]; then
        timeout 30 "$CFBENCH" help version >v.out 2>&1 || bad "help version: exit $?"
        grep -q 'usage: cfbench version' v.out || bad "help version: $(cat v.out)"
        continue
    fi
    timeout 30 "$CFBENCH" "$c" --help >a.out 2>a.err
    ra=$?
    timeout 30 "$CFBENCH" help "$c" >b.out 2>b.err
    rb=$?
    [ "$ra" = 0 ] && [ "$rb" = 0 ] || bad "help $c: exit $rb ($c --help: $ra)"
    cmp -s a.out b.out || bad "cfbench help $c differs from cfbench $c --help"
    grep -q "usage: cfbench $c" b.out || bad "cfbench help $c: no 'usage: cfbench $c' line"
    cmp -s b.out top.out && bad "cfbench help $c prints the top-level help"
done

# expect CODE REGEX ARGS...: exit CODE, exactly one stderr line matching REGEX, nothing on stdout
expect() {
    local code=$1 re=$2
    shift 2
    timeout 30 "$CFBENCH" "$@" >e.out 2>e.err
    local rc=$?
    [ "$rc" = "$code" ] || bad "cfbench $*: exit $rc, want $code ($(cat e.err))"
    [ "$(wc -l <e.err)" = 1 ] || bad "cfbench $*: want one stderr line, got: $(cat e.err)"
    grep -Eq -- "$re" e.err || bad "cfbench $*: stderr '$(cat e.err)' does not match /$re/"
    [ -s e.out ] && bad "cfbench $*: wrote to stdout: $(head -c 200 e.out)"
}
expect 2 "^cfbench: unknown command 'runn' — did you mean 'run'\\? \\(see cfbench --help\\)$" runn
expect 2 "^cfbench: unknown command 'comapre' — did you mean 'compare'\\?" comapre
expect 2 "^cfbench: unknown command 'hist' — did you mean 'history'\\?" hist
expect 2 "^cfbench: unknown command 'zzz' \\(see cfbench --help\\)$" zzz
expect 2 "^cfbench help: unknown command 'nosuch' \\(see cfbench --help\\)$" help nosuch
expect 2 "^cfbench help: unknown command 'expotr' — did you mean 'export'\\?" help expotr
expect 2 "^cfbench help: one command at a time" help run list

if [ "$fails" -gt 0 ]; then
    echo "$fails failure(s)"
    exit 1
fi
echo "ok"
