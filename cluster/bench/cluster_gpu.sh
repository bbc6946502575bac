#!/usr/bin/env bash
# cluster_gpu.sh — the cluster GPU benchmark to run on a new allocation before a sweep
# (experiments/bench/cluster-gpu.toml, `bench.devices`): every rank measures its GPU — dense
# matrix products per dtype against the datasheet peak, SD 1.5 UNet training steps in bf16,
# host↔device copies, all-reduce within its node — the whole allocation measures all-reduce
# across nodes, and the report prints the table per node and GPU, marking a GPU or node more
# than 10 % below the median of its peers.
# Usage: bash cluster/bench/cluster_gpu.sh [OUT]      (inside the allocation; OUT default runs/cluster-gpu)
# Environment:
#   TUNEGRID  the program (default build/tunegrid)
#   RANKS     ranks, one per GPU (default: SLURM_NTASKS under Slurm, else the GPUs nvidia-smi lists, else 2)
#   LAUNCH    how to start the ranks (default: `srun` under Slurm, else `mpirun -np RANKS`)
#   PROFILE   experiment profile (default: gpu when nvidia-smi lists a GPU, else none: the tiny CPU sizes)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
out=${1:-runs/cluster-gpu}
gpus=$( (nvidia-smi -L 2>/dev/null || true) | grep -c '^GPU ' || true)
ranks=${RANKS:-${SLURM_NTASKS:-$([ "$gpus" -gt 0 ] && echo "$gpus" || echo 2)}}
if [ -n "${LAUNCH:-}" ]; then launch=($LAUNCH)
elif [ -n "${SLURM_JOB_ID:-}" ]; then launch=(srun)
else launch=(mpirun -np "$ranks"); fi
profile=${PROFILE-$([ "$gpus" -gt 0 ] && echo gpu || echo "")}
echo "[cluster_gpu] $ranks ranks (${launch[*]}), profile '${profile:-none}', store $out" >&2
"${launch[@]}" "$binary" run experiments/bench/cluster-gpu.toml ${profile:+--profile "$profile"} \
  --set run.ranks_per_job="$ranks" --out "$out" >&2
"$binary" report "$out"
