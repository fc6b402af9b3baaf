#!/usr/bin/env bash
# Parameter scans (issue 12 item 7, docs/scans.md): `-p K=1,2,4`, ranges
# with steps, the cross product of several scanned keys, case ids ending in
# /K=V, case.scan and config.scan, the seq reference per value set, bad
# input (exit 2, one line naming the --param, no results file), --case
# globs over scanned values, and compare / history of two scan files.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { timeout 300 "$CFBENCH" run -q --no-floors -r 2 --warmup 0 "$@"; }
jq_ok() { python3 -c "$1" "${@:2}" || bad "check failed: $1"; }

# ---- ids, counts, the cross product in the order given -------------------
run -w loiter -m seq,thread -j 1,2 -p loiter.unit=0.001 -p loiter.tasks=2..4:x2 \
    -p loiter.pattern=fixed -p unit=0.001,0.002 -o a.json >out 2>err ||
    bad "scan run: exit $? ($(cat err))"
python3 - a.json <<'PY' || bad "scan a.json"
import json, sys
d = json.load(open(sys.argv[1]))
ids = [c["id"] for c in d["cases"]]
want = []
for t in ("2", "4"):                  # first scanned key outermost
    for u in ("0.001", "0.002"):
        for m, w in (("seq", 1), ("thread", 1), ("thread", 2)):
            want.append(f"loiter/{m}/w{w}/tasks={t}/unit={u}")
assert ids == want, ids
assert d["config"]["scan"] == {"loiter.tasks": ["2", "4"], "loiter.unit": ["0.001", "0.002"]}, d["config"]["scan"]
assert list(d["config"]["scan"]) == ["loiter.tasks", "loiter.unit"]
for c in d["cases"]:
    t, u = c["id"].split("/")[3:]
    assert c["scan"] == {"tasks": t[6:], "unit": u[5:]}, c["scan"]
    assert list(c["scan"]) == ["tasks", "unit"]
    assert c["params"]["tasks"] == t[6:] and c["params"]["unit"] == u[5:], c["params"]
    assert c["tasks"] == int(t[6:])
    # the seq reference is the seq case of the same value set
    seq = [s for s in d["cases"] if s["mode"] == "seq" and s["scan"] == c["scan"]]
    assert len(seq) == 1
    ref = seq[0]["summary"]["wall_s"]["median"] / c["summary"]["wall_s"]["median"]
    assert abs(c["summary"]["speedup"] - ref) < 1e-9 * ref, (c["id"], c["summary"]["speedup"], ref)
PY

# an unprefixed key scans every selected workload that has it; a later plain
# value of the key ends the scan; strings keep commas literally
run -w loiter,noop -m seq -j 1 -p loiter.unit=0.001 -p tasks=3,5 -o b.json 2>err ||
    bad "unprefixed scan: $(cat err)"
jq_ok 'import json,sys; d=json.load(open(sys.argv[1])); ids=[c["id"] for c in d["cases"]]; assert ids==["loiter/seq/w1/tasks=3","loiter/seq/w1/tasks=5","noop/seq/w1/tasks=3","noop/seq/w1/tasks=5"], ids; assert set(d["config"]["scan"])=={"loiter.tasks","noop.tasks"}' b.json
run -w noop -m seq -j 1 -p tasks=3,5 -p noop.tasks=7 -o c.json 2>err || bad "later plain: $(cat err)"
jq_ok 'import json,sys; d=json.load(open(sys.argv[1])); assert [c["id"] for c in d["cases"]]==["noop/seq/w1"]; assert "scan" not in d["config"] and "scan" not in d["cases"][0]' c.json
run -w primes -m seq -j 1 -p primes.numbers=3,5,7 -o p.json 2>err || bad "string list: $(cat err)"
jq_ok 'import json,sys; d=json.load(open(sys.argv[1])); c=d["cases"]; assert [x["id"] for x in c]==["primes/seq/w1"] and c[0]["params"]["numbers"]=="3,5,7" and c[0]["tasks"]==3' p.json
run -w noop -m seq -j 1 -p noop.tasks=1..10:+3 -o d.json 2>err || bad "additive INT: $(cat err)"
jq_ok 'import json,sys; d=json.load(open(sys.argv[1])); assert d["config"]["scan"]=={"noop.tasks":["1","4","7","10"]}' d.json

