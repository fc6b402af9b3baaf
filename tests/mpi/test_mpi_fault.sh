#!/usr/bin/env bash
# A worker rank killed mid-sweep (kill -9) under mpirun -np 3: Open MPI 4.1
# ends the job, and the results file still holds every finished case, is
# valid JSON, says complete=false, and rank 0 names the cause on stderr.
# Deterministic: the kill comes once the file holds the first (fast) case;
# the second case sleeps for seconds per repetition, so it is running then.
set -u
: "${CFBENCH:?}" "${CFB_BUILD_DIR:?}"
source "$(dirname "$0")/mpi_common.sh"
mpi_require "$CFB_BUILD_DIR/mpi/mpi_executor_test"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
out="$tmp/r.json"
# Open MPI sends SIGCONT, waits odls_base_sigkill_timeout (default 1 s), then
# SIGTERM and SIGKILL: 5 s keeps the test honest on a loaded CI machine.
export OMPI_MCA_odls_base_sigkill_timeout=5
timeout 120 mpirun -np 3 --oversubscribe "$CFBENCH" run -w noop,loiter -m mpi -j 2 -r 3 \
    --warmup 0 -p noop.tasks=200 -p loiter.tasks=4 -p loiter.unit=1 -q -o "$out" \
    >"$tmp/o" 2>"$tmp/e" &
job=$!
# bounded polling: the first case finished and saved (the file is rewritten atomically)
victim=
for _ in $(seq 1 600); do
    if [ -f "$out" ] && python3 - "$out" >"$tmp/pid" 2>/dev/null <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert any(c["id"] == "noop/mpi/w2" and c["repetitions"] for c in d["cases"])
print(d["mpi"]["ranks"][1]["pid"])
PY
    then victim=$(cat "$tmp/pid"); break; fi
    sleep 0.1
done
[ -n "$victim" ] || fail "the first case never finished"
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
rc=$?
[ "$rc" != 0 ] || fail "mpirun exit 0 after a rank died"
python3 - "$out" "$victim" <<'PY' || fails=$((fails+1))
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
if d["complete"] is not False: bad.append("complete is not false")
if d["interrupted"] is not True: bad.append("interrupted is not true")
want = "worker rank(s) gone: 1 (pid %s" % sys.argv[2]
if want not in (d["mpi"].get("fault") or ""): bad.append("mpi.fault: %r" % d["mpi"].get("fault"))
lo = [c for c in d["cases"] if c["id"] == "loiter/mpi/w2"]
if not lo or want not in (lo[0].get("error") or ""): bad.append("the running case names no cause")
ids = [c["id"] for c in d["cases"]]
noop = [c for c in d["cases"] if c["id"] == "noop/mpi/w2"]
if not noop or len(noop[0]["repetitions"]) != 3 or noop[0].get("error"):
    bad.append("the finished case is missing or incomplete: %r" % ids)
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
grep -q "worker rank(s) gone: 1 (pid $victim" "$tmp/e" \
    || { fail "rank 0 did not name the dead rank"; cat "$tmp/e"; }
echo "$fails failures"
[ "$fails" = 0 ]
