#!/usr/bin/env bash
# hybrid_bench.sh — issue 15 item 4: the hybrid mode (P processes, one
# cf_loop each, the flags curl-multi driver) against wrk -t2 on the same
# LOCAL flag server, and against async (one loop), rounds interleaved.
#
# One command: bench/hybrid_bench.sh [BUILD_DIR]   (default: build)
# Env: RUNS (rounds, default 5), C (connections = operations in flight,
#      default 64), PROCS (hybrid processes, default 2), CODES (the flags
#      workload's codes, default every: AA..ZZ, 676 requests a repetition,
#      194 images and 482 404s), REPS (cfbench repetitions a round, default
#      5), WRK_SECONDS (default 3).
#
# Each round: wrk -t2 -c$C for WRK_SECONDS, requesting the same 676 paths
# in turn (a Lua script: the same mix of 200s and 404s the workload asks
# for), then one `cfbench run -w flags -m async,hybrid -j $C` of REPS
# interleaved repetitions against the same server (base=URL, dest=- : bodies
# counted, not saved). Printed: per round wrk req/s and the median
# downloads/s of async and hybrid; at the end the medians over rounds and
# the ratios hybrid / wrk -t2 (target >= 0.8), async / wrk -t2 and
# hybrid / async. The server is a separate `cfbench serve` process, as in
# flags_bench.sh. A cfbench repetition is 676 downloads from fresh
# connections (its clock starts when every loop is ready, before the first
# connect); wrk's figure is a 3 s steady state on warm connections: the
# difference is the repetition's ramp; the "steady" figures leave it out.
# The floor (bench/http_floor --client curl: bare libcurl, the textbook multi
# loop, nothing of ours): two of them at once, C/2 in flight each, FLOOR_N
# downloads of one image each, against wrk -t2 on that same image — the
# most any 2-process libcurl client can reach next to wrk on this machine
# (the server shares the same CPUs): hybrid's ratio cannot pass the floor's.
set -u
build=${1:-build}
cfbench=$build/cfbench
hf=$build/bench/http_floor
runs=${RUNS:-5}
conns=${C:-64}
procs=${PROCS:-2}
codes=${CODES:-every}
reps=${REPS:-5}
wrk_s=${WRK_SECONDS:-3}
floor_n=${FLOOR_N:-10000}
for f in "$cfbench" "$hf"; do
    [ -x "$f" ] || { echo "hybrid_bench.sh: $f not built (cmake --build $build)" >&2; exit 3; }
