#!/usr/bin/env bash
# data_parallel.sh — the data-parallel benchmark, in one script so the ratios come from one machine
# state: (1) all-reduce bandwidth of the MPI Communicator at 2 ranks over 1 KB – 256 MB
# (experiments/bench/allreduce.toml; nccl-tests' algbw and busbw = algbw · 2(n−1)/n);
# (2) the data-parallel speedup of a small LoRA job (experiments/bench/data-parallel-lora.toml)
# on a group of 2 ranks against 1 rank, one compute thread per rank (OMP_NUM_THREADS=1),
# from the jobs' timings/train; runs alternate 1, 2, 1, 2 and the best of each counts.
# Usage: bash cluster/bench/data_parallel.sh   (TUNEGRID: the binary, default build/tunegrid;
# ROUNDS: 1-vs-2 rounds, default 2; KEEP=1 keeps the stores)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
rounds=${ROUNDS:-2}
reader=/usr/bin/python3  # Debian's, with python3-h5py (cluster/setup.sh installs it)
work=$(mktemp -d /tmp/tunegrid-data-parallel-XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "[data_parallel] stores under $work" >&2; else trap 'rm -rf "$work"' EXIT; fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
run() {  # run NAME NP ARGS...
  local name=$1 np=$2; shift 2
  mpirun -np "$np" --oversubscribe -x OMP_NUM_THREADS=1 -x OPENBLAS_NUM_THREADS=1 "$binary" run "$@" \
    --out "$work/$name" >"$work/$name.log" 2>&1 || { cat "$work/$name.log" >&2; echo "[data_parallel] $name failed" >&2; exit 1; }
}
run allreduce 2 experiments/bench/allreduce.toml
for round in $(seq "$rounds"); do
  run "lora-1-$round" 1 experiments/bench/data-parallel-lora.toml
  run "lora-2-$round" 2 experiments/bench/data-parallel-lora.toml --set run.ranks_per_job=2
done
"$reader" - "$work" <<'PY'
import glob, re, sys
import h5py
work = sys.argv[1]
def shards(store, kind):
    for path in glob.glob(f"{store}/jobs/*.h5"):
        with h5py.File(path, "r") as shard:
            if shard.attrs["kind"] == kind and shard.attrs["status"] == "done":
                yield ({k: v[()] for k, v in shard["metrics"].items()}, {k: v[()] for k, v in shard["timings"].items()},
                       int(shard.attrs["ranks"]), str(shard.attrs["spec"]))
metrics, timings, ranks, _ = next(shards(f"{work}/allreduce", "bench.allreduce"))
print(f"All-reduce (sum, float32) over {ranks} ranks, MPI backend, median of 10:\n")
print("| bytes | time µs | algbw GB/s | busbw GB/s |")
print("|---|---|---|---|")
for size in sorted(int(m.group(1)) for k in metrics if (m := re.match(r"algbw_gbs_(\d+)$", k))):
    print(f"| {size:,} | {timings[f'allreduce_{size}'] * 1e6:.1f} | {metrics[f'algbw_gbs_{size}']:.3f} | {metrics[f'busbw_gbs_{size}']:.3f} |")
best = {}  # (global batch, ranks) -> best train seconds
for path in sorted(glob.glob(f"{work}/lora-*-*")):
    if path.endswith(".log"): continue
    n = int(path.split("-")[-2])
    for m, t, r, spec in shards(path, "finetune.lora"):
        assert r == n, (path, r)
        batch = int(re.search(r"train_batch_size = (\d+)", spec).group(1))
        best[batch, n] = min(best.get((batch, n), float("inf")), t["train"])
print(f"\nData-parallel LoRA (builtin:tiny-sd, rank 8, 60 steps), one thread per rank, best of the rounds:\n")
print("| global batch | ranks | train s | ms / step | speedup |")
print("|---|---|---|---|---|")
for batch, n in sorted(best):
    print(f"| {batch} | {n} | {best[batch, n]:.1f} | {best[batch, n] / 60 * 1e3:.0f} | {best[batch, 1] / best[batch, n]:.2f}× |")
PY
