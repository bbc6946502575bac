#!/usr/bin/env bash
# compute_threads.sh — what the CPU-thread policy of a tunegrid process is worth
# (workers/parallel/compute_threads.h; libtorch's OpenMP pool, which also sizes MKL's). Runs
# experiments/bench/compute-threads.toml (bench.unet_step, tiny at batch 32 and small at
# batch 2) under four settings, ROUNDS times interleaved, and prints the best median ms/step
# of each and the node's throughput (samples/s over the ranks running at once):
#   1 rank, 1 thread      OMP_NUM_THREADS=1
#   1 rank, policy        nothing set: libtorch on every allowed CPU
#   2 ranks, policy       two processes at once, told they share the node (as mpirun does):
#                         the policy gives each CPUs/2 threads
#   2 ranks, all CPUs     two processes at once with OMP_NUM_THREADS=CPUs each (what
#                         libtorch's own default does to unbound ranks)
# Usage: bash cluster/bench/compute_threads.sh   (TUNEGRID: the binary, ROUNDS: default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
rounds=${ROUNDS:-2}
cpus=$(nproc)
reader=/usr/bin/python3  # Debian's: tomllib and python3-h5py (cluster/setup.sh installs it)
work=$(mktemp -d /tmp/tunegrid-threads-XXXXXX)
trap 'rm -rf "$work"' EXIT

run_one() {  # run_one STORE ENV... — one standalone run of the experiment
  local store=$1; shift
  env -u OMP_NUM_THREADS -u OMPI_COMM_WORLD_LOCAL_SIZE "$@" "$binary" run experiments/bench/compute-threads.toml \
    --out "$store" >"$store.log" 2>&1 || { cat "$store.log" >&2; exit 1; }
}
for round in $(seq "$rounds"); do
  echo "[compute_threads] round $round" >&2
  run_one "$work/one-$round" OMP_NUM_THREADS=1
  run_one "$work/policy-$round"
  run_one "$work/shared-$round.a" OMPI_COMM_WORLD_LOCAL_SIZE=2 & run_one "$work/shared-$round.b" OMPI_COMM_WORLD_LOCAL_SIZE=2
  wait
  run_one "$work/oversubscribed-$round.a" OMP_NUM_THREADS="$cpus" & run_one "$work/oversubscribed-$round.b" OMP_NUM_THREADS="$cpus"
  wait
done
"$reader" - "$work" "$cpus" <<'PY'
import glob, os, statistics, sys, tomllib
import h5py
work, cpus = sys.argv[1], sys.argv[2]
settings = [("one", "1 rank, 1 thread", 1), ("policy", "1 rank, policy", 1), ("shared", "2 ranks, policy", 2),
            ("oversubscribed", "2 ranks, all CPUs", 2)]
best = {}  # (config, batch, setting) -> (ms, threads): the best round's mean over the ranks running at once
for setting, _, ranks in settings:
    for round_dir in sorted(glob.glob(f"{work}/{setting}-*")):
        if not os.path.isdir(round_dir):
            continue
        for path in glob.glob(f"{round_dir}/jobs/*.h5"):
            with h5py.File(path, "r") as shard:
                if shard.attrs["status"] != "done":
                    continue
                p = tomllib.loads(shard.attrs["spec"])["params"]
                key = (p["config"], p["batch"], setting, os.path.basename(round_dir).split(".")[0])
                best.setdefault(key, []).append((float(shard["metrics"]["step_ms"][()]),
                                                 int(shard["metrics"]["threads"][()])))
rows = {}
for (config, batch, setting, _), runs in best.items():
    ms = statistics.mean(r[0] for r in runs)
    if (config, batch, setting) not in rows or ms < rows[(config, batch, setting)][0]:
        rows[(config, batch, setting)] = (ms, runs[0][1], len(runs))
print(f"{'config':<7}{'batch':>6}  " + "  ".join(f"{label:>24}" for _, label, _ in settings))
for config, batch in sorted({(c, b) for c, b, _ in rows}):
    cells = []
    for setting, _, ranks in settings:
        row = rows.get((config, batch, setting))
        if not row:
            cells.append(f"{'-':>24}")
            continue
        ms, threads, running = row
        samples_per_s = running * batch * 1000.0 / ms
        cells.append(f"{ms:7.1f} ms {samples_per_s:6.1f}/s ({threads} t)")
    print(f"{config:<7}{batch:>6}  " + "  ".join(f"{c:>24}" for c in cells))
print(f"(ms: median ms/step, best round, mean over the ranks running at once; /s: the node's samples per second; "
      f"t: libtorch threads per rank; {cpus} CPUs)")
PY
