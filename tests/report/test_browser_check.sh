#!/usr/bin/env bash
# test_browser_check.sh — the checker of test_report_browser.sh checked:
# tests/report/browser_check.py on three hand-made pages in headless
# Chromium. A good page (findings first, an image, a table that fits) must
# pass every check; a bad page (a throwing script, a broken image, a
# 2000 px wide element, the first finding pushed below the first screen)
# and a late page (the findings section below 800 px) must fail exactly the
# checks they break, each on its own FAIL line, and exit 1.
# Env from CTest: CFB_SOURCE_DIR, CFB_BUILD_DIR.
set -u
here="$CFB_SOURCE_DIR/tests/report"
. "$here/chromium_common.sh"
out="${CFB_BUILD_DIR:-/tmp}/test-output/browser-check"
rm -rf "$out"
mkdir -p "$out"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

python3 - "$out" <<'EOF'
import base64, struct, sys, zlib
def png(w, h):  # a valid RGB PNG, one colour
    def chunk(t, d):
        return struct.pack("!I", len(d)) + t + d + struct.pack("!I", zlib.crc32(t + d))
    raw = b"".join(b"\0" + b"\x40\x80\xc0" * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack("!IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
img = "data:image/png;base64," + base64.b64encode(png(300, 120)).decode()
head = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title>'
        '<style>body{margin:1em;font:15px sans-serif}img{max-width:100%%}</style></head><body>'
        '<h1>cfbench report</h1><p>one line</p>')
findings = ('<section id="findings"><h2>Findings</h2>%s<ul><li class="finding">flags, '
            'I/O-bound: threads 13x at 64 workers</li><li class="finding unsupported">'
            'primes: too few workers to say</li></ul></section>')
table = '<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>'
pages = {
    "good": (head % "good") + (findings % "") + '<img alt="chart" src="%s">' % img + table,
    "bad": (head % "bad") + (findings % '<div style="height:900px"></div>')
           + '<img alt="broken" src="data:image/png;base64,AAAA">'
           + '<div style="width:2000px;height:10px;background:red"></div>'
           + '<script>console.error("boom"); throw new Error("thrown by the page")</script>',
    "late": (head % "late") + '<div style="height:900px"></div>' + (findings % "")
            + '<img alt="chart" src="%s">' % img,
}
for name, body in pages.items():
    with open("%s/%s.html" % (sys.argv[1], name), "w") as fh:
        fh.write(body + "</body></html>\n")
EOF

# run NAME WANT-EXIT: browser_check.py on OUT/NAME.html, output in OUT/NAME.out
run() {
    timeout -k 5 60 python3 "$here/browser_check.py" "$out/$1.html" "$out/$1" --timeout 45 \
        >"$out/$1.out" 2>&1
    local rc=$?
    if [ "$rc" -eq "$2" ]; then ok "$1.html: exit $rc"; else
        bad "$1.html: exit $rc, wanted $2"; sed 's/^/       /' "$out/$1.out"; fi
}
# expect NAME ok|FAIL TEXT: the line for the check that starts with TEXT
expect() {
    if grep -q "^$(printf '%-4s' "$2") $3" "$out/$1.out"; then ok "$1.html: $2 $3"; else
        bad "$1.html: wanted '$2 $3…'"; sed 's/^/       /' "$out/$1.out"; fi
}

run good 0
[ "$(grep -c '^FAIL' "$out/good.out")" -eq 0 ] || bad "good.html: no FAIL line"
for c in "page renders" "no JS exception" "no <script>" "every <img> loaded (1 of 1)" \
    "page is not wider" "no element past" "screenshot" "#findings starts" "first li.finding"; do
    expect good ok "$c"
done

run bad 1
for c in "no JS exception" "no <script>" "every <img> loaded (0 of 1)" "page is not wider" \
    "no element past" "first li.finding"; do
    expect bad FAIL "$c"
done
expect bad ok "page renders"
expect bad ok "#findings starts"
grep -q 'thrown by the page' "$out/bad.out" || bad "bad.html: the exception's text is shown"
grep -q 'console.error: boom' "$out/bad.out" || bad "bad.html: the console error is shown"
grep -q '^       div .*[0-9]\.\.2015 px' "$out/bad.out" || bad "bad.html: the wide div is named"

run late 1
expect late FAIL "#findings starts"
expect late FAIL "first li.finding"
expect late ok "every <img> loaded (1 of 1)"
[ "$(grep -c '^FAIL' "$out/late.out")" -eq 2 ] || bad "late.html: exactly two FAIL lines"

[ -s "$out/good/screenshot.png" ] || bad "good.html: screenshot written"
exit $fail
