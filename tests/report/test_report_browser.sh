#!/usr/bin/env bash
# test_report_browser.sh — report.html as a reader sees it, in headless
# Chromium (Debian's `chromium`) at 1280x800: `cfbench plot` on a fixture
# made to stress the layout (tests/report/stress_fixture.py: long host, CPU
# model, commit and path, a failed case with a long error, two sources so
# the comparison is drawn too), then tests/report/browser_check.py loads the
# page and checks: it renders (title, no JS/console/log error, no script),
# every <img> loaded, nothing is cut off horizontally at 1280 px (page
# scrollWidth, every element's box, tables too), and the findings
# (<section id="findings">) start on the first screen with their first
# <li class="finding"> visible. One line per check, "ok" or "FAIL".
# Output kept for a look: $CFB_BUILD_DIR/test-output/report-browser/
# (report/report.html, screenshot.png of the first screen, chromium.log).
# Env from CTest: CFBENCH, CFB_SOURCE_DIR, CFB_BUILD_DIR.
set -u
here="$CFB_SOURCE_DIR/tests/report"
. "$here/chromium_common.sh"
out="${CFB_BUILD_DIR:-/tmp}/test-output/report-browser"
rm -rf "$out"
# a long directory name: the report prints the results path in the sources
# table and in the "incomplete" note
long="$out/results-of-the-nightly-benchmark-sweep-on-the-shared-ci-runner/2026-11-22T21-00-00Z"
mkdir -p "$long"
res="$long/results-2026-11-22T21-00-00Z-ci-runner-debian-bookworm-amd64-0123456789abcdef.json"
python3 "$here/stress_fixture.py" "$CFB_SOURCE_DIR/tests/plots/fixture-results.json" "$res" ||
    { echo "FAIL stress_fixture.py"; exit 1; }
export CFB_PLOTS_DIR="$CFB_SOURCE_DIR/plots"
if ! timeout -k 5 60 "$CFBENCH" plot "$res" "$CFB_SOURCE_DIR/tests/plots/fixture-python.json" \
    --out "$out/report" >"$out/plot.out" 2>&1; then
    echo "FAIL cfbench plot:"; cat "$out/plot.out"; exit 1
fi
echo "ok   $(head -n 1 "$out/plot.out")"
timeout -k 5 60 python3 "$here/browser_check.py" "$out/report/report.html" "$out" --timeout 45
rc=$?
case $rc in
0) echo "PASS (screenshot: $out/screenshot.png)" ;;
1) echo "FAIL see above (page: $out/report/report.html, screenshot: $out/screenshot.png)" ;;
*)
    echo "FAIL browser_check.py exit $rc; chromium.log:"
    tail -n 20 "$out/chromium.log" 2>/dev/null
    ;;
esac
[ "$rc" -eq 0 ]
