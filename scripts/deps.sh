#!/usr/bin/env bash
# Install what cfbench needs to build, test and chart, with apt-get.
# Only missing packages are installed; when not root, print the exact command.
# Usage: scripts/deps.sh [extra-package…]   (bench extras: wrk nginx-light hyperfine)
# Open MPI (openmpi-bin, libopenmpi-dev) builds the MPI executor and its tests
# (docs/scale-out.md); python3-mpi4py is the anchor of bench/mpi_bench.py.
set -euo pipefail
pkgs=(cmake make pkg-config gcc git libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev
      gnuplot-nox curl python3 openmpi-bin libopenmpi-dev python3-mpi4py "$@")
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
apt-get update -qq
$cmd
