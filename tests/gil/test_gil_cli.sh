#!/usr/bin/env bash
# test_gil_cli: `cfbench run --gil` end to end (issue 8).
#   - primes, 2 workers: C threads + GIL stay <= 1.2x over seq (the wall
#     speedup, or — when other load slowed the seq case — the seq case's CPU
#     time over the threads' wall), never keeping more than ~1 CPU busy,
#     while C processes + GIL (one GIL per process) reach >= 1.7x;
#   - loiter and flags (DELAY server) keep their thread-mode speedup under the
#     GIL (the sleep and the transfer release it);
#   - the config records gil and switch_interval_s; bad options exit 2.
# cfb-test: serial (CTest runs it alone: it measures speedups).
# Noise: best of 3 attempts (each section); the processes >= 1.7x check needs a machine that
# can show it (GIL-free C threads >= 1.7x in the same run), otherwise it is
# skipped with a NOTICE. Needs python3 to read the JSON.
set -u
: "${CFBENCH:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the results"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

# --- bad usage -----------------------------------------------------------------
"$CFBENCH" run -w noop --switch-interval 0.01 -o "$tmp/x.json" -q 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "needs --gil" "$tmp/err" && ok "--switch-interval without --gil: exit 2" \
    || bad "--switch-interval without --gil"
"$CFBENCH" run -w noop --gil --switch-interval abc -o "$tmp/x.json" -q 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && ok "bad interval: one line, exit 2" \
    || bad "bad --switch-interval"
"$CFBENCH" run -w noop --gil --switch-interval 0 -o "$tmp/x.json" -q 2>/dev/null
[ $? -eq 2 ] && ok "interval 0: exit 2" || bad "interval 0 accepted"

# --- config fields, impl ids -------------------------------------------------------
"$CFBENCH" run -w noop -p noop.tasks=200 -m seq,thread -j 2 -r 1 --warmup 0 --gil \
    --switch-interval 0.002 -o "$tmp/noop.json" -q >/dev/null || bad "noop --gil run failed"
python3 - "$tmp/noop.json" <<'PY' && ok "config gil/switch_interval_s, c and c+gil cases" || bad "config/ids"
import json, sys
d = json.load(open(sys.argv[1]))
c = d["config"]
assert c.get("gil") is True and abs(c.get("switch_interval_s") - 0.002) < 1e-12, c
ids = {k["id"]: k for k in d["cases"]}
for i in ["noop/seq/w1", "noop/thread/w2", "noop/seq/w1/c+gil", "noop/thread/w2/c+gil"]:
    assert i in ids, (i, list(ids))
assert ids["noop/thread/w2/c+gil"]["impl"] == "c+gil"
assert ids["noop/thread/w2"]["impl"] == "c"
PY

# --- primes: the GIL serialises threads, not processes ------------------------------
passed=0
for attempt in 1 2 3; do
    "$CFBENCH" run -w primes -p primes.set=medium -m seq,thread,process -j 2 -r 3 --warmup 1 \
        --gil -o "$tmp/primes.json" -q >/dev/null || { bad "primes --gil run failed"; break; }
    if python3 - "$tmp/primes.json" <<'PY'; then passed=1; break; fi
import json, sys
d = json.load(open(sys.argv[1]))
ids = {k["id"]: k for k in d["cases"]}
sp = lambda i: ids[i]["summary"]["speedup"]
tg, pg, t = sp("primes/thread/w2/c+gil"), sp("primes/process/w2/c+gil"), sp("primes/thread/w2")
busy = max(r["cpu_s"] / r["wall_s"] for r in ids["primes/thread/w2/c+gil"]["repetitions"])
# load-proof form of the speedup: the sequential work (seq CPU time, which
# other load does not inflate) over the threads' median wall
work = ids["primes/seq/w1/c+gil"]["summary"]["cpu_s"]["median"]
tg_cpu = work / ids["primes/thread/w2/c+gil"]["summary"]["wall_s"]["median"]
for k in ids.values():
    for r in k["repetitions"]:
        assert r["check_failures"] == 0 and r["tasks_failed"] == 0, k["id"]
