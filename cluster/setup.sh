#!/usr/bin/env bash
# Installs tunegrid's dependencies (when missing) and builds it into build/:
#   - Debian packages (compilers, OpenMPI, HDF5, toml++, fmt, CLI11, Boost.Test, Cairo, …);
#   - libtorch: PyPI's torch wheel and the NVIDIA runtime wheels it loads, pinned in
#     cluster/libtorch-requirements.txt, into the project's own virtual environment .venv/
#     (Debian's libtorch-dev is not used).
# Idempotent: a second run installs nothing and rebuilds only what changed (ccache).
# Usage: bash cluster/setup.sh [--no-build]
# Environment: BUILD_DIR (default build), JOBS (default nproc), TUNEGRID_VENV (default .venv),
#   TUNEGRID_WHEELS=DIR  install the wheels from DIR, without the network (air-gapped nodes);
#                        make DIR on a connected machine with
#                        pip download --no-deps -d DIR -r cluster/libtorch-requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ccache pkg-config
  python3 python3-venv  # .venv/: the pinned torch wheel (libtorch with CUDA)
  libopenmpi-dev openmpi-bin
  libhdf5-dev hdf5-tools
  libtomlplusplus-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libboost-test-dev libpng-dev libstb-dev
  libsentencepiece-dev  # T5 tokenizer (FLUX text_encoder_2)
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

# libtorch from the pinned wheels. The environment's copy of the pin file says what it holds:
# a changed pin reinstalls, an unchanged one costs nothing.
requirements=cluster/libtorch-requirements.txt
venv=${TUNEGRID_VENV:-.venv}
if ! cmp -s "$requirements" "$venv/tunegrid-requirements.txt"; then
  [ -x "$venv/bin/pip" ] || /usr/bin/python3 -m venv "$venv"
  source_args=()
  if [ -n "${TUNEGRID_WHEELS:-}" ]; then
    source_args=(--no-index --find-links "$TUNEGRID_WHEELS")
    echo "[setup] installing libtorch from $TUNEGRID_WHEELS (no network)"
  else
    echo "[setup] installing libtorch: the torch wheel and its NVIDIA runtime wheels (~3 GB) into $venv"
  fi
  # --no-deps: the pin file lists every wheel libtorch's libraries load; torch's Python-only
  # dependencies (triton, sympy, …) are of no use to a C++ program.
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps "${source_args[@]}" -r "$requirements"
  cp "$requirements" "$venv/tunegrid-requirements.txt"
fi
site_packages=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')

[ "${1:-}" = "--no-build" ] && exit 0

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
configure_args=(-DTUNEGRID_TORCH_DIR="$site_packages/torch")
[ -f "$build_dir/CMakeCache.txt" ] || configure_args+=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
cmake -S . -B "$build_dir" "${configure_args[@]}"
cmake --build "$build_dir" -j "$jobs"
