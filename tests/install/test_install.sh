#!/usr/bin/env bash
# test_install.sh — the installed package, used as an outsider would
# (issue 12 item 8; docs/install.md):
#   1. `cmake --install` into a temporary prefix (--prefix) and with DESTDIR:
#      the layout of cmake/install.cmake, the public headers only (each
#      compiles alone), libcfutures.so exporting only cf_* (nm -D),
#      libcfbench.so exporting only cfb_[!_]* and cf_* and every function
#      cfbench_workload.h declares, cfbench linked to it (RUNPATH $ORIGIN/../lib);
#   2. the prefix is moved (copied elsewhere, the original deleted) — every
#      later step runs against the moved copy, proving it relocatable;
#   3. an outside program (examples/futures/squares.c) and the README's
#      example, built with pkg-config (shared, and --static into a static
#      executable), and examples/futures as a CMake project with
#      find_package(cfutures) (cfutures::cfutures and ::cfutures_static);
#      all of them run; the example plugin (examples/plugin-hash) built
#      outside the tree with its Makefile (pkg-config --cflags --libs
#      cfbench) and its CMakeLists.txt (find_package(cfbench)), and run
#      through the installed cfbench: list, run, plot, compare;
#   4. the installed cfbench, away from the source and build trees: list, a
#      tiny run, plot (its gnuplot scripts found beside it); a lone copy of
#      the binary and a wrong CFBENCH_DATADIR: exit 3 naming where it looked;
#   5. the man page renders without warnings and documents every command;
#      the bash completion loads and completes commands, options and values.
# Skipped (77) in sanitizer builds: an outside program cannot link their
# instrumented libraries without the sanitizer runtime. The build's own
# install_manifest.txt is kept as it was (a user's uninstall relies on it).
# Env from CTest: CFBENCH, CFB_SOURCE_DIR, CFB_BUILD_DIR.
set -u
: "${CFBENCH:?}" "${CFB_SOURCE_DIR:?}" "${CFB_BUILD_DIR:?}"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

san=$(sed -n 's/^CFB_SANITIZE:STRING=//p' "$CFB_BUILD_DIR/CMakeCache.txt")
if [ -n "$san" ]; then
  echo "skipped: sanitizer build (CFB_SANITIZE=$san): the install test checks plain builds"
  exit 77
fi

T=$(mktemp -d /tmp/cfb-install-XXXXXX)
manifest="$CFB_BUILD_DIR/install_manifest.txt"
[ -f "$manifest" ] && cp -p "$manifest" "$T/manifest.saved"
restore() {
  if [ -f "$T/manifest.saved" ]; then cp -p "$T/manifest.saved" "$manifest"; else rm -f "$manifest"; fi
  rm -rf "$T"
}
trap restore EXIT
unset CFBENCH_DATADIR CFB_PLOTS_DIR CFB_GNUPLOT PKG_CONFIG_PATH CMAKE_PREFIX_PATH
export CFB_FLOORS_CACHE="${CFB_FLOORS_CACHE:-$T/floors.json}"
CC=${CC:-cc}

# ---- 1. install --------------------------------------------------------------
if ! cmake --install "$CFB_BUILD_DIR" --prefix "$T/p" >"$T/install.log" 2>&1; then
  bad "cmake --install --prefix"; tail -n 20 "$T/install.log"; exit 1
fi
ok "cmake --install --prefix $T/p"
if ! DESTDIR="$T/stage" cmake --install "$CFB_BUILD_DIR" >"$T/stage.log" 2>&1; then
  bad "DESTDIR=… cmake --install"; tail -n 20 "$T/stage.log"
fi
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$CFB_BUILD_DIR/CMakeCache.txt")
if [ -x "$T/stage$prefix/bin/cfbench" ] && [ "$(find "$T/stage" -name cfutures.pc | wc -l)" = 1 ]; then
  ok "DESTDIR: everything under \$DESTDIR$prefix"
else
  bad "DESTDIR install: no $T/stage$prefix/bin/cfbench or cfutures.pc"
fi

