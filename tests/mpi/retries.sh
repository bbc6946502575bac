# retries.sh — a job that fails once is retried (on another group) and succeeds; a job that
# always fails becomes a failed shard with its error, what needs it is skipped, the run
# goes on, and the exit code is 1.
source "$(dirname "$0")/../lib.sh"

cat >"$WORK/flaky.toml" <<'TOML'
[run]
retries = 1
[grid]
n = [1, 2, 3, 4, 5, 6]
[jobs.flaky]
kind = "bench.noop"
[jobs.flaky.params]
fail_attempts = 1
sleep_ms = 20
TOML
run_capture flaky mpirun_np 3 "$TUNEGRID" run "$WORK/flaky.toml" --out "$WORK/flaky"
expect_status 0 flaky && expect_output flaky "6 done now" && pass "flaky jobs succeed on retry"
for shard in "$WORK"/flaky/jobs/*.h5; do
  id=$(basename "$shard" .h5)
  [ "$(h5_attribute "$shard" /attempt)" = 2 ] || fail "$id: attempt $(h5_attribute "$shard" /attempt), expected 2"
  failed_group=$(grep -h "job $id .* attempt 1 failed on group" "$WORK"/flaky/logs/rank-0.log | sed 's/.*failed on group \([0-9]*\).*/\1/')
  ran_on=$(h5_attribute "$shard" /environment/world_rank)
  [ -n "$failed_group" ] && [ "$failed_group" != "$ran_on" ] || fail "$id: retry ran on rank $ran_on, first attempt failed on group $failed_group"
done
pass "retries ran on another group"

cat >"$WORK/broken.toml" <<'TOML'
[run]
retries = 1
[grid]
n = [1, 2]
[jobs.first]
kind = "bench.noop"
over = ["n"]
[jobs.then]
kind = "bench.noop"
needs = ["first"]
[jobs.first.params]
fail_attempts = 99
[jobs.other]
kind = "bench.noop"
TOML
run_capture broken mpirun_np 2 "$TUNEGRID" run "$WORK/broken.toml" --set 'grid.n=[1]' --out "$WORK/broken"
expect_status 1 broken && expect_output broken "1 done now, 0 kept from earlier runs, 1 failed, 1 skipped" && pass "failure skips dependents, exit 1"
failed=$(grep -l '"failed"' "$WORK"/broken/jobs/*.h5 2>/dev/null; for f in "$WORK"/broken/jobs/*.h5; do [ "$(h5_attribute "$f" /status)" = failed ] && echo "$f"; done | sort -u | head -1)
if [ -n "$failed" ]; then
  h5dump -d /error "$failed" | grep -q "fails on purpose" && pass "failed shard holds its error" || fail "no /error in $failed"
  [ "$(h5_attribute "$failed" /attempt)" = 2 ] || fail "failed shard attempt $(h5_attribute "$failed" /attempt), expected 2"
else
  fail "no failed shard written"
fi
run_capture status "$TUNEGRID" status "$WORK/broken"
expect_output status "fails on purpose" && pass "status lists the failure"

# Rerunning retries the failed job (attempt numbering goes on) and still fails.
run_capture rerun "$TUNEGRID" run "$WORK/broken.toml" --set 'grid.n=[1]' --out "$WORK/broken"
expect_status 1 rerun && expect_output rerun "1 kept from earlier runs, 1 failed" && pass "rerun retries failed jobs"
failed=$(for f in "$WORK"/broken/jobs/*.h5; do [ "$(h5_attribute "$f" /status)" = failed ] && echo "$f"; done | head -1)
[ "$(h5_attribute "$failed" /attempt)" = 4 ] && pass "attempts counted across runs" || fail "attempt $(h5_attribute "$failed" /attempt), expected 4"
finish
