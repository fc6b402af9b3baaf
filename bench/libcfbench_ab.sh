#!/usr/bin/env bash
# libcfbench_ab.sh — issue 12 items 4-5: what running on libcfbench.so and
# loading workloads from a plugin cost, measured with `cfbench ab` (paired
# rounds in a random order, the verdict on the paired ratios NEW/BASE).
#
# One command: bench/libcfbench_ab.sh [BUILD_DIR]   (default: build)
# Env: ROUNDS (paired rounds, default 10), REPS (repetitions per side per
#      round, default 3).
#
# 1. The CLI on the shared library: BASE = the same objects linked
#    statically (the in-tree static libraries, as cfbench was linked before
#    libcfbench; made here from BUILD_DIR's objects, into a temporary
#    directory), NEW = BUILD_DIR/cfbench (on libcfbench.so). Cases: noop
#    (the executor's own cost per task: every call into the engine and
#    cfutures is now a call into the shared library) and primes small, in
#    thread and process at 2 workers.
# 2. A plugin workload against the same built-in, in one `cfbench run
#    --interleave`: noop against `noopp`, the same empty task from a plugin
#    this script compiles (an indirect call either way): medians and the
#    ratio plugin / built-in per mode.
# Prints each ab verdict table (ratio NEW/BASE, its CI, p); no timing is
# asserted.
set -u
B=${1:-build}
ROUNDS=${ROUNDS:-10}
REPS=${REPS:-3}
C="$B/cfbench"
[ -x "$C" ] || { echo "libcfbench_ab.sh: no $C (build first)" >&2; exit 2; }
T=$(mktemp -d /tmp/cfb-libab-XXXXXX)
trap 'rm -rf "$T"' EXIT
link=$(cat "$B/CMakeFiles/cfbench_docgen.dir/link.txt" 2>/dev/null) ||
  { echo "libcfbench_ab.sh: $B has no cfbench_docgen link line" >&2; exit 2; }
# the docgen's link line, with cfbench's own main object instead of docgen's
link=${link/CMakeFiles\/cfbench_docgen.dir\/cli\/docgen\/cfbench_docgen.c.o/CMakeFiles/cfbench.dir/cli/cfbench_main.c.o}
link=${link/-o cfbench_docgen/-o $T/cfbench-static}
(cd "$B" && eval "$link") || { echo "libcfbench_ab.sh: linking the static cfbench failed" >&2; exit 3; }
ldd "$T/cfbench-static" | grep -q libcfbench && { echo "static cfbench links libcfbench?" >&2; exit 3; }
echo "== $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
echo "== 1. static cfbench (BASE) vs cfbench on libcfbench.so (NEW)"
"$C" ab --base-bin "$T/cfbench-static" --new-bin "$C" -w noop,primes -m thread,process -j 2 \
  -p noop.tasks=20000 -p primes.set=small --rounds "$ROUNDS" -r "$REPS" --fail-on never
cat >"$T/noopp.c" <<'C'
#include <cfbench_workload.h>
static const cfb_param_def ps[] = {{"tasks", CFB_P_INT, "10000", "number of empty tasks", 1, 1e8, NULL}};
static int mk(const cfb_params *p, cfb_tasklist *tl, char *e, size_t n) {
    (void)e, (void)n;
    for (long long i = 0; i < cfb_params_int(p, "tasks"); i++) {
        int rc = cfb_tasklist_add(tl, NULL, 0, NULL);
        if (rc) return rc;
    }
    return 0;
}
static void task(const void *a, size_t l, cf_out *o) { (void)a, (void)l, (void)o; }
static const cfb_workload w = {.name = "noopp", .description = "empty tasks (plugin)",
                               .params = ps, .nparams = 1, .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
# (a plugin cannot take a built-in's name: its empty-task workload is "noopp")
SRC=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$B/CMakeCache.txt")
cc -std=c11 -O2 -fPIC -shared -I"$SRC/workloads/include" -I"$SRC/core/include" "$T/noopp.c" \
  -o "$T/libnoopp.so" -L"$B" -lcfbench || exit 3
echo "== 2. built-in noop vs the same empty task from a plugin (one run, interleaved)"
"$C" run --plugin "$T/libnoopp.so" -w noop,noopp -m seq,thread,process -j 2 -p noop.tasks=20000 \
  -p noopp.tasks=20000 -r $((REPS * ROUNDS)) --interleave --no-floors -q -o "$T/pl.json" >/dev/null || exit 1
python3 - "$T/pl.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
med = {(c["workload"], c["mode"]): c["summary"]["wall_s"]["median"] for c in d["cases"]}
print(f"{'mode':8} {'noop (built-in) s':>18} {'noopp (plugin) s':>17} {'plugin/built-in':>16}")
for m in ("seq", "thread", "process"):
    a, b = med[("noop", m)], med[("noopp", m)]
    print(f"{m:8} {a:18.6f} {b:17.6f} {b / a:16.3f}")
PY
