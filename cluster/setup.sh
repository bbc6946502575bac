#!/usr/bin/env bash
# Installs tunegrid's Debian dependencies (when missing) and builds it into build/.
# Idempotent: a second run installs nothing and rebuilds only what changed (ccache).
# Usage: bash cluster/setup.sh [--no-build]    Environment: BUILD_DIR (default build), JOBS.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libboost-test-dev libpng-dev libstb-dev
  libcairo2-dev  # report figures: image grids with labels, plots as PNG and SVG
  python3-h5py   # tests open the store the way users do
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup] installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# libblas.so.3 must be OpenBLAS (libtorch's CPU matrix products go through it).
blas=/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3
if [ -e "$blas" ] && command -v update-alternatives >/dev/null; then
  current=$(readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null || true)
  if [ "$current" != "$blas" ] && [ "$(id -u)" -eq 0 ]; then
    update-alternatives --set libblas.so.3-x86_64-linux-gnu "$blas"
  fi
fi

[ "${1:-}" = "--no-build" ] && exit 0

# ccache hits across clones of the repository (paths relative to the checkout).
export CCACHE_BASEDIR="$PWD"
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build_dir" -j "$jobs"