print(f"  threads+GIL {tg:.2f}x (at most {busy:.2f} CPUs busy), processes+GIL {pg:.2f}x, "
      f"C threads {t:.2f}x")
print(f"  threads+GIL: seq work / wall {tg_cpu:.2f}x")
good = min(tg, tg_cpu) <= 1.2 and busy <= 1.25
if t >= 1.7:
    # processes+GIL reach 1.7x too, or keep up with the GIL-free threads of
    # the same run (a GIL shared across processes would give about half)
    good = good and (pg >= 1.7 or pg >= 0.85 * t)
else:
    print(f"  NOTICE: busy machine (GIL-free C threads only {t:.2f}x): processes >= 1.7x not checked")
sys.exit(0 if good else 1)
PY
    echo "  attempt $attempt did not meet the bounds; again"
done
[ $passed = 1 ] && ok "primes: threads+GIL <= 1.2x; processes+GIL >= 1.7x (unless NOTICE above)" \
    || bad "primes speedups out of bounds in 3 attempts"

# --- loiter: sleeping releases the GIL -----------------------------------------------
# (three attempts: a noisy repetition can cost a sleep-based run a few percent)
lpass=0
for attempt in 1 2 3; do
    "$CFBENCH" run -w loiter -p loiter.tasks=10 -p loiter.unit=0.02 -m seq,thread -j 2 -r 5 \
        --warmup 0 --interleave --gil -o "$tmp/loiter.json" -q >/dev/null || { bad "loiter --gil run failed"; break; }
    if python3 - "$tmp/loiter.json" <<'PY'; then lpass=1; break; fi
import json, sys
d = json.load(open(sys.argv[1]))
ids = {k["id"]: k for k in d["cases"]}
g = ids["loiter/thread/w2/c+gil"]["summary"]["speedup"]
c = ids["loiter/thread/w2"]["summary"]["speedup"]
print(f"  loiter thread w2: C {c:.2f}x, C+GIL {g:.2f}x")
sys.exit(0 if g >= 1.5 and g >= 0.85 * c else 1)
PY
done
[ $lpass = 1 ] && ok "loiter keeps its thread speedup under the GIL" || bad "loiter under the GIL"

# --- flags (DELAY server): the transfer releases the GIL ------------------------------
# (three attempts, like the others: the ratio of two sleep-bound speedups can
# dip on a loaded machine; a GIL held across the transfer fails every one)
if "$CFBENCH" list 2>/dev/null | grep -q '^ *flags'; then
    fpass=0
    for attempt in 1 2 3; do
        "$CFBENCH" run -w flags -p flags.server=DELAY -p flags.delay=0.02:0.04 -p flags.dest=- \
            -m seq,thread -j 2 -r 3 --warmup 0 --gil -o "$tmp/flags.json" -q >/dev/null \
            || { bad "flags --gil run failed"; break; }
        if python3 - "$tmp/flags.json" <<'PY'; then fpass=1; break; fi
import json, sys
d = json.load(open(sys.argv[1]))
ids = {k["id"]: k for k in d["cases"]}
g = ids["flags/thread/w2/c+gil"]["summary"]["speedup"]
c = ids["flags/thread/w2"]["summary"]["speedup"]
print(f"  flags thread w2 (DELAY): C {c:.2f}x, C+GIL {g:.2f}x")
same = ids["flags/thread/w2/c+gil"]["repetitions"][0]["counts"] == ids["flags/thread/w2"]["repetitions"][0]["counts"]
if not same: print("  counts differ between C and C+GIL")
sys.exit(0 if same and g >= 1.4 and g >= 0.8 * c else 1)
PY
        echo "  attempt $attempt did not meet the bounds; again"
    done
    [ $fpass = 1 ] && ok "flags keep their thread speedup under the GIL" || bad "flags under the GIL"
fi
exit $fail
