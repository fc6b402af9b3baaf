#!/usr/bin/env bash
# run's host floors (issue 15, item 6; runners/floors.h): the first run
# measures them (a note says so), the second takes them from the per-boot
# cache (a note says "cached"; host.floors.cached true); a corrupt cache or
# one of another boot id is measured again; --no-floors and --floors off
# leave host.floors out; a bad --floors value is one usage line, exit 2;
# -q prints no note. The report shows a Host floors section (after the
# findings) only for a file with floors, and files without floors (older
# ones) still load in plot, compare and export.
set -u
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
export CFB_FLOORS_CACHE="$tmp/cache/floors.json" CFB_TEST_BOOT_ID=boot-1
run() { timeout 60 "$CFBENCH" run -w noop -m thread,process -j 1 -r 2 --warmup 0 -p noop.tasks=200 "$@"; }
jq_py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

run -o "$tmp/a.json" >"$tmp/out" 2>"$tmp/err" || bad "first run: exit $? $(head -c 400 "$tmp/err")"
grep -q '^cfbench run: note: host floors measured in [0-9.]* s: futex wake-up .*, pipe round trip .*, fork+exit+wait .*, HTTP request ' "$tmp/err" ||
    bad "first run: no 'measured' note: $(grep floors "$tmp/err")"
[ -s "$CFB_FLOORS_CACHE" ] || bad "first run: no cache file"
[ "$(jq_py "$tmp/a.json" 'd["host"]["floors"]["cached"]')" = False ] || bad "first run: cached is not false"
[ "$(jq_py "$tmp/a.json" 'all(d["host"]["floors"][k]["median_s"] > 0 and d["host"]["floors"][k]["unit"] == "s" and d["host"]["floors"][k]["iterations"] >= 1 for k in ("futex_wake","pipe_rt","fork_exit_wait","http_loopback"))')" = True ] ||
    bad "first run: a floor without a positive median, unit or iterations"

run -o "$tmp/b.json" >"$tmp/out" 2>"$tmp/err" || bad "second run: exit $?"
grep -q '^cfbench run: note: host floors (cached, measured ' "$tmp/err" || bad "second run: no 'cached' note: $(grep floors "$tmp/err")"
[ "$(jq_py "$tmp/b.json" 'd["host"]["floors"]["cached"]')" = True ] || bad "second run: cached is not true"
[ "$(jq_py "$tmp/a.json" 'd["host"]["floors"]["pipe_rt"]["median_s"]')" = "$(jq_py "$tmp/b.json" 'd["host"]["floors"]["pipe_rt"]["median_s"]')" ] ||
    bad "second run: not the cached figures"

# corrupt cache: ignored, measured, rewritten
echo '{"schema": "cfbench-floors", "version": 1, "boot_id"' >"$CFB_FLOORS_CACHE"
run -o "$tmp/c.json" >"$tmp/out" 2>"$tmp/err" || bad "corrupt cache: exit $?"
grep -q 'host floors measured.*cache .* ignored' "$tmp/err" || bad "corrupt cache: $(grep floors "$tmp/err")"
python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$CFB_FLOORS_CACHE" || bad "corrupt cache: not rewritten"
# another boot: measured again
CFB_TEST_BOOT_ID=boot-2 run -o "$tmp/d.json" >"$tmp/out" 2>"$tmp/err" || bad "other boot: exit $?"
grep -q 'host floors measured.*another boot' "$tmp/err" || bad "other boot: $(grep floors "$tmp/err")"
# --floors fresh: measured although the cache is valid
CFB_TEST_BOOT_ID=boot-2 run --floors fresh -o "$tmp/e.json" >"$tmp/out" 2>"$tmp/err" || bad "fresh: exit $?"
grep -q 'host floors measured' "$tmp/err" || bad "fresh: $(grep floors "$tmp/err")"
# -q: no note, floors still recorded
run -q -o "$tmp/q.json" >"$tmp/out" 2>"$tmp/err" || bad "-q: exit $?"
[ ! -s "$tmp/err" ] || bad "-q: stderr not empty: $(head -c 300 "$tmp/err")"
[ "$(jq_py "$tmp/q.json" '"floors" in d["host"]')" = True ] || bad "-q: no host.floors"

