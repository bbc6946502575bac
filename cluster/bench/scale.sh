#!/usr/bin/env bash
# scale.sh — the scheduler and the store at 10^3, 10^4 and 10^5 jobs
# (experiments/bench/noop-scale.toml, bench.noop jobs on one rank). For each size, in one
# fresh output directory:
#   run      a fresh run: jobs/s, the longest dispatch pause (request to order, minus the wait
#            for a ready job), index writes (how many, the longest), rank 0's peak RSS;
#   rerun    the same command again, nothing left to do: seconds, peak RSS;
#   status   `tunegrid status DIR`: seconds;
# then per job: µs of run wall time, and RSS bytes per job beyond the smallest size's run.
# Targets: no dispatch pause > 100 ms, rerun and status <= 5 s at 10^5, per-job costs flat
# from 10^3 to 10^5, rank 0 <= 200 MB at 10^5. Peak RSS needs GNU time (/usr/bin/time,
# Debian package `time`); without it the column shows "-".
# Usage: bash cluster/bench/scale.sh [SIZES...]   (default: 1000 10000 100000; a size is
# 10 x B or 100 x B jobs)
set -euo pipefail
cd "$(dirname "$0")/../.."
binary=${TUNEGRID:-build/tunegrid}
experiment=experiments/bench/noop-scale.toml
work=$(mktemp -d /tmp/tunegrid-scale-XXXXXX)
trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1000 10000 100000)

axis() { seq -s, 0 $(($1 - 1)) | sed 's/^/[/; s/$/]/'; }
field() { sed -n "s/.*\"$1\": \([0-9.e+-]*\).*/\1/p" "$2"; }
now() { date +%s.%N; }
# timed NAME CMD...: runs CMD, leaves seconds in $NAME.seconds and peak RSS (KB) in $NAME.rss
timed() {
  local name=$1; shift
  local start; start=$(now)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f %M -o "$work/$name.rss" "$@" >"$work/$name.out" 2>&1
  else
    "$@" >"$work/$name.out" 2>&1; echo - >"$work/$name.rss"
  fi
  awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.3f\n", b - a }' >"$work/$name.seconds"
}
mb() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.0f", k / 1024 }'; }

printf '%-8s %8s %13s %10s %15s %8s %9s %10s %10s %10s %12s\n' jobs "jobs/s" "max pause ms" "index wr" \
  "longest wr ms" "run MB" "rerun s" "rerun MB" "status s" "µs / job" "bytes / job"
base_jobs=""; base_rss=""
for n in "${sizes[@]}"; do
  a=10; [ "$n" -ge 100000 ] && a=100
  out="$work/out-$n"
  sets=(--set "grid.a=$(axis "$a")" --set "grid.b=$(axis $((n / a)))")
  timed run "$binary" run "$experiment" "${sets[@]}" --out "$out"
  cp "$out/logs/run-summary.json" "$work/run.json"
  timed rerun "$binary" run "$experiment" "${sets[@]}" --out "$out"
  timed status "$binary" status "$out"
  [ "$(field done_now "$work/run.json")" -eq "$n" ] || { echo "the run of $n jobs did not do them all" >&2; exit 1; }
  [ "$(field done_now "$out/logs/run-summary.json")" -eq 0 ] || { echo "the rerun of $n jobs ran some again" >&2; exit 1; }
  [ "$(field index_writes "$out/logs/run-summary.json")" -eq 0 ] || { echo "the rerun wrote the index" >&2; exit 1; }
  run_rss=$(cat "$work/run.rss")
  [ -z "$base_jobs" ] && { base_jobs=$n; base_rss=$run_rss; }
  per_job="-"
  [ "$run_rss" != "-" ] && [ "$n" -gt "$base_jobs" ] && per_job=$(((run_rss - base_rss) * 1024 / (n - base_jobs)))
  printf '%-8s %8.0f %13.1f %10s %15.1f %8s %9s %10s %10s %10.1f %12s\n' "$n" "$(field jobs_per_second "$work/run.json")" \
    "$(awk -v s="$(field dispatch_max_seconds "$work/run.json")" 'BEGIN { print s * 1e3 }')" \
    "$(field index_writes "$work/run.json")" \
    "$(awk -v s="$(field index_write_max_seconds "$work/run.json")" 'BEGIN { print s * 1e3 }')" "$(mb "$run_rss")" \
    "$(cat "$work/rerun.seconds")" "$(mb "$(cat "$work/rerun.rss")")" "$(cat "$work/status.seconds")" \
    "$(awk -v s="$(cat "$work/run.seconds")" -v n="$n" 'BEGIN { print s / n * 1e6 }')" "$per_job"
done
