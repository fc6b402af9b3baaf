#!/usr/bin/env bash
# test_plugin.sh — plugin workloads (issue 12 items 4-5; runners/plugin.c,
# docs/writing-workloads.md):
#   bad input, each a tiny plugin made here: a missing file, a directory, not
#   an ELF, a shared object without the entry point, another ABI, no init,
#   an init that fails, one that registers nothing, a workload without a
#   task, a bad param default, a name taken by a built-in and by another
#   plugin, a bad path in $CFBENCH_PLUGINS — each `run` and `list`: exit 2,
#   one line naming the plugin, no results file;
#   `list --plugin`: the example plugin's workload with "(plugin PATH)"; a
#   plugin registering two workloads; the same file twice loads once;
#   the example plugin (examples/plugin-hash) swept in seq, thread,
#   process, async and hybrid: every task right (check_failures 0 — each
#   answer recomputed in the parent), config.plugins recorded, compared
#   with a second run; --reference python -w hash: exit 2 (no codec).
# Env from CTest: CFBENCH, CFB_PLUGIN_HASH, CFB_SOURCE_DIR.
set -u
: "${CFBENCH:?}" "${CFB_PLUGIN_HASH:?}" "${CFB_SOURCE_DIR:?}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails+1)); }
ok() { echo "ok   $*"; }
CC=${CC:-cc}
INC="-I$CFB_SOURCE_DIR/workloads/include -I$CFB_SOURCE_DIR/core/include"
unset CFBENCH_PLUGINS

