#!/usr/bin/env bash
# compute_threads.sh — what the CPU-thread policy of a tunegrid process is worth
# (workers/parallel/compute_threads.h, core/blas_threads.h). Runs
# experiments/bench/compute-threads.toml (bench.unet_step, tiny at batch 32 and small at
# batch 2) under three settings, ROUNDS times interleaved, and prints the best median
# ms/step of each with the ratio to libtorch's own choice on this machine:
#   libtorch default   OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=<cpus>  (what libtorch picked
#                      here before the policy: 1 intra-op thread; OpenBLAS on every CPU)
#   policy             nothing set: libtorch on the allowed CPUs, OpenBLAS on 1 thread
#   both pools         OMP_NUM_THREADS=<cpus> OPENBLAS_NUM_THREADS=<cpus>
# Usage: bash cluster/bench/compute_threads.sh   (TUNEGRID: the binary, ROUNDS: default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
rounds=${ROUNDS:-2}
cpus=$(nproc)
reader=/usr/bin/python3
work=$(mktemp -d /tmp/tunegrid-threads-XXXXXX)
trap 'rm -rf "$work"' EXIT
settings=("default:OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=$cpus" "policy:" "both:OMP_NUM_THREADS=$cpus OPENBLAS_NUM_THREADS=$cpus")
for round in $(seq "$rounds"); do
  for setting in "${settings[@]}"; do
    name=${setting%%:*}
    vars=${setting#*:}
    echo "[compute_threads] round $round: $name ($vars)" >&2
    # shellcheck disable=SC2086
    env -u OMP_NUM_THREADS -u OPENBLAS_NUM_THREADS $vars "$binary" run experiments/bench/compute-threads.toml \
      --out "$work/$name-$round" >"$work/$name-$round.log" 2>&1 || { cat "$work/$name-$round.log" >&2; exit 1; }
  done
done
"$reader" - "$work" "$cpus" <<'PY'
import glob, os, sys, tomllib
import h5py
work, cpus = sys.argv[1], sys.argv[2]
best = {}
for store in sorted(glob.glob(f"{work}/*-*")):
    if not os.path.isdir(store):
        continue
    setting = os.path.basename(store).rsplit("-", 1)[0]
    for path in glob.glob(f"{store}/jobs/*.h5"):
        with h5py.File(path, "r") as shard:
            if shard.attrs["status"] != "done":
                continue
            p = tomllib.loads(shard.attrs["spec"])["params"]
            m = shard["metrics"]
            key = (p["config"], p["batch"], setting)
            ms = float(m["step_ms"][()])
            threads = (int(m["threads"][()]), int(m["blas_threads"][()]) if "blas_threads" in m else 0)
            if key not in best or ms < best[key][0]:
                best[key] = (ms, threads)
print(f"{'config':<7}{'batch':>6}  {'libtorch default':>18}  {'policy':>18}  {'both pools':>18}  policy/default  both/default")
for config, batch in sorted({(c, b) for c, b, _ in best}):
    row = [best.get((config, batch, s)) for s in ("default", "policy", "both")]
    cells = [f"{r[0]:8.1f} ms ({r[1][0]}/{r[1][1]})" if r else "-" for r in row]
    ratio = lambda r: f"{r[0] / row[0][0]:.2f}" if r and row[0] else "-"
    print(f"{config:<7}{batch:>6}  {cells[0]:>18}  {cells[1]:>18}  {cells[2]:>18}  {ratio(row[1]):>14}  {ratio(row[2]):>12}")
print(f"(threads: libtorch/OpenBLAS; {cpus} CPUs; best median of the rounds)")
PY
