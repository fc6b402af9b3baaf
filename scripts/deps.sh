#!/usr/bin/env bash
# Install what cfbench needs to build, test and chart, with apt-get.
# Only missing packages are installed (a second run does nothing and prints
# nothing); apt's output goes to a log that is shown only when it fails.
# When not root, print the exact command instead.
# Usage: scripts/deps.sh [--test] [extra-package…]
#   bench extras (never installed by make test): wrk nginx-light hyperfine
#   (bench/server_bench.sh, bench/flags_bench.sh); libglib2.0-dev libuv1-dev
#   (bench/peers_bench.c: built only when pkg-config finds both)
#   --test  also what only the test suite needs: chromium, the headless
#           browser tests/report/ opens report.html in (make test passes it);
#           groff-base, with which tests/install renders the man page
# Open MPI (openmpi-bin, libopenmpi-dev) builds the MPI executor and its tests
# (docs/scale-out.md); python3-mpi4py is the anchor of bench/mpi_bench.py.
set -euo pipefail
pkgs=(cmake make pkg-config gcc git libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev
      gnuplot-nox curl python3 openmpi-bin libopenmpi-dev python3-mpi4py)
if [ "${1:-}" = "--test" ]; then
  shift
  pkgs+=(chromium groff-base)
fi
pkgs+=("$@")
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "cfbench: missing packages: ${missing[*]}" >&2
  echo "run as root: apt-get update && $cmd" >&2
  exit 1
fi
echo "cfbench: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/cfbench-deps-XXXXXX.log)
trap 'rm -f "$log"' EXIT
if ! { apt-get update -qq && $cmd -qq; } >"$log" 2>&1; then
  echo "cfbench: apt-get failed ($cmd):" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