# plugin NAME C-SOURCE: build $tmp/NAME.so from the source on stdin
plugin() {
    # shellcheck disable=SC2086
    "$CC" -std=c11 -Wall -Werror -Wno-unused-function -shared -fPIC $INC -x c - -o "$tmp/$1.so" 2>"$tmp/cc.err" ||
        { fail "building plugin $1: $(cat "$tmp/cc.err")"; }
}
COMMON='#include <cfbench_workload.h>
static int mk(const cfb_params *p, cfb_tasklist *tl, char *e, size_t n) { return cfb_tasklist_add(tl, NULL, 0, NULL); }
static void task(const void *a, size_t l, cf_out *o) { (void)a; (void)l; (void)o; }
'
plugin abi2 <<C
$COMMON
const int cfb_plugin_abi = CFB_WORKLOAD_ABI_VERSION + 1;
int cfb_plugin_init(const cfb_plugin_host *h) { h->fail(h, "must not be called"); return -1; }
C
plugin noentry <<C
int some_function(void) { return 1; }
C
plugin noinit <<C
const int cfb_plugin_abi = 1;
C
plugin initfails <<C
$COMMON
static int init(const cfb_plugin_host *h) { h->fail(h, "no licence\\nfor this"); return CF_EINVAL; }
CFB_PLUGIN(init)
C
plugin empty <<C
$COMMON
static int init(const cfb_plugin_host *h) { (void)h; return 0; }
CFB_PLUGIN(init)
C
plugin notask <<C
$COMMON
static const cfb_workload w = {.name = "notask", .make_tasks = mk};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
plugin noname <<C
$COMMON
static const cfb_workload w = {.name = "Bad Name", .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
plugin baddefault <<C
$COMMON
static const cfb_param_def ps[] = {{"n", CFB_P_INT, "ten", "a count", 1, 100, NULL}};
static const cfb_workload w = {.name = "baddef", .params = ps, .nparams = 1, .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
plugin dupbuiltin <<C
$COMMON
static const cfb_workload w = {.name = "primes", .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
plugin duphash <<C
$COMMON
static const cfb_workload w = {.name = "hash", .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { return h->register_workload(h, &w); }
CFB_PLUGIN(init)
C
plugin two <<C
$COMMON
static const cfb_workload a = {.name = "twin-a", .description = "first", .make_tasks = mk, .task = task};
static const cfb_workload b = {.name = "twin-b", .description = "second", .make_tasks = mk, .task = task};
static int init(const cfb_plugin_host *h) { int rc = h->register_workload(h, &a); return rc ? rc : h->register_workload(h, &b); }
CFB_PLUGIN(init)
C
printf 'this is not a shared object\n' >"$tmp/text.so"
mkdir -p "$tmp/dir.so"

# expect_bad WHAT PATTERN CFBENCH-ARGS…: exit 2, one line matching, no file
expect_bad() {
    local what=$1 pat=$2; shift 2
    for cmd in run list; do
        rm -f "$tmp/r.json"
        if [ $cmd = run ]; then
            "$CFBENCH" run -q --no-floors -w noop -m seq -r 1 --warmup 0 -p noop.tasks=2 \
                -o "$tmp/r.json" "$@" >"$tmp/out" 2>"$tmp/err"
        else
            "$CFBENCH" list "$@" >"$tmp/out" 2>"$tmp/err"
        fi
        local rc=$?
        if [ $rc = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -Eq -- "$pat" "$tmp/err" &&
           [ ! -e "$tmp/r.json" ]; then
            :
        else
            fail "$what ($cmd): exit $rc, stderr: $(cat "$tmp/err"), results file: $([ -e "$tmp/r.json" ] && echo yes || echo no)"
            return
        fi
    done
    ok "$what: exit 2, one line: $(cat "$tmp/err")"
}
expect_bad "missing file" "^cfbench (run|list): --plugin $tmp/nope.so: No such file or directory$" --plugin "$tmp/nope.so"
expect_bad "a directory" "--plugin $tmp/dir.so: not a regular file$" --plugin "$tmp/dir.so"
expect_bad "not an ELF" "--plugin $tmp/text.so: cannot load: .*(invalid ELF header|file too short)" --plugin "$tmp/text.so"
expect_bad "no entry point" "--plugin $tmp/noentry.so: not a cfbench plugin \(no cfb_plugin_abi symbol" --plugin "$tmp/noentry.so"
expect_bad "another ABI" "--plugin $tmp/abi2.so: plugin ABI 2, this cfbench has 1$" --plugin "$tmp/abi2.so"
expect_bad "no init" "--plugin $tmp/noinit.so: not a cfbench plugin \(no cfb_plugin_init function\)$" --plugin "$tmp/noinit.so"
expect_bad "init fails" "--plugin $tmp/initfails.so: no licence for this$" --plugin "$tmp/initfails.so"
expect_bad "registers nothing" "--plugin $tmp/empty.so: registers no workload$" --plugin "$tmp/empty.so"
expect_bad "no task" "--plugin $tmp/notask.so: workload 'notask': no task$" --plugin "$tmp/notask.so"
expect_bad "bad name" "--plugin $tmp/noname.so: a workload without a valid name" --plugin "$tmp/noname.so"
expect_bad "bad default" "--plugin $tmp/baddefault.so: workload 'baddef': bad param default: n: 'ten' is not an integer" --plugin "$tmp/baddefault.so"
expect_bad "name of a built-in" "--plugin $tmp/dupbuiltin.so: workload 'primes' is already registered \(built in\)$" --plugin "$tmp/dupbuiltin.so"
expect_bad "name of another plugin" "--plugin $tmp/duphash.so: workload 'hash' is already registered by $CFB_PLUGIN_HASH$" \
    --plugin "$CFB_PLUGIN_HASH" --plugin "$tmp/duphash.so"
expect_bad "an empty path" "--plugin '': an empty path$" --plugin ""
CFBENCH_PLUGINS="$tmp/abi2.so" expect_bad "CFBENCH_PLUGINS" "--plugin $tmp/abi2.so: plugin ABI 2" 
# a relative path without '/' is a file in the current directory, not a library search
(cd "$tmp" && CFBENCH_PLUGINS= "$CFBENCH" list --plugin two.so >"$tmp/out" 2>"$tmp/err") &&
    grep -q "twin-a .*(plugin two.so)" "$tmp/out" && ok "list --plugin two.so (current directory)" ||
    fail "list --plugin two.so: $(cat "$tmp/err")"
(cd "$tmp" && "$CFBENCH" list --plugin libc.so.6 >/dev/null 2>"$tmp/err"); rc=$?
[ $rc = 2 ] && grep -q "libc.so.6: No such file" "$tmp/err" && ok "a bare library name is not searched for" ||
    fail "list --plugin libc.so.6: exit $rc $(cat "$tmp/err")"

# ---- list ------------------------------------------------------------------------
"$CFBENCH" list --plugin "$CFB_PLUGIN_HASH" --plugin "$tmp/two.so" >"$tmp/list" 2>"$tmp/err" ||
    fail "list --plugin: $(cat "$tmp/err")"
grep -q "^  hash .*(plugin $CFB_PLUGIN_HASH)$" "$tmp/list" && grep -q "hash.size=1048576" "$tmp/list" &&
    grep -q "^  twin-a .*first (plugin $tmp/two.so)$" "$tmp/list" && grep -q "^  twin-b .*second (plugin" "$tmp/list" &&
    ok "list --plugin: hash and a plugin's two workloads, each with (plugin PATH)" || fail "list: $(cat "$tmp/list")"
"$CFBENCH" list | grep -q "^  hash " && fail "hash listed without --plugin"
"$CFBENCH" list --plugin "$CFB_PLUGIN_HASH" --plugin "$CFB_PLUGIN_HASH" >/dev/null 2>"$tmp/err" &&
    ok "the same plugin twice: loaded once" || fail "the same plugin twice: $(cat "$tmp/err")"
CFBENCH_PLUGINS="$tmp/nothing-here.so::" "$CFBENCH" list --plugin "$CFB_PLUGIN_HASH" >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q "nothing-here.so: No such file" "$tmp/err" || fail "CFBENCH_PLUGINS with a missing file"
CFBENCH_PLUGINS=":$CFB_PLUGIN_HASH:" "$CFBENCH" list | grep -q "^  hash " && ok "CFBENCH_PLUGINS=:PATH: (empty items skipped)" ||
    fail "CFBENCH_PLUGINS=:PATH:"

# ---- the example plugin in every mode ------------------------------------------------
modes=seq,thread,process,async,hybrid
for k in 1 2; do
    "$CFBENCH" run -q --no-floors --plugin "$CFB_PLUGIN_HASH" -w hash -m $modes -j 2 -r 2 --warmup 0 \
        -p hash.tasks=8 -p hash.size=65536 -o "$tmp/h$k.json" >/dev/null 2>"$tmp/err" || fail "hash run $k: exit $? $(cat "$tmp/err")"
done
python3 - "$tmp/h1.json" "$CFB_PLUGIN_HASH" <<'PY' && ok "hash in $modes: every task right, config.plugins recorded" || fail "hash results"
import json, os, sys
d = json.load(open(sys.argv[1]))
plugin = os.path.realpath(sys.argv[2])
pl = d["config"].get("plugins")
assert pl and pl[0]["path"] == plugin and pl[0]["workloads"] == ["hash"], pl
assert pl[0]["size"] == os.stat(plugin).st_size and len(pl[0]["fnv1a64"]) == 16, pl
modes = sorted(c["mode"] for c in d["cases"])
assert modes == sorted(["seq", "thread", "process", "async", "hybrid"]), modes
for c in d["cases"]:
    assert c["workload"] == "hash" and c["tasks"] == 8, c["id"]
    for r in c["repetitions"]:
        assert r["tasks_failed"] == 0 and r["check_failures"] == 0, (c["id"], r)
PY
"$CFBENCH" compare "$tmp/h1.json" "$tmp/h2.json" --fail-on never >"$tmp/cmp" 2>"$tmp/err" &&
    grep -q "hash/thread/w2" "$tmp/cmp" && ok "compare of two hash runs" || fail "compare: $(cat "$tmp/cmp" "$tmp/err")"
# a bad param value of a plugin workload: a usage error like a built-in's
"$CFBENCH" run -q --no-floors --plugin "$CFB_PLUGIN_HASH" -w hash -p hash.size=0 -o "$tmp/r.json" 2>"$tmp/err"
[ $? = 2 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && [ ! -e "$tmp/r.json" ] && ok "hash.size=0: exit 2" ||
    fail "hash.size=0: $(cat "$tmp/err")"
"$CFBENCH" run -q --no-floors --plugin "$CFB_PLUGIN_HASH" -w hash --reference python -o "$tmp/r.json" 2>"$tmp/err"
[ $? = 2 ] && grep -q "^cfbench run: --reference python: workload 'hash' has no Python reference" "$tmp/err" &&
    [ ! -e "$tmp/r.json" ] && ok "--reference python -w hash: exit 2" || fail "--reference python -w hash: $(cat "$tmp/err")"
"$CFBENCH" run -q --no-floors -w spinner --reference python -o "$tmp/r.json" 2>"$tmp/err"
[ $? = 2 ] && [ ! -e "$tmp/r.json" ] && ok "--reference python -w spinner: exit 2" || fail "--reference python -w spinner: $(cat "$tmp/err")"

[ $fails = 0 ] && echo "all plugin checks passed" || echo "$fails failures"
exit $((fails > 0))
