#!/usr/bin/env bash
# scheduler_throughput.sh — throughput of the MPI scheduler on `bench.noop` jobs
# (experiments/bench/noop-throughput.toml, 2,000 jobs that do nothing), at 1 rank (the
# baseline, same script) and 2, 4 and 8 ranks. Prints jobs/s, the ratio to the 1-rank
# baseline, and the median / p90 per-job dispatch overhead (request to order, less time
# spent waiting for a ready job). Target: >= 1,000 jobs/s and <= 1 ms median
# overhead at 4 ranks. For scale: Slurm documents ~500 simple batch jobs/s; Ray Tune's
# many-tasks benchmark ~440 tasks/s.
# Usage: bash cluster/bench/scheduler_throughput.sh [RANKS...]   (default: 1 2 4 8)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
experiment=experiments/bench/noop-throughput.toml
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d /tmp/tunegrid-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
ranks=("$@")
[ ${#ranks[@]} -eq 0 ] && ranks=(1 2 4 8)

field() { sed -n "s/.*\"$1\": \([0-9.e+-]*\).*/\1/p" "$2"; }

printf '%-6s %8s %10s %10s %14s %11s\n' ranks jobs "jobs/s" "vs 1 rank" "median ms" "p90 ms"
baseline=""
for n in "${ranks[@]}"; do
  out="$work/np$n"
  if [ "$n" -eq 1 ]; then
    "$binary" run "$experiment" --out "$out" >/dev/null 2>&1
  else
    mpirun -np "$n" --oversubscribe "$binary" run "$experiment" --out "$out" >/dev/null 2>&1
  fi
  summary="$out/logs/run-summary.json"
  rate=$(field jobs_per_second "$summary")
  [ -z "$baseline" ] && baseline=$rate
  median=$(field dispatch_median_seconds "$summary")
  p90=$(field dispatch_p90_seconds "$summary")
  awk -v n="$n" -v jobs="$(field done_now "$summary")" -v r="$rate" -v b="$baseline" -v m="$median" -v p="$p90" \
    'BEGIN { printf "%-6s %8d %10.0f %9.2fx %14.3f %11.3f\n", n, jobs, r, r / b, m * 1e3, p * 1e3 }'
done
