#!/usr/bin/env bash
# issue 16: report.html opens with the findings (after the title and a
# one-line subtitle): <section id="findings"> with <h2>Findings</h2> and
# <li class="finding"> sentences (<li class="finding unsupported"> where the
# data do not carry one), then <section id="key-charts">: at most four — the
# crossover charts, primes c against c+gil, the speedup of an I/O-bound
# workload, of a CPU-bound one; then the details. The results document is made here (deterministic).
set -u
: "${CFBENCH:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 0; }

python3 - "$tmp/r.json" <<'PY'
import json, sys
cases = []
def case(wl, bound, impl, mode, w, speedup, spread=0.01, seq=0.2):
    med = seq / speedup
    cid = f"{wl}/{mode}/w{w}" + ("" if impl == "c" else "/" + impl)
    st = {"n": 6, "median": med, "mean": med, "stddev": 0, "mad": 0, "min": med * (1 - spread),
          "max": med * (1 + spread), "ci95": [med * (1 - spread), med * (1 + spread)]}
    cases.append({"id": cid, "workload": wl, "mode": mode, "workers": w, "impl": impl,
                  "bound": bound, "params": {}, "tasks": 20,
                  "repetitions": [{"index": i, "wall_s": med} for i in range(6)],
                  "summary": {"wall_s": st, "speedup": speedup, "efficiency": speedup / w}})
for impl in ("c", "c+gil"):
    case("flags", "io", impl, "seq", 1, 1.0)
    for w, s in zip([1, 2, 4, 8, 16, 32, 64], [1, 1.9, 3.8, 7.2, 11, 12.5, 13.1]):
        case("flags", "io", impl, "thread", w, s)
        case("flags", "io", impl, "process", w, s / 3)
    gil = impl == "c+gil"
    case("primes", "cpu", impl, "seq", 1, 1.0)
    for w, s in zip([1, 2, 4], [1.0, 1.95, 1.93]):
        case("primes", "cpu", impl, "thread", w, 1.0 if gil else s)
        case("primes", "cpu", impl, "process", w, s)
    case("loiter", "io", impl, "seq", 1, 1.0)
    for w, s in zip([1, 2], [1.0, 1.98]):
        case("loiter", "io", impl, "thread", w, s)
doc = {"schema": "cfbench-results", "schema_version": 1, "complete": True, "interrupted": False,
       "tool": {"name": "cfbench", "version": "0.1.0", "commit": "fixture"},
       "created": "2026-12-06T21:00:00Z", "finished": "2026-12-06T21:02:00Z",
       "host": {"hostname": "fixture", "cpus": 2, "cpus_allowed": 2, "cpu_model": "test CPU"},
       "config": {"argv": ["cfbench", "run", "--gil"], "workers_auto": True}, "cases": cases}
json.dump(doc, open(sys.argv[1], "w"))
PY

"$CFBENCH" plot "$tmp/r.json" --out "$tmp/p" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || { fail "plot exit $rc"; cat "$tmp/stderr"; }
html="$tmp/p/report.html"
[ -f "$html" ] || { fail "no report.html"; cat "$tmp/stderr"; exit 1; }
python3 - "$html" "$rc" <<'PY' || fails=$((fails+1))
import re, sys
html = open(sys.argv[1], encoding="utf-8").read()
drawn = sys.argv[2] == "0"
errs = []
body = html.split("<body>", 1)[1]
# the first elements: h1, at most one <p>, then the findings section
tags = re.findall(r"<(h1|h2|h3|p|section|ul|li|table|figure|div)\b([^>]*)>", body)
names = [t[0] for t in tags]
if names[:1] != ["h1"]: errs.append(f"starts with {names[:3]}")
i = 1 + (names[1] == "p")
if tags[i] != ("section", ' id="findings"'): errs.append(f"element {i} is {tags[i]}, not the findings section")
if names[i + 1:i + 3] != ["h2", "ul"]: errs.append(f"findings section holds {names[i + 1:i + 3]}")
sec = body[body.index('<section id="findings">'):]
sec = sec[:sec.index("</section>")]
if "<h2>Findings</h2>" not in sec: errs.append("no <h2>Findings</h2>")
ok = re.findall(r'<li class="finding">([^<]*)</li>', sec)
un = re.findall(r'<li class="finding unsupported">([^<]*)</li>', sec)
def has(lst, s):
    if not any(s in x for x in lst): errs.append(f"no finding with {s!r} in {lst}")
has(ok, "flags, I/O-bound: threads 13.1x at 64 workers")
has(ok, "primes, CPU-bound: best 1.95x (threads) at 2 workers = the CPUs")
has(ok, "primes under the GIL (c+gil): threads give 1.00x")
has(un, "loiter, I/O-bound: not supported by the data: too few worker counts")
# the key charts come right after, before the details
k = body.find('<section id="key-charts">')
if drawn:
    if k < 0 or k < body.index("</section>") or k > body.find("<h2>Sources</h2>"):
        errs.append("the key charts do not follow the findings")
    else:
        keys = body[k:body.index("</section>", k)]
        got = re.findall(r'<a href="([^"]+)\.(?:png|svg)"', keys)
        want = ["crossover-c", "crossover-c+gil", "compare-primes", "speedup-flags-c"]
        if got != want: errs.append(f"key charts {got}, want {want}")
for e in errs: print(e)
sys.exit(1 if errs else 0)
PY
[ "$fails" = 0 ] && echo "ok" || { echo "$fails failure(s)"; exit 1; }
