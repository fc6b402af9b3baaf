#!/usr/bin/env bash
# CLI checks of `cfbench ab`: usage errors (exit 2), a side that fails
# (exit 3, or 0 with --base-fail skip), command mode, run mode with one
# binary and two settings (a doubled CPU cost on NEW is a regression on any
# machine; an A/A run with a 50% band never is), the A/B document and
# --analyze, --base REV resolved through a prepared build cache (no build
# here: the gate builds for real in CI), and an unwritable --out.
set -uo pipefail
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
T=$(mktemp -d)
OUT=$T/out ERR=$T/err
trap 'rm -rf "$T"' EXIT
expect() { # CODE DESC CMD...
  local want=$1 desc=$2; shift 2
  "$@" >"$OUT" 2>"$ERR"
  local got=$?
  if [ "$got" -eq "$want" ]; then ok "$desc (exit $got)"; else bad "$desc: exit $got, want $want"; cat "$ERR"; fi
}
one_line() { [ "$(wc -l <"$ERR")" -eq 1 ] || bad "$1: want one line on stderr, got: $(cat "$ERR")"; }

expect 0 "--help" "$CFBENCH" ab --help
grep -q "usage: cfbench ab" "$OUT" || bad "help text"
expect 0 "top-level help lists ab" "$CFBENCH" --help
grep -q "^  ab " "$OUT" || bad "ab missing from cfbench --help"

# Usage errors: one line, exit 2, before any work.
expect 2 "no BASE" "$CFBENCH" ab -w noop
grep -q "^cfbench ab: no BASE" "$ERR" || bad "no-BASE message"; one_line "no BASE"
expect 2 "bad --rounds" "$CFBENCH" ab --base-cmd true --new-cmd true --rounds 0
one_line "bad --rounds"
expect 2 "bad --metric" "$CFBENCH" ab --base-cmd true --new-cmd true --metric speed
expect 2 "bad metric rule" "$CFBENCH" ab --base-cmd true --new-cmd true --metric 'x/*=speed'
expect 2 "unknown option" "$CFBENCH" ab --bogus
grep -q "^cfbench ab: unknown option '--bogus'" "$ERR" || bad "unknown-option message"
expect 2 "--base-cmd alone" "$CFBENCH" ab --base-cmd true
expect 2 "commands and binaries" "$CFBENCH" ab --base-cmd true --new-cmd true --base-bin "$CFBENCH"
expect 2 "bad --base-env" "$CFBENCH" ab --base-bin "$CFBENCH" --base-env NOEQUALS
expect 2 "stray argument" "$CFBENCH" ab --base-cmd true --new-cmd true extra
expect 2 "--base outside git" env -C "$T" "$CFBENCH" ab --base HEAD -w noop
grep -q "needs a git repository" "$ERR" || bad "outside-git message: $(cat "$ERR")"
if git -C "$CFB_SOURCE_DIR" rev-parse HEAD >/dev/null 2>&1; then
  expect 2 "unknown revision" env -C "$CFB_SOURCE_DIR" "$CFBENCH" ab --base no-such-rev-xyz -w noop
  grep -q "unknown git revision 'no-such-rev-xyz'" "$ERR" || bad "unknown-rev message"
fi
expect 2 "--analyze of a non-A/B file" "$CFBENCH" ab --analyze "$CFB_SOURCE_DIR/tests/plots/fixture-results.json"
grep -q "not a cfbench A/B document" "$ERR" || bad "analyze message: $(cat "$ERR")"

# A side that cannot run: exit 3 naming the side; --base-fail skip: exit 0.
expect 3 "BASE fails" "$CFBENCH" ab --base-bin /bin/false -w noop -m seq --rounds 2 -q
grep -q "^cfbench ab: base side, the plan's probe run: exit status 1" "$ERR" || bad "side message: $(cat "$ERR")"
expect 0 "BASE fails, --base-fail skip" "$CFBENCH" ab --base-bin /bin/false --base-fail skip -w noop -m seq --rounds 2 -q
grep -q "skipped: BASE cannot run the plan" "$ERR" || bad "skip message"
expect 3 "NEW fails" "$CFBENCH" ab --base-bin "$CFBENCH" --new-bin /bin/false -w noop -m seq --rounds 2 -q
grep -q "new side" "$ERR" || bad "new-side message: $(cat "$ERR")"
expect 3 "a failing command" "$CFBENCH" ab --base-cmd true --new-cmd 'echo broken >&2; exit 4' --rounds 2 -q
grep -q "new side, its command: exit status 4: broken" "$ERR" || bad "command failure message: $(cat "$ERR")"

