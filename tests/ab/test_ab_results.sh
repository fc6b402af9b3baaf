#!/usr/bin/env bash
# `cfbench ab` run mode reads the results files of the runs it starts with
# the results model (runners/ab_run.c: cfb_results_read): a fake BIN writes
# what each run's -o gets, to check what is read from it (the probe's cases,
# a case's wall / CPU medians, the last case of an id, an impl as written)
# and each way such a file is refused (exit 3, the reader's message).
set -uo pipefail
: "${CFBENCH:?}"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cat >"$T/fake" <<'SH'
#!/bin/sh
# a fake cfbench: `run … -o OUT`; FAKE says what OUT gets; the args go to OUT.args
out= probe=1 args="$*"
while [ $# -gt 0 ]; do case "$1" in -o) out=$2; shift ;; --impl) probe=0 ;; esac; shift; done
echo "$args" >>"$FAKE_LOG"
c='{"id":"noop/seq/w1","workload":"noop","mode":"seq","workers":1,"impl":"","tasks":1,"repetitions":[{"index":0,"wall_s":0.5,"cpu_s":0.25},{"index":1,"wall_s":0.7,"cpu_s":"x"},{"index":2,"wall_s":0.6,"cpu_s":0.35}],"summary":{}}'
first='{"id":"noop/seq/w1","workload":"noop","mode":"seq","workers":1,"tasks":1,"repetitions":[{"index":0,"wall_s":9}],"summary":{}}'
h='{"schema":"cfbench-results","schema_version":1,"complete":true,"cases":['
case "$FAKE" in
  notjson) echo '{' >"$out" ;;
  noschema) echo '{"schema":"x"}' >"$out" ;;
  nocase) if [ $probe = 1 ]; then echo "$h$c]}" >"$out"; else echo "$h]}" >"$out"; fi ;;
  noreps) if [ $probe = 1 ]; then echo "$h$c]}" >"$out"; else echo "$h${c%%\"repetitions\"*}\"repetitions\":[],\"summary\":{}}]}" >"$out"; fi ;;
  ok) if [ $probe = 1 ]; then echo "$h$c]}" >"$out"; else echo "$h$first,$c]}" >"$out"; fi ;;
esac
SH
chmod +x "$T/fake"
run() { # CODE FAKE DESC
  FAKE=$2 FAKE_LOG="$T/log" "$CFBENCH" ab --base-bin "$T/fake" --new-bin "$T/fake" -w noop -m seq \
    --rounds 2 -r 3 -q -o "$T/ab.json" >"$T/out" 2>"$T/err"
  local rc=$?
  [ "$rc" -eq "$1" ] && ok "$3 (exit $rc)" || { bad "$3: exit $rc, want $1"; cat "$T/err"; }
}
msg() { grep -q "$1" "$T/err" && ok "message: $1" || bad "message '$1' not in: $(cat "$T/err")"; }

run 3 notjson "probe file not JSON"
msg "^cfbench ab: base side: its results file: .*/probe-0.json: not valid JSON (line 2, column 0: "
run 3 noschema "probe file not a results document"
msg "^cfbench ab: base side: its results file: .*/probe-0.json: not a cfbench results document (schema is not \"cfbench-results\")$"
run 3 nocase "measured file without the case"
msg "^cfbench ab: base side, case noop/seq/w1: the results file has no repetition of it$"
run 3 noreps "measured case without repetitions"
msg "^cfbench ab: base side, case noop/seq/w1: the results file has no repetition of it$"
: >"$T/log"
run 0 ok "run mode"
# the probe's case, its impl as written ("" stays ""), its workers
grep -q -- "-w noop -m seq -j 1 --impl  " "$T/log" && ok "measured with the probe's case" ||
  bad "measure args: $(cat "$T/log")"
# the last case of that id (not the first, wall 9), medians over the
# repetitions whose value is a number (cpu "x" skipped)
python3 - "$T/ab.json" <<'PY' && ok "medians read from the results model" || bad "medians: $(cat "$T/ab.json")"
import json, sys
d = json.load(open(sys.argv[1]))
(c,) = d["cases"]
assert c["id"] == "noop/seq/w1", c["id"]
for p in c["pairs"]:
    for s in ("base", "new"):
        assert p[s] == {"wall_s": 0.6, "cpu_s": 0.3}, p[s]
PY
[ "$fail" -eq 0 ] && echo "all ab results-file checks passed"
exit "$fail"
