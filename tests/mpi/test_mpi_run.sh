#!/usr/bin/env bash
# cfbench run --mode mpi under mpirun -np 3 on loopback, with a hostfile that
# names localhost twice: the primes answers are checked by the sweep, the
# results record every rank's host, flags runs (each worker rank its own curl
# handle), and compare reads the file like any other. Without mpirun, mode
# mpi is a usage error (exit 2). Exit 77 (skipped) when MPI was not built.
set -u
: "${CFBENCH:?}" "${CFB_BUILD_DIR:?}"
source "$(dirname "$0")/mpi_common.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }

# without mpirun: a clear usage error, whether or not MPI was built
env -u OMPI_COMM_WORLD_SIZE "$CFBENCH" run -w primes -m mpi -q -o "$tmp/x.json" >/dev/null 2>"$tmp/e"
rc=$?
[ "$rc" = 2 ] || fail "mode mpi without mpirun: exit $rc (want 2)"
grep -q 'mode mpi' "$tmp/e" || { fail "no reason given"; cat "$tmp/e"; }
[ ! -e "$tmp/x.json" ] || fail "a results file was written"

mpi_require "$CFB_BUILD_DIR/mpi/mpi_executor_test"
printf 'localhost\nlocalhost\n' >"$tmp/hosts"
timeout 200 mpirun -np 3 --oversubscribe --hostfile "$tmp/hosts" "$CFBENCH" run -w primes,flags \
    -m seq,mpi,process -j 1,2,4 -r 2 --warmup 0 -p primes.set=small -o "$tmp/r.json" \
    >"$tmp/o" 2>"$tmp/e"
rc=$?
[ "$rc" = 0 ] || { fail "sweep under mpirun: exit $rc"; cat "$tmp/e"; }
grep -q 'mode mpi runs at workers <= 2' "$tmp/e" || fail "no note about workers=4 left out"
[ "$(tail -n 1 "$tmp/o")" = "$tmp/r.json" ] || fail "results path not printed once on stdout"
python3 - "$tmp/r.json" <<'PY' || fails=$((fails+1))
import json, socket, sys
d = json.load(open(sys.argv[1]))
bad = []
if d["complete"] is not True: bad.append("not complete")
m = d.get("mpi") or {}
if m.get("world_size") != 3 or m.get("worker_ranks") != 2: bad.append("mpi sizes %r" % m)
ranks = m.get("ranks", [])
if [r["rank"] for r in ranks] != [0, 1, 2]: bad.append("ranks %r" % ranks)
if any(not r["host"] for r in ranks): bad.append("a rank without host")
if [r["role"] for r in ranks] != ["client", "worker", "worker"]: bad.append("roles")
ids = sorted(c["id"] for c in d["cases"])
want = sorted(["primes/seq/w1", "primes/mpi/w1", "primes/mpi/w2", "primes/process/w1",
               "primes/process/w2", "primes/process/w4", "flags/seq/w1", "flags/mpi/w1",
               "flags/mpi/w2", "flags/process/w1", "flags/process/w2", "flags/process/w4"])
if ids != want: bad.append("cases %r" % ids)
for c in d["cases"]:
    if c.get("error"): bad.append("%s: %s" % (c["id"], c["error"]))
    for r in c["repetitions"]:
        if r["check_failures"] or r["tasks_failed"]: bad.append("%s: wrong answers" % c["id"])
        if c["mode"] == "mpi" and not r["latency_s"]: bad.append("%s: no latency" % c["id"])
    if c["mode"] == "mpi" and c["workers"] == 2:
        ws = {t["worker"] for t in c.get("timeline", {}).get("tasks", [])}
        if ws != {0, 1}: bad.append("%s: timeline workers %r" % (c["id"], ws))
for b in bad: print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
# compare treats mode mpi as any mode
"$CFBENCH" compare "$tmp/r.json" "$tmp/r.json" >"$tmp/c" 2>&1 || { fail "compare: exit $?"; cat "$tmp/c"; }
grep -q 'primes/mpi/w2' "$tmp/c" || { fail "compare does not list primes/mpi/w2"; cat "$tmp/c"; }
echo "$fails failures"
[ "$fails" = 0 ]
