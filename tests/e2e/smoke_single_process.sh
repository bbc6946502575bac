# smoke_single_process.sh — the smoke study alone (no mpirun): plan, run, status, index,
# and a second run that does no work.
source "$(dirname "$0")/../lib.sh"
exp="$TUNEGRID_SOURCE/experiments/smoke.toml"
out="$WORK/smoke"

run_capture plan "$TUNEGRID" plan "$exp" --profile quick
expect_status 0 plan && expect_output plan "6 jobs (warmup 2, matmul 4), 4 dependencies" && pass plan

run_capture run "$TUNEGRID" run "$exp" --profile quick --out "$out"
expect_status 0 run && expect_output run "6 done now, 0 kept" && pass run
[ "$(shard_count "$out")" -eq 6 ] && pass "6 shards" || fail "expected 6 shards, found $(shard_count "$out")"
[ -f "$out/plan.toml" ] && grep -q -- "--profile quick" "$out/plan.toml" && pass plan.toml || fail "plan.toml missing or unresolved"
links=$(h5dump -n "$out/results.h5" | grep -c 'ext link')
[ "$links" -eq 6 ] && pass "index links 6 shards" || fail "index has $links links"
# run.lock stays (removing it would let two runs lock different files) but is not held.
flock -n "$out/run.lock" true && pass "lock released" || fail "run.lock still held"
[ ! -s "$out/run.lock" ] && pass "released lock names no holder" || fail "run.lock still names a holder: $(cat "$out/run.lock")"

run_capture status "$TUNEGRID" status "$out"
expect_status 0 status && expect_output status "6 shards — 6 done, 0 failed, 0 unreadable" && pass status

run_capture again "$TUNEGRID" run "$exp" --profile quick --out "$out"
expect_status 0 again && expect_output again "0 done now, 6 kept from earlier runs" && pass "rerun does no work"

# The resolved plan.toml is itself a valid experiment with the same jobs.
run_capture replan "$TUNEGRID" plan "$out/plan.toml"
expect_status 0 replan && expect_output replan "6 jobs (warmup 2, matmul 4)" && pass "plan.toml replans"
# bench.matmul's `threads` is process-wide in libtorch: a later job of the same process must
# see the thread count it would have seen alone, not the earlier job's.
cat >"$WORK/threads.toml" <<'TOML'
[jobs.second]
kind = "bench.matmul"
[jobs.second.params]
sizes = [8]
repeats = 1
warmup = 0
TOML
threads_of() {  # threads_of STORE STAGE — the /metrics/threads of that stage's shard
  local shard
  for shard in "$1"/jobs/*.h5; do
    if h5dump -a /spec "$shard" 2>/dev/null | grep -q "stage = '$2'"; then
      h5dump -d /metrics/threads "$shard" 2>/dev/null | sed -n 's/^ *(0): //p'
      return
    fi
  done
}
run_capture threads_alone "$TUNEGRID" run "$WORK/threads.toml" --out "$WORK/threads-alone"
expect_status 0 threads_alone
alone=$(threads_of "$WORK/threads-alone" second)
alone=${alone%.*}
if [ -z "$alone" ]; then
  fail "threads: no /metrics/threads in the shard of the job run alone"
else
  first=$((alone + 1))
  cat >"$WORK/threads.toml" <<TOML
[jobs.second]
kind = "bench.matmul"
needs = ["first"]
[jobs.second.params]
sizes = [8]
repeats = 1
warmup = 0
[jobs.first]
kind = "bench.matmul"
[jobs.first.params]
sizes = [8]
repeats = 1
warmup = 0
threads = $first
TOML
  run_capture threads_after "$TUNEGRID" run "$WORK/threads.toml" --out "$WORK/threads-after"
  expect_status 0 threads_after
  got_first=$(threads_of "$WORK/threads-after" first)
  got_second=$(threads_of "$WORK/threads-after" second)
  [ "${got_first%.*}" = "$first" ] || fail "threads: the job with threads = $first ran with ${got_first:-?}"
  [ "${got_second%.*}" = "$alone" ] && pass "threads do not leak into later jobs" ||
    fail "threads: a job after one with threads = $first ran with ${got_second:-?} threads, alone with $alone"
fi
finish
