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
[ ! -e "$out/run.lock" ] && pass "lock released" || fail "run.lock left behind"

run_capture status "$TUNEGRID" status "$out"
expect_status 0 status && expect_output status "6 shards — 6 done, 0 failed, 0 unreadable" && pass status

run_capture again "$TUNEGRID" run "$exp" --profile quick --out "$out"
expect_status 0 again && expect_output again "0 done now, 6 kept from earlier runs" && pass "rerun does no work"

# The resolved plan.toml is itself a valid experiment with the same jobs.
run_capture replan "$TUNEGRID" plan "$out/plan.toml"
expect_status 0 replan && expect_output replan "6 jobs (warmup 2, matmul 4)" && pass "plan.toml replans"
finish
