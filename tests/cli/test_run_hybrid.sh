#!/usr/bin/env bash
# cfbench run -m hybrid from the command line: `cfbench list` shows the mode;
# --hybrid-procs is checked (exit 2, one line) and recorded (config and each
# case's `processes`); a killed worker process (the CFB_INJECT_HYBRID_KILL
# test knob) gives failed tasks with the cause and a complete file, exit 0,
# no hang (the ctest timeout would catch one).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

"$CFBENCH" list | grep -q '^  hybrid ' || fail "cfbench list does not show hybrid"

for bad in 0 -1 x 1025 ''; do
    "$CFBENCH" run -q -m hybrid --hybrid-procs "$bad" -o "$tmp/x.json" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || fail "--hybrid-procs '$bad': exit $rc, want 2"
    [ "$(wc -l <"$tmp/err")" = 1 ] || { fail "--hybrid-procs '$bad': not one line"; cat "$tmp/err"; }
done

"$CFBENCH" run -q --no-floors -w loiter -m hybrid -j 1,4 --hybrid-procs 2 -r 2 --warmup 0 \
    -p loiter.tasks=6 -p loiter.unit=0.001 -o "$tmp/r.json" || fail "hybrid run exit $?"
python3 - "$tmp/r.json" <<'PY' || fail "results of the hybrid run"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"], "incomplete"
assert d["config"]["hybrid_procs"] == 2, d["config"].get("hybrid_procs")
got = {c["id"]: c for c in d["cases"]}
assert got["loiter/hybrid/w1"]["processes"] == 1
assert got["loiter/hybrid/w4"]["processes"] == 2
for c in got.values():
    for r in c["repetitions"]:
        assert r["tasks_ok"] == 6 and r["tasks_failed"] == 0 and r["check_failures"] == 0, r
PY

CFB_INJECT_HYBRID_KILL=1 "$CFBENCH" run -q --no-floors -w loiter -m hybrid -j 6 \
    --hybrid-procs 2 -r 1 --warmup 0 -p loiter.tasks=6 -p loiter.unit=0.001 \
    -o "$tmp/k.json" || fail "killed run exit $?"
python3 - "$tmp/k.json" <<'PY' || fail "results of the killed run"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"], "incomplete"
r = d["cases"][0]["repetitions"][0]
assert r["tasks_failed"] == 2 and r["tasks_ok"] == 4, r   # process 0 held 2 (window 3)
assert "killed by signal 9" in r["first_problem"], r["first_problem"]
PY

[ $fails = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
