#!/usr/bin/env bash
# test_reference_cli: `cfbench run --reference python` end to end (issue 8).
#   - python cases (impl python, ids .../python) are merged into the same
#     results JSON, with the same tasks; their answers equal the C ones
#     (prime/composite counts, loiter ok counts; flags ok/not_found counts
#     when the flags workload is built in), check_failures 0; the python seq
#     case is their speedup base (1.0);
#   - no python3: one line on stderr, exit 0, the C cases alone;
#   - a bad --reference value: exit 2.
# Needs python3 (CI and this machine have it); without it the test says SKIP,
# unless CFB_REQUIRE_PYTHON=1.
set -u
: "${CFBENCH:?}"
if ! command -v python3 >/dev/null; then
    echo "SKIP: no python3"
    [ "${CFB_REQUIRE_PYTHON:-0}" = 1 ] && exit 1
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

"$CFBENCH" run -w noop --reference ruby -o "$tmp/x.json" -q 2>/dev/null
[ $? -eq 2 ] && ok "--reference ruby: exit 2" || bad "--reference ruby accepted"

# --- no python3: a notice and the C cases alone ---------------------------------------
CFB_PYTHON=/nonexistent/python3 "$CFBENCH" run -w noop -p noop.tasks=100 -m seq -r 1 --warmup 0 \
    --reference python -o "$tmp/nopy.json" -q >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "python" "$tmp/err" \
    && ok "no python3: one-line notice, exit 0" || bad "no python3: rc=$rc, stderr: $(cat "$tmp/err")"
python3 - "$tmp/nopy.json" <<'PY' && ok "no python3: C cases only" || bad "no python3: cases"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] and d["cases"] and all(c["impl"] == "c" for c in d["cases"])
PY

# --- primes and loiter (and flags when built in) ---------------------------------------
wl=primes,loiter
extra=()
if "$CFBENCH" list 2>/dev/null | grep -q '^ *flags'; then
    wl=$wl,flags
    extra=(-p flags.dest="$tmp/dl")
fi
"$CFBENCH" run -w "$wl" -p primes.set=small -p loiter.tasks=6 -p loiter.unit=0.01 "${extra[@]}" \
    -m seq,thread,process -j 2 -r 2 --warmup 0 --reference python -o "$tmp/ref.json" -q \
    >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok "run --reference python: exit 0" || { bad "run failed ($rc)"; cat "$tmp/err"; }
python3 - "$tmp/ref.json" <<'PY' && ok "python answers equal the C answers" || bad "python vs C"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["config"].get("reference") == "python"
ids = {k["id"]: k for k in d["cases"]}
wls = sorted({k["workload"] for k in d["cases"]})
print("  workloads:", ", ".join(wls))
for w in wls:
    for mode, nw in [("seq", 1), ("thread", 2), ("process", 2)]:
        c, p = ids[f"{w}/{mode}/w{nw}"], ids[f"{w}/{mode}/w{nw}/python"]
        assert p["impl"] == "python" and p["tasks"] == c["tasks"], (w, mode)
        strip = lambda d: {k: v for k, v in d.items() if k != "base"}
        assert strip(p["params"]) == strip(c["params"]), (p["params"], c["params"])
        if w == "flags":  # C cases record base as configured ("": the embedded server);
            # the python runner's cases the URL of the server it was handed
            bases = {k["params"]["base"] for k in d["cases"] if k["workload"] == w and k["impl"] == "c"}
            assert bases == {""}, bases
            assert p["params"]["base"].startswith("http://127.0.0.1:"), p["params"]["base"]
        want = {k: v for k, v in c["repetitions"][0]["counts"].items()}
        for r in p["repetitions"]:
            got = dict(r["counts"])
            assert got == want, (w, mode, got, want)
            assert r["check_failures"] == 0 and "values" not in r, (w, mode)
        if mode == "seq":
            assert abs(p["summary"]["speedup"] - 1.0) < 1e-9
        print(f"  {w}/{mode}: C {want} == python {got}")
assert ids["primes/seq/w1/python"]["repetitions"][0]["counts"]["prime"] == 9
PY
if [ -d "$tmp/dl" ]; then
    [ "$(ls "$tmp/dl" | wc -l)" = "$(ls "$tmp/dl-python" 2>/dev/null | wc -l)" ] \
        && ok "python saved the same flag files ($tmp/dl-python)" || bad "python flag files"
    cmp -s "$tmp/dl/BR.gif" "$tmp/dl-python/BR.gif" && ok "BR.gif identical" || bad "BR.gif differs"
fi
exit $fail
