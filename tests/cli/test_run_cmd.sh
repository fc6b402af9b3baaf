#!/usr/bin/env bash
# cfbench run -w cmd from the command line (docs/cmd-workload.md): every
# mode runs the command and counts ok tasks; a failing, killed or missing
# command gives failed tasks with the cause and a complete file, exit 0,
# the sweep goes on; captured stdout is counted in bytes; no cmd.run or an
# unparsable one is a usage error (exit 2, one line, no results file);
# cmd is opt-in (not in the default sweep).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

"$CFBENCH" list | grep -q 'cmd' || fail "cfbench list does not show cmd"

for bad in "" "echo 'x" "a\\"; do
    "$CFBENCH" run -q --no-floors -w cmd -p cmd.run="$bad" -o "$tmp/bad.json" 2>"$tmp/err"
    rc=$?
    [ $rc = 2 ] || fail "cmd.run='$bad': exit $rc, want 2"
    [ "$(wc -l <"$tmp/err")" = 1 ] || { fail "cmd.run='$bad': not one line"; cat "$tmp/err"; }
    [ ! -e "$tmp/bad.json" ] || fail "cmd.run='$bad': a results file was written"
done
"$CFBENCH" run -q --no-floors -w cmd -o "$tmp/bad.json" 2>"$tmp/err"
[ $? = 2 ] && grep -q "cmd.run is empty" "$tmp/err" || fail "no cmd.run: $(cat "$tmp/err")"

modes=seq,thread,process,async,hybrid
"$CFBENCH" run -q --no-floors -w cmd -m $modes -j 3 -r 2 --warmup 0 -p cmd.tasks=5 \
    -p cmd.run="sh -c 'exit \$((\$\$ % 1))'" -o "$tmp/ok.json" || fail "ok run exit $?"
"$CFBENCH" run -q --no-floors -w cmd -m $modes -j 3 -r 1 --warmup 0 -p cmd.tasks=4 \
    -p cmd.run="cfb-no-such-tool-x" -o "$tmp/missing.json" || fail "missing run exit $?"
"$CFBENCH" run -q --no-floors -w cmd -m $modes -j 2 -r 1 --warmup 0 -p cmd.tasks=3 \
    -p cmd.shell=true -p cmd.run='kill -9 $$' -o "$tmp/killed.json" || fail "killed run exit $?"
"$CFBENCH" run -q --no-floors -w cmd -m $modes -j 2 -r 1 --warmup 0 -p cmd.tasks=3 \
    -p cmd.capture=true -p cmd.run="printf 1234567" -o "$tmp/cap.json" || fail "capture run exit $?"
python3 - "$tmp" <<'PY' || fail "results of the cmd runs"
import json, sys, os
t = sys.argv[1]
modes = ["seq", "thread", "process", "async", "hybrid"]
def load(name):
    d = json.load(open(os.path.join(t, name)))
    assert d["complete"], name + " incomplete"
    got = {c["mode"]: c for c in d["cases"]}
    assert sorted(got) == sorted(modes), (name, sorted(got))
    return got
for m, c in load("ok.json").items():
    for r in c["repetitions"]:
        assert r["tasks_ok"] == 5 and r["tasks_failed"] == 0, (m, r)
for m, c in load("missing.json").items():
    r = c["repetitions"][0]
    assert r["tasks_failed"] == 4 and r["tasks_ok"] == 0, (m, r)
    assert "cannot run 'cfb-no-such-tool-x'" in r["first_problem"], (m, r["first_problem"])
for m, c in load("killed.json").items():
    r = c["repetitions"][0]
    assert r["tasks_failed"] == 3, (m, r)
    assert "killed by SIGKILL" in r["first_problem"], (m, r["first_problem"])
for m, c in load("cap.json").items():
    r = c["repetitions"][0]
    assert r["tasks_ok"] == 3 and r["bytes"] == 21, (m, r)
PY

# opt-in: the default sweep does not run it
"$CFBENCH" run -q --no-floors -m seq -r 1 --warmup 0 -p loiter.tasks=2 -p loiter.unit=0.001 \
    -p primes.set=small -o "$tmp/def.json" >/dev/null 2>"$tmp/err" || fail "default sweep: $(cat "$tmp/err")"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); w={c['workload'] for c in d['cases']}; assert 'loiter' in w and 'cmd' not in w, w" \
    "$tmp/def.json" || fail "cmd ran in the default sweep (or the sweep did not run)"

[ $fails = 0 ] && echo "test_run_cmd: all passed"
exit $((fails > 0))