P="$T/p"
pc=$(find "$P" -name cfutures.pc)
libdir=$(dirname "$(dirname "$pc")")
rel_lib=${libdir#"$P"/}
for f in bin/cfbench "$rel_lib/libcfutures.a" "$rel_lib/libcfutures.so" include/cfutures.h \
         include/cf_gil.h include/cf_loop.h "$rel_lib/cmake/cfutures/cfutures-config.cmake" \
         "$rel_lib/cmake/cfutures/cfutures-config-version.cmake" \
         "$rel_lib/cmake/cfutures/cfutures-targets.cmake" share/cfbench/plots/common.gp \
         share/cfbench/plots/wall.gp share/man/man1/cfbench.1 \
         share/bash-completion/completions/cfbench "$rel_lib/libcfbench.so" "$rel_lib/libcfbench.a" \
         include/cfbench_workload.h "$rel_lib/pkgconfig/cfbench.pc" \
         "$rel_lib/cmake/cfbench/cfbench-config.cmake" "$rel_lib/cmake/cfbench/cfbench-targets.cmake"; do
  [ -e "$P/$f" ] || bad "not installed: $f"
done
ok "layout ($rel_lib, include, bin, share/cfbench, man, completion)"
soname=$(readelf -d "$libdir/libcfutures.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
case $soname in
  libcfutures.so.[0-9]*) ok "SONAME $soname" ;;
  *) bad "SONAME of libcfutures.so: '$soname'" ;;
