# store_faults.sh — the store under faults, with the run going on around them:
#   a truncated shard found at start is reported and its job redone;
#   a second run on a DIR in use is refused with a message, the first finishes untouched;
#   a shard that cannot be written (a file-size limit: writes fail with EFBIG, as on a full
#   disk) fails its job with the reason and leaves the store intact; the rerun does it;
#   a job longer than [run] job_timeout fails with a clear message, retried after the
#   backoff; a fine-tuning job stops at its deadline at a step boundary.
source "$(dirname "$0")/../lib.sh"

cat >"$WORK/six.toml" <<'TOML'
[run]
retries = 0
[grid]
n = [1, 2, 3, 4, 5, 6]
[jobs.mm]
kind = "bench.matmul"
[jobs.mm.params]
sizes = [16]
repeats = 1
TOML

# 1. A truncated shard.
out="$WORK/truncated"
run_capture first mpirun_np 2 "$TUNEGRID" run "$WORK/six.toml" --out "$out"
expect_status 0 first || finish
victim=$(ls "$out"/jobs/*.h5 | head -1)
truncate -s 700 "$victim"
run_capture redo mpirun_np 2 "$TUNEGRID" run "$WORK/six.toml" --out "$out"
expect_status 0 redo && expect_output redo "$(basename "$victim")" && expect_output redo "its job runs again" \
  && expect_output redo "1 done now, 5 kept" && pass "a truncated shard is reported and its job redone"
[ "$(h5_attribute "$victim" /status)" = done ] && pass "the redone shard reads" || fail "$victim still unreadable"

# 2. Two runs on one DIR.
cat >"$WORK/slow.toml" <<'TOML'
[grid]
n = [1, 2, 3, 4, 5, 6, 7, 8]
[jobs.slow]
kind = "bench.noop"
[jobs.slow.params]
sleep_ms = 1000
TOML
out="$WORK/busy"
"$TUNEGRID" run "$WORK/slow.toml" --out "$out" >"$WORK/busy.out" 2>&1 &
first=$!
for _ in $(seq 1 200); do [ -d "$out/jobs" ] && [ "$(shard_count "$out")" -ge 1 ] && break; sleep 0.05; done
run_capture second "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 2 second && expect_output second "another run is using this output directory" \
  && pass "a second run on the same DIR is refused"
wait "$first"; status=$?
[ "$status" -eq 0 ] && [ "$(shard_count "$out")" -eq 8 ] && pass "the first run finishes untouched" \
  || fail "first run: exit $status, $(shard_count "$out") shards"

# 3. Shards that cannot be written: under a 10 KB file-size limit every small file gets
#    through (plan, logs, the index) but no matmul shard (13 KB): each write fails with
#    EFBIG as on a full disk. (MPI's own shared-memory files are kept out of the way: one
#    process needs neither PMIx's dstore nor the vader transport.)
cat >"$WORK/three.toml" <<'TOML'
[run]
retries = 1
retry_backoff = 0
[grid]
n = [1, 2, 3]
[jobs.mm]
kind = "bench.matmul"
[jobs.mm.params]
sizes = [16]
repeats = 1
TOML
out="$WORK/full"
run_capture full env PMIX_MCA_gds=hash OMPI_MCA_btl=self \
  bash -c "ulimit -f ${TUNEGRID_TEST_FSIZE_KB:-10} && exec '$TUNEGRID' run '$WORK/three.toml' --out '$out'"
expect_status 1 full && expect_output full "its shard could not be written" && expect_output full "File too large" \
  && expect_output full "0 done now, 0 kept from earlier runs, 3 failed" \
  && pass "unwritable shards fail their jobs with the reason; the run ends normally (exit 1)"
[ -z "$(find "$out/jobs" -name '.*')" ] && [ "$(shard_count "$out")" -eq 0 ] && pass "no partial shard left" \
  || fail "files left in jobs/: $(ls -A "$out/jobs")"
run_capture full-status "$TUNEGRID" status "$out"
expect_status 0 full-status && pass "the store still reads"
run_capture full-rerun "$TUNEGRID" run "$WORK/three.toml" --out "$out"
expect_status 0 full-rerun && expect_output full-rerun "3 done now" && pass "the rerun, with room, writes them"

# 4. Job timeouts, with retries after a backoff.
cat >"$WORK/late.toml" <<'TOML'
[run]
retries = 1
retry_backoff = 1
job_timeout = 0.3
[jobs.late]
kind = "bench.noop"
[jobs.late.params]
sleep_ms = 600
TOML
start=$(date +%s.%N)
run_capture late "$TUNEGRID" run "$WORK/late.toml" --out "$WORK/late" -v
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
expect_status 1 late && expect_output late "longer than the job timeout of 0.3 s" && expect_output late "retrying" \
  && pass "a job past job_timeout fails, retried once"
shard=$(ls "$WORK"/late/jobs/*.h5)
[ "$(h5_attribute "$shard" /attempt)" = 2 ] && h5dump -d /error "$shard" | grep -q "job_timeout" \
  && pass "its failed shard says so" || fail "failed shard: attempt $(h5_attribute "$shard" /attempt)"
awk -v t="$took" 'BEGIN { exit !(t >= 2.2) }' && pass "the retry waited for its backoff (run took $took s)" \
  || fail "run took $took s: two 0.6 s attempts and a 1 s backoff need 2.2 s"

cat >"$WORK/long.toml" <<TOML
[run]
retries = 0
job_timeout = 3
[jobs.lora]
kind = "finetune.lora"
[jobs.lora.params]
model = "$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
data = "builtin:scenes?style=hanok&count=2&seed=3"
max_train_steps = 1000000
train_batch_size = 1
TOML
start=$(date +%s)
run_capture long "$TUNEGRID" run "$WORK/long.toml" --out "$WORK/long"
took=$(( $(date +%s) - start ))
expect_status 1 long && expect_output long "ran longer than the job timeout of 3 s" && [ "$took" -lt 60 ] \
  && pass "a fine-tuning job stops at its deadline (after $took s) with a checkpoint" 
[ -n "$(find "$WORK/long/artifacts" -name state.safetensors)" ] || fail "no checkpoint at the deadline"
finish