# ---- bad input: exit 2, one line naming the --param, no results file ------
expect_usage() { # expect_usage PATTERN RUN-ARGS...
    local pat=$1
    shift
    rm -f r.json
    timeout 120 "$CFBENCH" run -q --no-floors -m seq -r 1 --warmup 0 -o r.json "$@" >out 2>err
    local rc=$?
    [ "$rc" = 2 ] || { bad "run $*: exit $rc, want 2 ($(cat err))"; return; }
    grep -Eq "$pat" err || bad "run $*: stderr does not match /$pat/: $(cat err)"
    [ "$(wc -l <err)" = 1 ] || bad "run $*: want one stderr line, got: $(cat err)"
    [ -e r.json ] && bad "run $*: wrote a results file"
    [ -s out ] && bad "run $*: printed on stdout: $(cat out)"
}
expect_usage "^cfbench run: --param loiter\.tasks=5,,10: tasks: empty item" -w loiter -p loiter.tasks=5,,10
expect_usage "^cfbench run: --param tasks=5,: tasks: empty item" -w loiter -p tasks=5,
expect_usage "^cfbench run: --param loiter\.tasks=10\.\.5: tasks: reversed range" -w loiter -p loiter.tasks=10..5
expect_usage "^cfbench run: --param loiter\.tasks=1\.\.64:x0: tasks: step ':x0' must be above 1" -w loiter -p loiter.tasks=1..64:x0
expect_usage "^cfbench run: --param loiter\.tasks=1\.\.64:x-2: " -w loiter -p loiter.tasks=1..64:x-2
expect_usage "^cfbench run: --param loiter\.unit=0\.\.1:\+0: unit: step ':\+0' must be above 0" -w loiter -p loiter.unit=0..1:+0
expect_usage "^cfbench run: --param loiter\.pattern=1\.\.3: pattern: a range needs an INT or DOUBLE parameter" -w loiter -p loiter.pattern=1..3
expect_usage "^cfbench run: --param flags\.dest=1\.\.3: dest: a range needs an INT or DOUBLE" -w flags -p flags.dest=1..3
expect_usage "^cfbench run: --param flags\.meta=0\.\.1: meta: a range needs an INT or DOUBLE" -w flags -p flags.meta=0..1
expect_usage "^cfbench run: --param loiter\.tasks=0,5: tasks: 0 is below the minimum 1" -w loiter -p loiter.tasks=0,5
expect_usage "^cfbench run: --param loiter\.unit=1,4000: unit: 4000 is above the maximum" -w loiter -p loiter.unit=1,4000
expect_usage "^cfbench run: --param noop\.tasks=1\.\.100000: tasks: the range 1\.\.100000 makes more than 10000 values" -w noop -p noop.tasks=1..100000
# 3000 values x (seq + thread at 3 counts): more than 10,000 cases
expect_usage "^cfbench run: --param noop\.tasks=1\.\.3000: the sweep would make 12000 cases \(at most 10000 with a scan\)" \
    -w noop -m seq,thread -j 1,2,4 -p noop.tasks=1..3000
# the cross product counts: 3 x 2000 x 2 cases (the longest scan is named)
expect_usage "^cfbench run: --param loiter\.unit=0\.\.1999:\+1: the sweep would make 12000 cases" \
    -w loiter -m seq,thread -j 1 -p tasks=1..3 -p loiter.unit=0..1999:+1
expect_usage "^cfbench run: --param loiter\.tasks=1,2: a scan cannot be combined with --reference python" \
    -w loiter -p loiter.tasks=1,2 --reference python

# ---- --case globs and compare of two scan files ---------------------------
run -w loiter -m seq,thread -j 1,2 -p loiter.unit=0.001 -p loiter.tasks=2..4:x2 \
    -p loiter.pattern=fixed -p unit=0.001,0.002 -o a2.json 2>err || bad "second scan run: $(cat err)"
timeout 120 "$CFBENCH" compare a.json a2.json --fail-on never -f json -o cmp.json 2>err ||
    bad "compare: exit $? ($(cat err))"
python3 - cmp.json <<'PY' || bad "compare matched the wrong cases"
import json, sys
r = json.load(open(sys.argv[1]))
rows = r["cases"]
ids = sorted(x["id"] for x in rows)
assert len(ids) == 12 and len(set(ids)) == 12, ids
assert all("tasks=" in i and "unit=" in i for i in ids), ids
PY
timeout 120 "$CFBENCH" compare a.json a2.json --fail-on never -f json -c '*/tasks=4/*' -o cmp4.json 2>err ||
    bad "compare --case: exit $? ($(cat err))"
jq_ok 'import json,sys; r=json.load(open(sys.argv[1])); rows=r["cases"]; ids=[x["id"] for x in rows]; assert len(ids)==6 and all("/tasks=4/" in i for i in ids), ids' cmp4.json
# speedup compares each case against the seq case of its own value set
timeout 120 "$CFBENCH" compare a.json a2.json --fail-on never --metric speedup -f json -o cmps.json 2>err ||
    bad "compare --metric speedup: exit $? ($(cat err))"
python3 - a.json cmps.json <<'PY' || bad "compare --metric speedup: not against the same value set"
import json, sys, statistics
a = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))
rows = [x for x in r["cases"] if x["mode"] != "seq"]
assert len(rows) == 8, r["cases"]
for x in rows:
    c = [k for k in a["cases"] if k["id"] == x["id"]][0]
    seq = [k for k in a["cases"] if k["mode"] == "seq" and k["scan"] == c["scan"]][0]
    sw = statistics.median(p["wall_s"] for p in seq["repetitions"])
    want = statistics.median(sw / p["wall_s"] for p in c["repetitions"])
    assert abs(x["base"]["median"] - want) < 1e-6 * want, (x["id"], x["base"]["median"], want)
PY
# a scan file against a run of one value set: that value set's cases match
run -w loiter -m seq,thread -j 1,2 -p loiter.unit=0.002 -p loiter.tasks=4 -p loiter.pattern=fixed -o one.json 2>err ||
    bad "one value set: $(cat err)"
timeout 120 "$CFBENCH" compare a.json one.json --fail-on never -f json -o cmp1.json 2>err ||
    bad "compare scan vs one: exit $? ($(cat err))"
jq_ok 'import json,sys; r=json.load(open(sys.argv[1])); rows=r["cases"]; assert sorted(x["id"] for x in rows)==["loiter/seq/w1/tasks=4/unit=0.002","loiter/thread/w1/tasks=4/unit=0.002","loiter/thread/w2/tasks=4/unit=0.002"], rows; assert all(x["params"]["tasks"]=="4" and x["params"]["unit"]=="0.002" for x in rows)' cmp1.json
# history: one series per scanned case over the two files
timeout 120 "$CFBENCH" history a.json a2.json -f json -o hist.json 2>err ||
    bad "history: exit $? ($(cat err))"
jq_ok 'import json,sys; h=json.load(open(sys.argv[1])); s=h["cases"]; assert len(s)==12, len(s); assert all(len(x["points"])==2 and x["id"].split("/")[3].startswith("tasks=") for x in s), s' hist.json

[ "$fails" = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