# Command mode: 8 rounds of two commands, the A/B document.
expect 0 "two commands" "$CFBENCH" ab --base-cmd true --new-cmd true --rounds 8 -r 1 -t 900% -q -o "$T/cmd.json"
grep -q "^command " "$OUT" || bad "command row: $(cat "$OUT")"
python3 - "$T/cmd.json" <<'PY' || bad "command-mode document"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "cfbench-ab" and d["schema_version"] == 1
c = d["cases"][0]
assert c["id"] == "command" and len(c["pairs"]) == 8, c
assert all(p["base"]["wall_s"] > 0 and p["new"]["wall_s"] > 0 for p in c["pairs"])
assert {p["base_first"] for p in c["pairs"]} == {True, False}, "sides never swapped order"
assert c["verdict"]["verdict"] in ("no change", "can't tell"), c["verdict"]
assert d["config"]["rounds"] == 8 and d["regressions"] == 0
PY

# Run mode, one binary, two settings: NEW's tasks burn twice their CPU time
# (the test-only knob of runners/inject.h). CPU time doubles on any machine,
# busy or not: a regression at a 20% band.
PLAN=(-w primes -m seq -j 1 -p primes.set=small --metric cpu)
expect 1 "doubled CPU is a regression" "$CFBENCH" ab --base-bin "$CFBENCH" --new-env CFB_INJECT_SLOWDOWN=1.0 \
  "${PLAN[@]}" --rounds 10 -r 1 -t 20% -q -o "$T/slow.json"
grep -q "^primes/seq/w1 .*regression" "$OUT" || bad "regression row: $(cat "$OUT")"
expect 1 "--analyze agrees" "$CFBENCH" ab --analyze "$T/slow.json" --metric cpu -t 20%
expect 0 "--analyze --fail-on never" "$CFBENCH" ab --analyze "$T/slow.json" --metric cpu -t 20% --fail-on never
expect 0 "--analyze with a 500% band" "$CFBENCH" ab --analyze "$T/slow.json" --metric cpu -t 500%
expect 0 "--analyze, markdown" "$CFBENCH" ab --analyze "$T/slow.json" --metric cpu -t 500% --format markdown
grep -q '^| `primes/seq/w1` | cpu | 10 |' "$OUT" || bad "markdown row: $(cat "$OUT")"
expect 0 "A/A at a 50% band" "$CFBENCH" ab --base-bin "$CFBENCH" "${PLAN[@]}" --rounds 8 -r 1 -t 50% -q
grep -q "0 regressions" "$OUT" || bad "A/A summary: $(cat "$OUT")"

# --base REV through a prepared cache: the worktree build is reused.
if sha=$(git -C "$CFB_SOURCE_DIR" rev-parse HEAD 2>/dev/null); then
  d="$T/cache/${sha:0:12}"
  mkdir -p "$d/build" && ln -s "$CFBENCH" "$d/build/cfbench" && : >"$d/.cfbench-ab-built"
  expect 0 "--base HEAD from the cache" env -C "$CFB_SOURCE_DIR" "$CFBENCH" ab --base HEAD --cache "$T/cache" \
    -w noop -m seq -p noop.tasks=100 --rounds 3 -r 1 -t 900%
  grep -q "reusing the build of HEAD (${sha:0:12})" "$ERR" || bad "reuse message: $(cat "$ERR")"
  grep -q "^BASE: HEAD (HEAD = ${sha:0:12}" "$OUT" || bad "BASE line: $(head -1 "$OUT")"
fi

# An unwritable --out: exit 3, nothing half-written.
: >"$T/afile"
expect 3 "unwritable --out" "$CFBENCH" ab --base-cmd true --new-cmd true --rounds 2 -q -o "$T/afile/x.json"
one_line "unwritable --out"
# a missing directory is created (docs/cli.md "Output files")
expect 0 "--out in a new directory" "$CFBENCH" ab --base-cmd true --new-cmd true --rounds 8 -r 1 -t 900% -q -o "$T/new/dir/x.json"
[ -f "$T/new/dir/x.json" ] || bad "--out in a new directory: no file"

[ "$fail" -eq 0 ] && echo "all ab CLI checks passed"
exit "$fail"
