#!/usr/bin/env bash
# SIGINT at seeded random points of `cfbench run` (issue 14, fault campaign).
#
# What run promises (docs/cli.md, "Ctrl-C"): the results file is written
# first, before any work, then after every case, atomically; one SIGINT
# (or SIGTERM) stops the sweep after the current repetition, writes what
# finished with complete=false, interrupted=true, and exits 1; a second
# signal kills at once. A signal that comes before the handler is installed
# (argument parsing) kills the process before any file exists.
#
# So after every run, whatever the moment of the signal:
#   exit 0   -> the file is valid, complete=true, interrupted=false, every case
#   exit 1   -> the file is valid, complete=false, interrupted=true, and stderr
#               says "interrupted"
#   SIGINT   -> (exit 130) no results file at all
# where "valid" means `cfbench export` accepts it (the schema check) and
# Python's json module parses it; never a truncated file, never a
# `*.tmp.*` file left next to it, no pool worker left running. Double
# SIGINT: the file is absent or valid, never truncated.
#
# The signal times come from a seeded generator (CFB_SIGINT_SEED, default
# 14), spread over the measured length of one full run; the outcome of each
# run depends on timing, the assertions hold for every outcome. Bounded:
# at most CFB_SIGINT_RUNS runs (default 40) within CFB_SIGINT_BUDGET seconds
# (default 45; more for a slow build, up to 200).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
RANDOM=${CFB_SIGINT_SEED:-14}
max_runs=${CFB_SIGINT_RUNS:-40}
budget=${CFB_SIGINT_BUDGET:-45}

# 14 cases (noop and loiter x seq, thread w1 w2, process w1 w2), 1 warm-up
# and 2 repetitions each: many saves and pool start-ups/shut-downs to hit
sweep=(run -w noop,loiter -m seq,thread,process -j 1,2 -r 2 --warmup 1
    -p noop.tasks=300 -p loiter.tasks=3 -p loiter.unit=0.002)
ncases=10

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# One run: start cfbench in its own process group, signal it after delay_ms
# (to the process, or to the whole group like a terminal's Ctrl-C), maybe
# twice; the exit status lands in $rc.
one_run() { # one_run DELAY_MS GROUP(0|1) DOUBLE(0|1) EXTRA-ARGS...
    local delay=$1 group=$2 double=$3
    shift 3
    rm -f "$tmp/r.json" "$tmp"/r.json.tmp.*
    setsid "$CFBENCH" "${sweep[@]}" "$@" -o "$tmp/r.json" >"$tmp/out" 2>"$tmp/err" &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
    local target=$pid
    [ "$group" = 1 ] && target="-$pid"
    kill -INT -- "$target" 2>/dev/null
    if [ "$double" = 1 ]; then
        sleep "0.00$((RANDOM % 10))"
        kill -INT -- "$target" 2>/dev/null
    fi
    wait "$pid"
    rc=$?
    # every process of the run's group is gone (bounded: 10 s)
    local i
    for i in $(seq 200); do
        pgrep -g "$pid" >/dev/null || break
        sleep 0.05
    done
    pgrep -g "$pid" >/dev/null && bad "run $n: processes of the run still alive: $(pgrep -g "$pid" -a)"
    pkill -KILL -g "$pid" 2>/dev/null
    pid=
}

check_file() { # check_file WANT(complete|interrupted|any)
    "$CFBENCH" export "$tmp/r.json" --format csv >/dev/null 2>"$tmp/verr" ||
        { bad "run $n: the results file does not load: $(cat "$tmp/verr")"; return; }
    python3 - "$tmp/r.json" "$1" "$ncases" <<'PY' || bad "run $n: results file: see above"
import json, sys
d = json.load(open(sys.argv[1]))
want, ncases = sys.argv[2], int(sys.argv[3])
assert d["schema"] == "cfbench-results", d["schema"]
ids = [c["id"] for c in d["cases"]]
assert len(ids) == len(set(ids)), ids
if want == "complete":
    assert d["complete"] is True and d["interrupted"] is False, (d["complete"], d["interrupted"])
    assert len(ids) == ncases, ids
elif want == "interrupted":
    assert d["complete"] is False and d["interrupted"] is True, (d["complete"], d["interrupted"])
for c in d["cases"]:
    assert "error" not in c, (c["id"], c.get("error"))
    for r in c["repetitions"]:
        assert r["wall_s"] > 0, c["id"]
PY
}

# The length of a full run, to spread the signals over it.
t0=$(now_ms)
"$CFBENCH" "${sweep[@]}" -q -o "$tmp/full.json" >/dev/null 2>"$tmp/err" || { echo "FAIL: the sweep itself fails: $(cat "$tmp/err")"; exit 1; }
full=$(($(now_ms) - t0))
echo "one full run: $full ms"
[ "$full" -ge 50 ] || full=50
# a slow build (sanitizers, a loaded machine) gets room for ~8 runs, within
# the 300 s CTest timeout
[ $((budget * 1000)) -ge $((full * 8)) ] || budget=$((full * 8 / 1000 + 1))
[ "$budget" -le 200 ] || budget=200

start=$(now_ms)
n=0
declare -A seen=()
while [ "$n" -lt "$max_runs" ] && [ $(($(now_ms) - start)) -lt $((budget * 1000)) ]; do
    n=$((n + 1))
    # the first runs hit start-up on purpose; then anywhere up to 110% of a run
    case $n in
    1) delay=0 ;;
    2) delay=3 ;;
    3) delay=15 ;;
    *) delay=$((RANDOM * 32768 + RANDOM)); delay=$((delay % (full * 11 / 10))) ;;
    esac
    group=$((RANDOM % 2))
    double=0
    [ $((n % 6)) = 0 ] && double=1
    extra=()
    [ $((RANDOM % 3)) = 0 ] && extra=(--interleave --seed "$RANDOM")
    [ $((RANDOM % 2)) = 0 ] && extra+=(-q)
    one_run "$delay" "$group" "$double" "${extra[@]}"
    seen[$rc]=$((${seen[$rc]:-0} + 1))
    what="run $n (signal at ${delay} ms, group=$group, double=$double, ${extra[*]:-})"
    if [ "$double" = 1 ]; then
        case $rc in
        0) check_file complete ;;
        1) check_file interrupted ;;
        130) [ -e "$tmp/r.json" ] && check_file any ;;
        *) bad "$what: exit $rc" ;;
        esac
        continue
    fi
    case $rc in
    0) check_file complete ;;
    1)
        check_file interrupted
        grep -q "^cfbench run: interrupted" "$tmp/err" ||
            bad "$what: exit 1 without an 'interrupted' message: $(cat "$tmp/err")"
        ;;
    130) [ -e "$tmp/r.json" ] && bad "$what: killed by SIGINT, yet a results file exists" ;;
    *) bad "$what: exit $rc, want 0, 1 or 130: $(tail -3 "$tmp/err")" ;;
    esac
    if ls "$tmp" | grep -q '^r\.json\.tmp\.'; then bad "$what: temp file left: $(ls "$tmp")"; fi
done
summary=""
for k in "${!seen[@]}"; do summary+=" exit $k: ${seen[$k]}x;"; done
echo "$n runs in $((($(now_ms) - start) / 1000)) s (seed ${CFB_SIGINT_SEED:-14}):$summary"
[ "$n" -ge 3 ] || bad "only $n runs in the time budget"
echo "$fails failures"
[ "$fails" = 0 ]
