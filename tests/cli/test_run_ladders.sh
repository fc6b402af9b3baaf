#!/usr/bin/env bash
# issue 16: without --workers (and with --workers auto) each workload sweeps
# its own ladder by kind, recorded in config.ladders and per case `bound`:
# loiter (I/O-bound) 1..64 threads and up to its task count in flight, primes
# (CPU-bound) powers of two up to 2 x the CPUs (its async, inline on the
# loop thread, at the ladder's ends); an explicit list applies to
# every workload; stdout stays the results path alone, the summary and the
# findings go to stderr (not with -q).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }

small=(-w loiter,primes -m seq,thread,async -r 1 --warmup 0 -p loiter.tasks=5
       -p loiter.unit=0.0005 -p loiter.pattern=fixed -p primes.set=small)
for j in none auto; do
    out="$tmp/$j.json"
    if [ "$j" = none ]; then args=(); else args=(-j auto); fi
    "$CFBENCH" run "${small[@]}" "${args[@]}" -o "$out" >"$tmp/stdout" 2>"$tmp/stderr"
    rc=$?
    [ "$rc" = 0 ] || { fail "$j: exit $rc"; cat "$tmp/stderr"; }
    [ "$(cat "$tmp/stdout")" = "$out" ] || fail "$j: stdout is not the results path"
    grep -q '^Summary' "$tmp/stderr" || fail "$j: no summary on stderr"
    grep -q '^Findings' "$tmp/stderr" || fail "$j: no findings on stderr"
    awk '/^Summary/ { on=1 } on && length > 80 { bad=1 } END { exit bad }' "$tmp/stderr" ||
        fail "$j: a summary line over 80 columns"
    python3 - "$out" <<'PY' || fail "$j: ladders"
import json, sys
d = json.load(open(sys.argv[1]))
ncpu = d["host"]["cpus_allowed"]
cpu = sorted({k for k in [1 << i for i in range(12)] if k <= 2 * ncpu} | {ncpu, 2 * ncpu})
io = [1, 2, 4, 8, 16, 32, 64]
want = {"loiter": {"bound": "io", "workers": {"seq": [1], "thread": io, "async": [1, 2, 4, 5]}},
        # primes has no event-loop driver: async runs inline, at the ladder's ends only
        "primes": {"bound": "cpu", "workers": {"seq": [1], "thread": cpu, "async": [1, cpu[-1]]}}}
errs = []
cfg = d["config"]
if cfg.get("ladders") != want: errs.append(f"config.ladders {cfg.get('ladders')} != {want}")
if cfg.get("workers_auto") is not True: errs.append("workers_auto")
if cfg["workers"] != sorted(set(io + cpu + [5])): errs.append(f"config.workers {cfg['workers']}")
got = {}
for c in d["cases"]:
    got.setdefault((c["workload"], c["mode"]), []).append(c["workers"])
    if c["bound"] != want[c["workload"]]["bound"]: errs.append(f"{c['id']}: bound {c['bound']}")
for w, l in want.items():
    for m, ws in l["workers"].items():
        if got.get((w, m)) != ws: errs.append(f"{w}/{m}: cases at {got.get((w, m))}, want {ws}")
for e in errs: print(e)
sys.exit(1 if errs else 0)
PY
done

# an explicit list applies to every workload and mode; -q: no summary
out="$tmp/list.json"
"$CFBENCH" run "${small[@]}" -j 1,3 -q -o "$out" >"$tmp/stdout" 2>"$tmp/stderr" || fail "-j 1,3: exit $?"
[ -s "$tmp/stderr" ] && { fail "-q printed on stderr"; cat "$tmp/stderr"; }
python3 - "$out" <<'PY' || fail "-j 1,3: ladders"
import json, sys
d = json.load(open(sys.argv[1]))
cfg = d["config"]
assert cfg["workers"] == [1, 3] and cfg["workers_auto"] is False, cfg
for w in ("loiter", "primes"):
    assert cfg["ladders"][w]["workers"] == {"seq": [1], "thread": [1, 3], "async": [1, 3]}, cfg
assert len(d["cases"]) == 10, [c["id"] for c in d["cases"]]
PY

[ "$fails" = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
