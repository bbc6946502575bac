# preempt_and_resume.sh — SIGUSR2 mid-run (what Slurm's warning signal becomes): the run
# stops handing out jobs, running jobs stop at a step boundary, exit 3, and a rerun carries
# on: every job done once, none failed.
#   1. USR2 to mpirun (forwarded to every rank) during noop jobs.
#   2. USR2 to one worker rank only: the whole run stops all the same.
#   3. USR2 to rank 0 only during LoRA training on two ranks: both jobs (the other rank
#      learns it from rank 0) checkpoint at the step they reached, though checkpointing_steps
#      is 0; the rerun resumes them there and on the CPU the final weights and losses equal
#      an uninterrupted run's bit for bit; the stop checkpoints are removed at the end.
#   4. USR2 to rank 1 only during the same training: rank 0's own job stops too.
#   5. USR2 while tunegrid still starts up — 0.1 s after launch to tunegrid alone, and to
#      both ranks the moment mpirun has started them: exit 3, never death by the signal
#      (exit 140), and nothing written. (mpirun itself, signalled before it can forward,
#      dies of it; `tunegrid slurm`'s script requeues that case too.)
source "$(dirname "$0")/../lib.sh"

check_all_done_once() {  # check_all_done_once OUT N
  [ "$(shard_count "$1")" -eq "$2" ] || fail "$1: $(shard_count "$1") shards, expected $2"
  for shard in "$1"/jobs/*.h5; do
    [ "$(h5_attribute "$shard" /status)" = done ] && [ "$(h5_attribute "$shard" /attempt)" = 1 ] \
      || fail "$shard: $(h5_attribute "$shard" /status), attempt $(h5_attribute "$shard" /attempt)"
  done
}

write_noop_study "$WORK/slow.toml" 300

# 1. USR2 to mpirun.
out="$WORK/all"
mpirun -np 3 --oversubscribe "$TUNEGRID" run "$WORK/slow.toml" --out "$out" >"$WORK/all.out" 2>&1 &
launcher=$!  # mpirun itself, not a subshell
wait_shards "$out" 4 || fail "no shards appeared"
kill -USR2 "$launcher"
wait "$launcher"; status=$?
before=$(shard_count "$out")
[ "$status" -eq 3 ] && grep -q "stopped by SIGUSR2" "$WORK/all.out" && pass "USR2 to mpirun: exit 3 with $before of 24 shards" \
  || { fail "USR2 to mpirun: exit $status"; sed 's/^/    /' "$WORK/all.out" >&2; }
[ "$before" -lt 24 ] || fail "the signal came after the end"
run_capture all-rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 all-rerun && expect_output all-rerun "$((24 - before)) done now, $before kept" && pass "rerun finishes the rest"
check_all_done_once "$out" 24

# 2. USR2 to world rank 2 only.
out="$WORK/one"
mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out" >"$WORK/one.out" 2>&1 &
launcher=$!
wait_shards "$out" 4 || fail "no shards appeared"
pid=$(rank_pid 2 "$out")
[ -n "$pid" ] && kill -USR2 "$pid" || fail "rank 2 not found"
wait "$launcher"; status=$?
[ "$status" -eq 3 ] && pass "USR2 to one worker rank stops the run (exit 3, $(shard_count "$out") shards)" \
  || { fail "USR2 to rank 2: exit $status"; sed 's/^/    /' "$WORK/one.out" >&2; }
run_capture one-rerun mpirun_np 3 "$TUNEGRID" run "$WORK/slow.toml" --out "$out"
expect_status 0 one-rerun && pass "rerun finishes"
check_all_done_once "$out" 24

# 3. Fine-tuning stopped at a step boundary, resumed bitwise.
cat >"$WORK/lora.toml" <<TOML
[run]
retries = 0
[grid]
seed = [1, 2]
[jobs.lora]
kind = "finetune.lora"
[jobs.lora.params]
model = "$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
data = "builtin:scenes?style=hanok&count=4&seed=3"
max_train_steps = ${TUNEGRID_TEST_LORA_STEPS:-150}
train_batch_size = 2
rank = 2
TOML
# stop_rank_while_training NAME RANK: the LoRA study on 2 ranks, USR2 to one rank once both
# train; leaves the exit code in $status and the store in $WORK/NAME.
stop_rank_while_training() {
  local out="$WORK/$1" launcher pid
  mpirun_np 2 "$TUNEGRID" run "$WORK/lora.toml" --out "$out" >"$WORK/$1.out" 2>&1 &
  launcher=$!
  for _ in $(seq 1 600); do
    [ "$(find "$out/artifacts" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)" -ge 2 ] && break
    sleep 0.05
  done
  sleep 1  # both ranks are training now
  pid=$(rank_pid "$2" "$out")
  [ -n "$pid" ] && kill -USR2 "$pid" || fail "rank $2 not found"
  wait "$launcher"; status=$?
}

run_capture reference mpirun_np 2 "$TUNEGRID" run "$WORK/lora.toml" --out "$WORK/reference"
expect_status 0 reference && pass "uninterrupted LoRA runs"
out="$WORK/cut"
stop_rank_while_training cut 0
[ "$status" -eq 3 ] && [ "$(shard_count "$out")" -eq 0 ] && pass "USR2 to rank 0 stops both training jobs (exit 3, no shard)" \
  || { fail "cut: exit $status, $(shard_count "$out") shards"; sed 's/^/    /' "$WORK/cut.out" >&2; }
checkpoints=$(find "$out/artifacts" -path '*/checkpoints/step-*/state.safetensors' | wc -l)
[ "$checkpoints" -eq 2 ] && pass "each job checkpointed where it stopped" || fail "$checkpoints stop checkpoints, expected 2"
grep -q "a stop notice from rank 0" "$out/logs/rank-1.log" && pass "rank 1 stopped on rank 0's notice" \
  || { fail "rank 1 did not stop on the notice"; sed 's/^/    /' "$out/logs/rank-1.log" >&2; }
run_capture resumed mpirun_np 2 "$TUNEGRID" run "$WORK/lora.toml" --out "$out"
expect_status 0 resumed && expect_output resumed "2 done now" && pass "rerun finishes both"
for shard in "$out"/jobs/*.h5; do
  id=$(basename "$shard" .h5)
  step=$(h5dump -d /metrics/resumed_from_step "$shard" | sed -n 's/^ *(0): \([0-9.]*\).*/\1/p')
  awk -v s="$step" 'BEGIN { exit !(s > 0) }' && pass "$id resumed from step $step" || fail "$id did not resume (step '$step')"
  for file in pytorch_lora_weights.safetensors lora_kohya.safetensors; do
    cmp -s "$WORK/reference/artifacts/$id/$file" "$out/artifacts/$id/$file" || fail "$id: $file differs from the uninterrupted run's"
  done
  [ "$(h5dump -d /loss "$shard" | grep -v HDF5)" = "$(h5dump -d /loss "$WORK/reference/jobs/$id.h5" | grep -v HDF5)" ] \
    || fail "$id: loss curve differs from the uninterrupted run's"
  [ ! -e "$out/artifacts/$id/checkpoints" ] || fail "$id: stop checkpoints left behind"
done
pass "resumed weights and losses equal the uninterrupted run's"

# 4. USR2 to rank 1 only: it tells rank 0, whose own training job stops as well.
out="$WORK/cut1"
stop_rank_while_training cut1 1
[ "$status" -eq 3 ] && [ "$(shard_count "$out")" -eq 0 ] && pass "USR2 to rank 1 stops rank 0's job too (exit 3, no shard)" \
  || { fail "cut at rank 1: exit $status, $(shard_count "$out") shards"; sed 's/^/    /' "$WORK/cut1.out" >&2; }
grep -q "stopped by a stop signal on another rank" "$out/logs/rank-0.log" && pass "rank 0's job stopped for rank 1's signal" \
  || { fail "rank 0's log does not say its job stopped for another rank's signal"; sed 's/^/    /' "$out/logs/rank-0.log" >&2; }

# 5. USR2 at 0.1 s, while tunegrid is still starting up.
early_stop() {  # early_stop NAME CMD...
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>&1 &
  local pid=$!
  sleep 0.1
  kill -USR2 "$pid"
  wait "$pid"; status=$?
  [ "$status" -eq 3 ] && pass "$name: USR2 at 0.1 s gives exit 3" \
    || { fail "$name: USR2 at 0.1 s gave exit $status"; sed 's/^/    /' "$WORK/$name.out" >&2; }
}
early_stop early-alone "$TUNEGRID" run "$WORK/lora.toml" --out "$WORK/early-alone"
[ ! -e "$WORK/early-alone/jobs" ] || [ "$(shard_count "$WORK/early-alone")" -eq 0 ] || fail "early-alone wrote shards"
out="$WORK/early-ranks"
mpirun_np 2 "$TUNEGRID" run "$WORK/lora.toml" --out "$out" >"$WORK/early-ranks.out" 2>&1 &
launcher=$!
ranks=""
for _ in $(seq 1 2000); do
  ranks=$(pgrep -f -- "run .* --out $out\$" | grep -vx "$launcher" | tr '\n' ' ')
  [ "$(echo $ranks | wc -w)" -ge 2 ] && break
  sleep 0.005
done
[ -n "$ranks" ] && kill -USR2 $ranks
wait "$launcher"; status=$?
[ "$status" -eq 3 ] && pass "USR2 to both ranks as they start: exit 3" \
  || { fail "USR2 to starting ranks: exit $status"; sed 's/^/    /' "$WORK/early-ranks.out" >&2; }
[ ! -e "$out/jobs" ] || [ "$(shard_count "$out")" -eq 0 ] || fail "early-ranks wrote shards"
finish