esac
[ -L "$libdir/libcfutures.so" ] && [ -e "$libdir/$soname" ] || bad "libcfutures.so -> $soname symlinks"
[ -e "$P/include/internal.h" ] || [ -e "$P/include/proc_channel.h" ] && bad "private headers installed"
# each public header compiles on its own, with only the installed include dir
for h in "$P"/include/*.h; do
  if ! printf '#include <%s>\nint main(void) { return 0; }\n' "$(basename "$h")" |
       "$CC" -std=c11 -Wall -Wextra -Werror -fsyntax-only -I"$P/include" -x c - 2>"$T/h.err"; then
    case $(basename "$h") in
      cf_mpi.h) command -v mpicc >/dev/null && mpicc -std=c11 -fsyntax-only -I"$P/include" "$h" 2>"$T/h.err" ||
        { bad "$(basename "$h") does not compile alone"; cat "$T/h.err"; } ;;
      *) bad "$(basename "$h") does not compile alone"; cat "$T/h.err" ;;
    esac
  fi
done
ok "public headers compile alone: $(cd "$P/include" && echo *.h)"
# exported: only cf_* (version script cmake/cfutures.map), and every
# function the headers declare
nm -D --defined-only "$libdir/libcfutures.so" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$T/exported"
if grep -v '^cf_' "$T/exported" >"$T/foreign"; then bad "exported beyond cf_*: $(tr '\n' ' ' <"$T/foreign")"; fi
grep -ho '\bcf_[a-z0-9_]*(' "$P"/include/cfutures.h "$P"/include/cf_gil.h "$P"/include/cf_loop.h |
  tr -d '(' | sort -u | grep -vx 'cf_gil_check' >"$T/declared"
missing=$(comm -23 "$T/declared" "$T/exported" | tr '\n' ' ')
[ -z "$missing" ] || bad "declared but not exported: $missing"
ok "libcfutures.so exports $(wc -l <"$T/exported") cf_* symbols, $(wc -l <"$T/declared") declared functions among them"
# libcfbench.so: SONAME, only cfb_[!_]* and cf_* exported (cmake/cfbench.map),
# every function of cfbench_workload.h among them; cfbench needs it
cfb_soname=$(readelf -d "$libdir/libcfbench.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
case $cfb_soname in
  libcfbench.so.[0-9]*) ok "SONAME $cfb_soname" ;;
  *) bad "SONAME of libcfbench.so: '$cfb_soname'" ;;
esac
nm -D --defined-only "$libdir/libcfbench.so" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$T/cfb_exported"
# (and the two interposed libmicrohttpd functions of workloads/flags/mhd_reason.c)
if grep -v '^cfb_[^_]\|^cf_\|^MHD_get_reason_phrase_for$\|^MHD_get_reason_phrase_len_for$' "$T/cfb_exported" >"$T/foreign"; then bad "libcfbench.so exports beyond cfb_* / cf_*: $(tr '\n' ' ' <"$T/foreign")"; fi
grep -q '^cfb__\|^cf__[^g]' "$T/cfb_exported" && bad "libcfbench.so exports internals: $(grep '^cfb__\|^cf__[^g]' "$T/cfb_exported" | tr '\n' ' ')"
grep -ho '\bcfb_[a-z0-9_]*(' "$P"/include/cfbench_workload.h | tr -d '(' | sort -u |
  grep -vx 'cfb_plugin_init' >"$T/cfb_declared" # (the plugin's own entry point)
missing=$(comm -23 "$T/cfb_declared" "$T/cfb_exported" | tr '\n' ' ')
[ -z "$missing" ] || bad "cfbench_workload.h declares but libcfbench.so does not export: $missing"
ok "libcfbench.so exports $(wc -l <"$T/cfb_exported") cfb_* / cf_* symbols, the $(wc -l <"$T/cfb_declared") functions of cfbench_workload.h among them"
readelf -d "$P/bin/cfbench" | grep -q "NEEDED.*\[$cfb_soname\]" && readelf -d "$P/bin/cfbench" | grep -q 'R.*PATH.*\$ORIGIN/\.\./' &&
  ok "bin/cfbench needs $cfb_soname, RUNPATH \$ORIGIN/../" || bad "bin/cfbench: $(readelf -d "$P/bin/cfbench" | grep -E 'NEEDED|PATH')"

# ---- 2. move the prefix --------------------------------------------------------
M="$T/moved/opt/cfb"
mkdir -p "$T/moved/opt" && cp -a "$P" "$M" && rm -rf "$P"
libdir="$M/$rel_lib"
ok "prefix moved to $M (original removed)"

# ---- 3. outside programs ---------------------------------------------------------
cd "$T" || exit 1
export PKG_CONFIG_PATH="$libdir/pkgconfig"
ver=$(pkg-config --modversion cfutures)
cfb_ver=$("$M/bin/cfbench" version | awk '{print $2}')
[ "$ver" = "$cfb_ver" ] && ok "pkg-config cfutures $ver" || bad "pkg-config --modversion '$ver', cfbench '$cfb_ver'"
case $(pkg-config --variable=libdir cfutures) in
  "$libdir" | "$libdir/" | "$M"/lib/pkgconfig/../../*) ok "cfutures.pc relocated: libdir under $M" ;;
  *) [ "$(cd "$(pkg-config --variable=libdir cfutures)" 2>/dev/null && pwd -P)" = "$(cd "$libdir" && pwd -P)" ] &&
       ok "cfutures.pc relocated" || bad "cfutures.pc libdir: $(pkg-config --variable=libdir cfutures)" ;;
esac
EX="$CFB_SOURCE_DIR/examples/futures"
want_sum=$(awk 'BEGIN { s = 0; for (i = 1; i <= 8; i++) s += i * i; print s }')
check_squares() { # NAME BINARY [env…]
  local name=$1 bin=$2; shift 2
  if env "$@" "$bin" >"$T/sq.out" 2>"$T/sq.err" && grep -qx "sum $want_sum" "$T/sq.out" &&
     grep -q "^thread pool: map $want_sum, as_completed $want_sum" "$T/sq.out" &&
     grep -q "^process pool: map $want_sum, as_completed $want_sum" "$T/sq.out"; then
    ok "$name runs: thread and process pool, map and as_completed"
  else
    bad "$name: $(cat "$T/sq.out" "$T/sq.err")"
  fi
}
# shellcheck disable=SC2046 # word splitting of pkg-config's output is the point
if "$CC" -std=c11 -Wall -Wextra -Werror "$EX/squares.c" $(pkg-config --cflags --libs cfutures) \
     -o sq_shared 2>"$T/cc.err"; then
  readelf -d sq_shared | grep -q "NEEDED.*\[$soname\]" || bad "sq_shared does not need $soname"
  check_squares "pkg-config (shared)" ./sq_shared LD_LIBRARY_PATH="$libdir"
else
  bad "pkg-config build (shared)"; cat "$T/cc.err"
fi
# shellcheck disable=SC2046
if "$CC" -std=c11 -Wall -Wextra -Werror -static "$EX/squares.c" \
     $(pkg-config --static --cflags --libs cfutures) -o sq_static 2>"$T/cc.err"; then
  readelf -d sq_static 2>/dev/null | grep -q NEEDED && bad "sq_static is not static"
  check_squares "pkg-config --static (static executable)" ./sq_static
else
  bad "pkg-config --static build"; cat "$T/cc.err"
fi
# the README's example, as it is there (the first C block under "## cfutures")
awk '/^## cfutures/ { s = 1 } s && /^```c$/ { c = 1; next } c && /^```$/ { exit } c' \
  "$CFB_SOURCE_DIR/README.md" >readme.c
# shellcheck disable=SC2046
if [ -s readme.c ] && "$CC" -std=c11 -Wall -Werror readme.c $(pkg-config --cflags --libs cfutures) \
     -o readme 2>"$T/cc.err"; then
  out=$(LD_LIBRARY_PATH="$libdir" ./readme)
  [ "$out" = 49 ] && ok "the README's example compiles as is and prints 49" || bad "README example printed '$out'"
else
  bad "the README's example does not compile against the installed package"; cat "$T/cc.err"
fi
# find_package(cfutures), shared and static, from the moved prefix
for kind in OFF ON; do
  if cmake -S "$EX" -B "cm-$kind" -DCMAKE_PREFIX_PATH="$M" -DCFUTURES_STATIC=$kind \
       -DCMAKE_C_FLAGS="-Wall -Werror" >"$T/cm.log" 2>&1 && cmake --build "cm-$kind" >>"$T/cm.log" 2>&1; then
    check_squares "find_package(cfutures) (CFUTURES_STATIC=$kind)" "./cm-$kind/squares"
    if [ $kind = ON ]; then
      readelf -d "cm-$kind/squares" | grep -q "NEEDED.*libcfutures" && bad "cfutures::cfutures_static links the .so"
    else
      readelf -d "cm-$kind/squares" | grep -q "NEEDED.*\[$soname\]" || bad "cfutures::cfutures does not link the .so"
    fi
  else
    bad "find_package(cfutures) project (CFUTURES_STATIC=$kind)"; tail -n 20 "$T/cm.log"
  fi
done

# the MPI executor, when the build had it: find_package(... COMPONENTS mpi)
if [ -e "$libdir/libcfutures_mpi.a" ]; then
  mkdir -p mpiproj && cat >mpiproj/CMakeLists.txt <<'CMAKE'
cmake_minimum_required(VERSION 3.18)
project(mpiuse LANGUAGES C)
find_package(cfutures REQUIRED COMPONENTS mpi)
if(NOT TARGET cfutures::mpi)
  message(FATAL_ERROR "no cfutures::mpi")
endif()
CMAKE
  if cmake -S mpiproj -B mpiproj/b -DCMAKE_PREFIX_PATH="$M" >"$T/mpi.log" 2>&1; then
    ok "find_package(cfutures COMPONENTS mpi): cfutures::mpi"
  else
    bad "find_package(cfutures COMPONENTS mpi)"; tail -n 20 "$T/mpi.log"
  fi
fi

# the example plugin, built outside the tree against the moved prefix
PX="$T/plugin-hash"
mkdir -p "$PX" && cp "$CFB_SOURCE_DIR"/examples/plugin-hash/{hash.c,Makefile,CMakeLists.txt} "$PX/"
if make -C "$PX" CFLAGS="-O2 -Wall -Wextra -Werror" >"$T/mk.log" 2>&1 && [ -s "$PX/libcfbench-hash.so" ]; then
  readelf -d "$PX/libcfbench-hash.so" | grep -q "NEEDED.*\[$cfb_soname\]" && ok "plugin-hash: make (pkg-config --cflags --libs cfbench)" ||
    bad "plugin-hash does not need $cfb_soname"
else
  bad "plugin-hash: make"; tail -n 20 "$T/mk.log"
fi
if cmake -S "$PX" -B "$PX/b" -DCMAKE_PREFIX_PATH="$M" -DCMAKE_C_FLAGS="-Wall -Werror" >"$T/pcm.log" 2>&1 &&
   cmake --build "$PX/b" >>"$T/pcm.log" 2>&1 && [ -s "$PX/b/libcfbench-hash.so" ]; then
  ok "plugin-hash: find_package(cfbench) (cfbench::cfbench)"
else
  bad "plugin-hash: find_package(cfbench)"; tail -n 20 "$T/pcm.log"
fi
# the guide's example plugin (docs/writing-workloads.md, its first C block) as it stands
mkdir -p "$T/fib" && awk '/^```c$/ { c = 1; next } c && /^```$/ { exit } c' \
  "$CFB_SOURCE_DIR/docs/writing-workloads.md" >"$T/fib/fib.c"
# shellcheck disable=SC2046
if [ -s "$T/fib/fib.c" ] && "$CC" -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared "$T/fib/fib.c" \
     -o "$T/fib/libfib.so" $(pkg-config --cflags --libs cfbench) 2>"$T/cc.err"; then
  ok "docs/writing-workloads.md: its plugin builds as written (pkg-config cfbench)"
else
  bad "docs/writing-workloads.md's plugin does not build"; cat "$T/cc.err"
fi

# an outside program on libcfbench itself: the registry through the public header
cat >"$T/lister.c" <<'C'
#include <stdio.h>
#include <cfbench_workload.h>
int main(void) {
    size_t n;
    const cfb_workload *const *all = cfb_workloads_all(&n);
    printf("%zu workloads, first %s, abi %d\n", n, n ? all[0]->name : "-", CFB_WORKLOAD_ABI_VERSION);
    return cfb_workload_find("noop") ? 0 : 1;
}
C
# shellcheck disable=SC2046
if "$CC" -std=c11 -Wall -Wextra -Werror "$T/lister.c" $(pkg-config --cflags --libs cfbench) -o "$T/lister" 2>"$T/cc.err" &&
   LD_LIBRARY_PATH="$libdir" "$T/lister" >"$T/lister.out" && grep -q "workloads, first primes, abi 1" "$T/lister.out"; then
  ok "a program on libcfbench (pkg-config cfbench): $(cat "$T/lister.out")"
else
  bad "a program on libcfbench: $(cat "$T/cc.err" "$T/lister.out" 2>/dev/null)"
fi

# ---- 4. the installed cfbench ------------------------------------------------------
C="$M/bin/cfbench"
mkdir -p "$T/work" && cd "$T/work" || exit 1
if "$C" list >"$T/list.out" 2>&1 && grep -q noop "$T/list.out"; then ok "installed cfbench list"; else bad "cfbench list: $(cat "$T/list.out")"; fi
if "$C" run -w noop -m seq,thread -j 2 -r 1 -p noop.tasks=20 --no-floors -q -o r.json >"$T/run.out" 2>&1 &&
   [ -s r.json ]; then
  ok "installed cfbench run (noop, seq + thread)"
else
  bad "cfbench run: $(cat "$T/run.out")"
fi
if "$C" plot r.json --timelines none >"$T/plot.out" 2>&1 && [ -s plots/report.html ] &&
   ls plots/*.png >/dev/null 2>&1; then
  ok "installed cfbench plot: scripts found in $M/share/cfbench ($(ls plots/*.png | wc -l) charts)"
else
  bad "cfbench plot: $(cat "$T/plot.out")"
fi
grep -q "$M/share/cfbench/plots" plots/data/replot.sh || bad "replot.sh does not use the installed scripts"
# the outside plugin through the installed cfbench: list, run (every pool mode), plot, compare
for so in "$PX/libcfbench-hash.so" "$PX/b/libcfbench-hash.so"; do
  "$C" list --plugin "$so" 2>&1 | grep -q "^  hash .*(plugin $so)" || bad "installed cfbench list --plugin $so"
done
hrun() { "$C" run --plugin "$PX/libcfbench-hash.so" -w hash -m seq,thread,process,async -j 2 -r 2 --warmup 0 \
  -p hash.tasks=8 -p hash.size=65536 --no-floors -q -o "$1"; }
if hrun h1.json >"$T/h.out" 2>&1 && hrun h2.json >>"$T/h.out" 2>&1 &&
   python3 -c 'import json,sys; d=json.load(open("h1.json")); assert d["config"]["plugins"][0]["workloads"] == ["hash"]; assert all(r["check_failures"] == 0 and r["tasks_failed"] == 0 for c in d["cases"] for r in c["repetitions"]); assert len(d["cases"]) == 4'; then
  ok "installed cfbench run --plugin (hash in seq, thread, process, async; every answer right)"
else
  bad "installed cfbench run --plugin: $(cat "$T/h.out")"
fi
if "$C" plot h1.json --out hplots --timelines none >"$T/hp.out" 2>&1 && ls hplots/*.png >/dev/null 2>&1; then
  ok "installed cfbench plot of the plugin's results ($(ls hplots/*.png | wc -l) charts)"
else
  bad "plot of the plugin's results: $(cat "$T/hp.out")"
fi
"$C" compare h1.json h2.json --fail-on never >"$T/hc.out" 2>&1 && grep -q "hash/process/w2" "$T/hc.out" &&
  ok "installed cfbench compare of two plugin runs" || bad "compare of the plugin runs: $(cat "$T/hc.out")"
if "$C" run --plugin "$T/fib/libfib.so" -w fib -m seq,thread,process -j 2 -r 2 --warmup 0 -p fib.n=20 \
     --no-floors -q -o fib.json >"$T/fib.out" 2>&1 &&
   python3 -c 'import json; d=json.load(open("fib.json")); assert all(r["check_failures"] == 0 for c in d["cases"] for r in c["repetitions"])'; then
  ok "the guide's fib plugin runs through the installed cfbench, every answer right"
else
  bad "the guide's fib plugin: $(cat "$T/fib.out")"
fi
# The data the program reads at run time (.rodata, .data) must not name the
# source tree. The debug info may (DWARF's directory table holds the source
# dirs, as in any -g build: it is how a debugger finds the sources), so the
# whole file is not searched — a ccache'd build (CCACHE_BASEDIR, relative
# paths) would hide that difference, a plain one shows it.
if objcopy -O binary -j .rodata -j .data "$C" "$T/rt.bin" 2>"$T/objcopy.err" &&
   objcopy -O binary -j .rodata -j .data "$libdir/libcfbench.so" "$T/rt-lib.bin" 2>>"$T/objcopy.err" &&
   cat "$T/rt-lib.bin" >>"$T/rt.bin"; then
  if strings -n 4 "$T/rt.bin" | grep -qxF -e "$CFB_SOURCE_DIR/plots" -e "$CFB_SOURCE_DIR"; then
    bad "the source path is compiled into cfbench's run-time data"
  else
    ok "no source path in the run-time data (.rodata, .data) of cfbench and libcfbench.so"
  fi
else
  bad "objcopy of cfbench's .rodata/.data: $(head -n 1 "$T/objcopy.err")"
fi
mkdir -p "$T/lone/bin" && cp "$C" "$T/lone/bin/"
# (a lone copy finds libcfbench through LD_LIBRARY_PATH: its RUNPATH is $ORIGIN/../lib)
export LD_LIBRARY_PATH="$libdir"
"$T/lone/bin/cfbench" plot r.json --out "$T/lone/out" >"$T/lone.out" 2>"$T/lone.err"
rc=$?
if [ $rc = 3 ] && [ "$(wc -l <"$T/lone.err")" = 1 ] && grep -q "looked in $T/lone/share/cfbench, $T/lone/bin/share/cfbench" "$T/lone.err"; then
  ok "a lone cfbench: exit 3, one line naming where it looked"
else
  bad "lone cfbench plot: exit $rc: $(cat "$T/lone.err")"
fi
CFBENCH_DATADIR="$T/nowhere" "$C" plot r.json --out "$T/nw" >/dev/null 2>"$T/nw.err"
rc=$?
[ $rc = 3 ] && grep -q "CFBENCH_DATADIR=$T/nowhere" "$T/nw.err" && ok "CFBENCH_DATADIR obeyed (wrong: exit 3)" ||
  bad "CFBENCH_DATADIR=nowhere: exit $rc: $(cat "$T/nw.err")"
cp -a "$M/share/cfbench" "$T/data" && CFBENCH_DATADIR="$T/data" "$T/lone/bin/cfbench" plot r.json --out "$T/dd" \
  --timelines none >/dev/null 2>&1 && grep -q "$T/data/plots" "$T/dd/data/replot.sh" &&
  ok "CFBENCH_DATADIR points a lone cfbench at its data" || bad "CFBENCH_DATADIR=$T/data"
unset LD_LIBRARY_PATH

# the build tree's cfbench finds the same scripts through <build>/share/cfbench
"$CFBENCH" plot r.json --out "$T/bt" --timelines none >/dev/null 2>"$T/bt.err" &&
  grep -q "$CFB_BUILD_DIR/share/cfbench/plots\|$CFB_SOURCE_DIR/plots" "$T/bt/data/replot.sh" &&
  ok "the build tree's cfbench plot finds its scripts (no env)" || bad "build-tree cfbench plot: $(cat "$T/bt.err")"

# ---- 5. man page and completion -------------------------------------------------------
MAN="$M/share/man/man1/cfbench.1"
cmds=$("$C" --help | awk '/^commands:/ { c = 1; next } c && /^  [a-z]/ { print $1 } c && /^$/ { exit }')
[ "$(echo "$cmds" | wc -l)" -gt 5 ] || bad "could not read the commands from cfbench --help"
if command -v groff >/dev/null; then
  warn=$(groff -man -ww -z "$MAN" 2>&1)
  [ -z "$warn" ] && ok "man page: no groff warnings" || bad "groff warnings: $warn"
  text=$(groff -man -Tascii -P-cbou "$MAN" 2>/dev/null)
elif command -v man >/dev/null; then
  text=$(MANWIDTH=100 man -l "$MAN" 2>/dev/null)
else
  bad "neither groff nor man to render the man page (scripts/deps.sh --test installs groff-base)"
  text=
fi
for c in $cmds; do
  grep -q "^.SS $c\$" "$MAN" || bad "man page lacks command $c"
done
echo "$text" | grep -q -- "--workload" && echo "$text" | grep -q "EXIT STATUS" &&
  ok "man page renders ($(echo "$text" | wc -l) lines) and documents every command" || bad "man page text"
COMP="$M/share/bash-completion/completions/cfbench"
complete_() { # WORDS… : prints the completions of the last word
  bash --norc --noprofile -c 'source "$1" || exit 9; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
    complete -p cfbench >/dev/null || exit 8; _cfbench; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@"
}
[ "$(complete_ cfbench pl)" = plot ] && ok "completion: cfbench pl<TAB> -> plot" || bad "completion of 'pl': $(complete_ cfbench pl)"
[ "$(complete_ cfbench "" | sort | tr '\n' ' ')" = "$(printf '%s\n' $cmds --help --version | sort | tr '\n' ' ')" ] &&
  ok "completion: every command of cfbench --help" || bad "completion commands: $(complete_ cfbench "" | tr '\n' ' ')"
[ "$(complete_ cfbench run --workl)" = --workload ] || bad "completion run --workl: $(complete_ cfbench run --workl)"
[ "$(complete_ cfbench run -m thr)" = thread ] || bad "completion run -m thr: $(complete_ cfbench run -m thr)"
[ "$(complete_ cfbench run -w noop,pri)" = noop,primes ] || bad "completion -w noop,pri: $(complete_ cfbench run -w noop,pri)"
[ "$(complete_ cfbench help comp)" = compare ] || bad "completion help comp: $(complete_ cfbench help comp)"
[ "$(complete_ cfbench flags --max)" = "--max-req" ] || bad "completion flags --max: $(complete_ cfbench flags --max)"
ok "completion: options, mode and workload values, help CMD"
# every option the completion offers is one cfbench CMD --help documents
for c in $cmds; do
  [ "$c" = help ] || [ "$c" = version ] && continue
  help=$("$C" "$c" --help 2>&1)
  for o in $(complete_ cfbench "$c" --); do
    echo "$help" | grep -q -- "$o\b" || bad "completion offers $c $o, which cfbench $c --help does not show"
  done
done
ok "completion options agree with each command's --help"
# the generator's own bad usage
"$CFB_BUILD_DIR/cfbench_docgen" roff "$T/x" 2>"$T/dg.err"
rc=$?
[ $rc = 2 ] && [ "$(wc -l <"$T/dg.err")" = 1 ] && [ ! -e "$T/x" ] && ok "cfbench_docgen roff: exit 2" ||
  bad "cfbench_docgen roff: exit $rc"
"$CFB_BUILD_DIR/cfbench_docgen" man "$T/no/such/dir/cfbench.1" 2>"$T/dg.err"
rc=$?
[ $rc = 3 ] && ok "cfbench_docgen into a missing directory: exit 3" || bad "cfbench_docgen man no/dir: exit $rc"

exit $fail
