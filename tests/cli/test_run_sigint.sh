#!/usr/bin/env bash
# SIGINT during a sweep: it stops after the current repetition and leaves
# valid JSON marked complete=false, interrupted=true, with what finished.
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
# 17 cases (seq w1, thread and process w1..8) x (1 warm-up + 3 repetitions) of
# 5 tasks sleeping 0..4 x 0.05 s: the first case line appears after ~2 s; the
# rest of the sweep would take another ~16 s. SIGINT is sent when that line
# appears, so the sweep cannot have run to its end unless this script stalled
# for ~16 s between seeing the line and signalling (with 5 cases of 0.1 s it
# was 1.6 s, which a loaded machine could reach). Interrupted, it stops after
# the current repetition, so the long tail costs no time.
"$CFBENCH" run -w loiter -m seq,thread,process -j 1,2,3,4,5,6,7,8 -r 3 --warmup 1 \
    -p loiter.unit=0.05 -p loiter.tasks=5 -o "$tmp/r.json" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 600); do # bounded: at most 60 s
    grep -q '^\[1/17\]' "$tmp/err" 2>/dev/null && break
    sleep 0.1
done
grep -q '^\[1/17\]' "$tmp/err" || { echo "FAIL: no case finished in 60 s"; cat "$tmp/err"; exit 1; }
kill -INT "$pid"
wait "$pid"; rc=$?
pid=
[ "$rc" = 1 ] || { echo "FAIL: exit $rc after SIGINT, want 1"; fails=$((fails+1)); }
grep -q 'interrupted' "$tmp/err" || { echo "FAIL: no interrupted message"; cat "$tmp/err"; fails=$((fails+1)); }
grep -q '^\[17/17\]' "$tmp/err" && { echo "FAIL: the sweep ran to the end"; fails=$((fails+1)); }
python3 - "$tmp/r.json" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "cfbench-results", "schema"
assert d["complete"] is False and d["interrupted"] is True, (d["complete"], d["interrupted"])
ids = [c["id"] for c in d["cases"]]
assert ids[0] == "loiter/seq/w1" and len(d["cases"][0]["repetitions"]) == 3, ids
assert len(ids) < 17 or len(d["cases"][-1]["repetitions"]) < 3, "everything finished"
for c in d["cases"]:
    assert "summary" in c and all(r["wall_s"] > 0 for r in c["repetitions"]), c["id"]
PY
echo "$fails failures"
[ "$fails" = 0 ]