# --no-floors / --floors off: no field, no note
for opt in --no-floors "--floors off"; do
    # shellcheck disable=SC2086
    run $opt -o "$tmp/n.json" >"$tmp/out" 2>"$tmp/err" || bad "$opt: exit $?"
    [ "$(jq_py "$tmp/n.json" '"floors" in d["host"] or "floors" in d')" = False ] || bad "$opt: floors recorded"
    ! grep -q 'host floors' "$tmp/err" || bad "$opt: a floors note"
done
"$CFBENCH" run --floors sometimes -w noop >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "^cfbench run: --floors: 'sometimes' is not auto, fresh or off" "$tmp/err" ||
    bad "--floors sometimes: exit $rc, $(cat "$tmp/err")"

# the report: a floors section after the findings with the overheads; none without floors
"$CFBENCH" plot -o "$tmp/p1" --timelines none "$tmp/a.json" >"$tmp/out" 2>"$tmp/err" || bad "plot with floors: exit $? $(tail -2 "$tmp/err")"
python3 - "$tmp/p1/report.html" <<'PY' || bad "report with floors: $(cat "$tmp/py" 2>/dev/null)"
import sys
s = open(sys.argv[1]).read()
f, fl = s.find('<section id="findings">'), s.find('<section id="floors">')
assert f >= 0 and fl > f, (f, fl)
for want in ("Host floors", "pipe round trip", "futex wake-up round trip", "fork+exit+wait",
             "HTTP request (loopback)", "A process-pool task (noop, 1 worker", "this host&#39;s pipe round trip",
             "A thread-pool task (noop, 1 worker"):
    assert want in s or want.replace("&#39;", "'") in s, want
PY
"$CFBENCH" plot -o "$tmp/p2" --timelines none "$tmp/n.json" >"$tmp/out" 2>"$tmp/err" || bad "plot without floors: exit $?"
! grep -q 'id="floors"\|Host floors' "$tmp/p2/report.html" || bad "report without floors shows a floors section"

# older files (no floors) and new ones together: plot, compare, export
old="$CFB_SOURCE_DIR/tests/plots/fixture-results.json"
"$CFBENCH" plot -o "$tmp/p3" --timelines none "$old" "$tmp/a.json" >"$tmp/out" 2>"$tmp/err" || bad "plot old+new: exit $? $(tail -2 "$tmp/err")"
[ "$(grep -c '<tr class=floor>' "$tmp/p3/report.html")" = 1 ] || bad "plot old+new: want one floors row"
"$CFBENCH" plot -o "$tmp/p4" --timelines none "$old" >"$tmp/out" 2>"$tmp/err" || bad "plot old: exit $?"
! grep -q 'Host floors' "$tmp/p4/report.html" || bad "plot old: a floors section"
"$CFBENCH" compare "$tmp/n.json" "$tmp/a.json" --fail-on never >"$tmp/out" 2>"$tmp/err" || bad "compare no-floors vs floors: exit $? $(tail -2 "$tmp/err")"
"$CFBENCH" compare "$tmp/a.json" "$tmp/b.json" --fail-on never >"$tmp/out" 2>"$tmp/err" || bad "compare floors vs floors: exit $?"
for f in "$old" "$tmp/a.json"; do
    for fmt in csv markdown gbench; do
        "$CFBENCH" export -f "$fmt" -o "$tmp/x.$fmt" "$f" >"$tmp/out" 2>"$tmp/err" || bad "export $fmt $f: exit $? $(tail -2 "$tmp/err")"
    done
done

[ "$fails" = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