done
command -v wrk >/dev/null || { echo "hybrid_bench.sh: wrk not installed (scripts/deps.sh)" >&2; exit 3; }
command -v python3 >/dev/null || { echo "hybrid_bench.sh: needs python3 (reads the results JSON)" >&2; exit 3; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
tmp=$(mktemp -d)
spid=
cleanup() { [ -n "$spid" ] && { kill -INT "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; }; rm -rf "$tmp"; }
trap cleanup EXIT

"$cfbench" serve --port 0 -L LOCAL >"$tmp/serve.out" 2>&1 &
spid=$!
for _ in $(seq 100); do
    grep -q 'http://' "$tmp/serve.out" && break
    sleep 0.05
done
url=$(grep -o 'http://[^ ]*' "$tmp/serve.out" | head -1)
[ -n "$url" ] || { echo "hybrid_bench.sh: cfbench serve did not start" >&2; exit 3; }

# wrk asks for the same paths as the workload: every code AA..ZZ (or the
# list given), lower case, in turn, per connection.
python3 - "$codes" >"$tmp/paths.lua" <<'PY'
import string, sys
spec = sys.argv[1]
if spec == "every":
    cc = [a + b for a in string.ascii_lowercase for b in string.ascii_lowercase]
else:
    cc = [c.strip().lower() for c in spec.split(",") if c.strip()]
print("local paths = {" + ",".join('"/%s/%s.gif"' % (c, c) for c in cc) + "}")
print("local i = 0")
print("request = function()")
print("  i = i % #paths + 1")
print("  return wrk.format(nil, wrk.path .. paths[i])")
print("end")
PY
base_path=${url#http://*/}
host=${url%/"$base_path"}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
figs() { # figs FILE MODE → "tps steady cpu_us": the case's median downloads/s;
    # the steady rate of its first measured repetition (completions 10%..90%,
    # from its timeline: the repetition without its ramp); median client CPU
    # per download (user+sys of every process of the client, us)
    python3 -c 'import json,sys,statistics
d=json.load(open(sys.argv[1]))
for c in d["cases"]:
    if c["mode"] != sys.argv[2] or c.get("error"): continue
    tps = c["summary"]["throughput_tps"]["median"]
    en = sorted(t["end_s"] for t in c.get("timeline", {}).get("tasks", []))
    lo, hi = len(en) // 10, len(en) * 9 // 10
    steady = (hi - lo) / (en[hi] - en[lo]) if hi > lo and en[hi] > en[lo] else float("nan")
    cpu = statistics.median(r["cpu_s"] / c["tasks"] * 1e6 for r in c["repetitions"])
    print("%.0f %.0f %.1f" % (tps, steady, cpu))' "$1" "$2"
}

echo "hybrid_bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: read ratios, not absolutes)"
echo "server: $url (cfbench serve -L LOCAL); codes=$codes; $conns connections / in flight;" \
    "hybrid: $procs processes"
: >"$tmp/wrk"
: >"$tmp/wrkimg"
: >"$tmp/floor"
for f in async hybrid; do : >"$tmp/$f"; : >"$tmp/$f.steady"; : >"$tmp/$f.cpu"; done
for r in $(seq "$runs"); do
    w=$(wrk -t2 -c"$conns" -d"${wrk_s}s" -s "$tmp/paths.lua" "$host/$base_path" |
        awk '/Requests\/sec/ {print $2}')
    "$cfbench" run -q --no-floors -w flags -m async,hybrid -j "$conns" --hybrid-procs "$procs" \
        -r "$reps" --warmup 1 --interleave --seed "$r" -p flags.base="$url" -p flags.dest=- \
        -p flags.codes="$codes" -o "$tmp/r$r.json" >/dev/null 2>"$tmp/err" ||
        { echo "hybrid_bench.sh: cfbench run failed:" >&2; cat "$tmp/err" >&2; exit 1; }
    read -r a as ac <<<"$(figs "$tmp/r$r.json" async)"
    read -r h hs hc <<<"$(figs "$tmp/r$r.json" hybrid)"
    echo "round $r: wrk -t2 -c$conns $w req/s; async (1 loop) $a downloads/s (steady $as," \
        "$ac us CPU each); hybrid ($procs loops) $h downloads/s (steady $hs, $hc us CPU each)"
    wi=$(wrk -t2 -c"$conns" -d"${wrk_s}s" "$url/br/br.gif" | awk '/Requests\/sec/ {print $2}')
    half=$((conns / 2 > 0 ? conns / 2 : 1))
    t0=$(date +%s.%N)
    "$hf" --client curl --url "$url" --n "$floor_n" --inflight "$half" --runs 1 >"$tmp/f1" &
    fpid=$!
    "$hf" --client curl --url "$url" --n "$floor_n" --inflight "$half" --runs 1 >"$tmp/f2"
    wait "$fpid" # (not a bare wait: the server is a child too)
    t1=$(date +%s.%N)
    fl=$(awk -v a="$t0" -v b="$t1" -v n=$((2 * floor_n)) 'BEGIN {printf "%.0f", n / (b - a)}')
    echo "         floor: wrk -t2 -c$conns on one image $wi req/s; bare libcurl, 2 processes x" \
        "$half in flight, $((2 * floor_n)) downloads: $fl downloads/s (with their start-up)"
    echo "$wi" >>"$tmp/wrkimg"
    echo "$fl" >>"$tmp/floor"
    echo "$w" >>"$tmp/wrk"
    echo "$a" >>"$tmp/async"; echo "$as" >>"$tmp/async.steady"; echo "$ac" >>"$tmp/async.cpu"
    echo "$h" >>"$tmp/hybrid"; echo "$hs" >>"$tmp/hybrid.steady"; echo "$hc" >>"$tmp/hybrid.cpu"
done
mw=$(median <"$tmp/wrk")
ma=$(median <"$tmp/async")
mh=$(median <"$tmp/hybrid")
mas=$(median <"$tmp/async.steady")
mhs=$(median <"$tmp/hybrid.steady")
echo "median of $runs rounds: wrk -t2 $mw req/s; async $ma downloads/s (steady $mas," \
    "$(median <"$tmp/async.cpu") us CPU each); hybrid $mh downloads/s (steady $mhs," \
    "$(median <"$tmp/hybrid.cpu") us CPU each)"
awk -v w="$mw" -v a="$ma" -v h="$mh" -v as="$mas" -v hs="$mhs" 'BEGIN {
    printf "ratio hybrid / wrk -t2: %.2f (target >= 0.80); async / wrk -t2: %.2f; hybrid / async: %.2f\n",
        h / w, a / w, h / a
    printf "steady (10%%..90%% of a repetition): hybrid / wrk -t2 %.2f, async / wrk -t2 %.2f\n",
        hs / w, as / w }'
mwi=$(median <"$tmp/wrkimg")
mfl=$(median <"$tmp/floor")
awk -v w="$mwi" -v f="$mfl" 'BEGIN {
    printf "floor: bare libcurl in 2 processes / wrk -t2 (one image): %.2f (%s / %s): no 2-process libcurl client passes this ratio here\n", f / w, f, w }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
