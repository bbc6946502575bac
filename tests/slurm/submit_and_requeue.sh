# submit_and_requeue.sh — tunegrid on a real one-node Slurm (label slurm): the issue's
# "done when". `tunegrid slurm --dry-run` prints the batch script; experiments/smoke.toml
# submitted with `tunegrid slurm --submit` completes in the allocation (mpirun inside it)
# with every shard done and the Slurm job recorded in each shard; then a slower study is
# sent `scancel --signal=USR2 --batch` mid-run: the batch script forwards the signal,
# tunegrid stops (exit 3), the script requeues the job, and the requeued start finishes
# it — every job done exactly once, those after the requeue recorded with restart 1.
# Skips (77) with the reason when the Slurm daemons cannot run on this machine.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/local_slurm.sh"
local_slurm_start
started=$?
[ "$started" -eq 0 ] || { rm -rf "$WORK"; exit "$started"; }
trap 'local_slurm_stop; rm -rf "$WORK"' EXIT

ranks=$(( $(nproc) >= 2 ? 2 : 1 ))
cat >"$WORK/site.toml" <<TOML
launcher = "mpirun"
tasks_per_node = $ranks
time = "00:10:00"
max_requeues = 2
mpirun_args = ["--oversubscribe", "--bind-to", "none"]
setup = ["export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none"]
TOML

# wait_for_job ID SECONDS — until Slurm no longer lists the job as pending or running.
# Slurm holds a requeued job back for 120 s (BeginTime) so that its node has finished with
# the first start (slurmd refuses a launch while the old step lives, or with a credential
# from the second it revoked the old one). The test shortens the hold once, to 3 s, not to
# "now": a start in the same second failed once in CI (FAILED 1:0, nothing in the log).
wait_for_job() {
  local id=$1 limit=$2 state shortened=0
  for _ in $(seq 1 $((limit * 2))); do
    state=$(squeue -h -j "$id" -o '%T %r' 2>/dev/null)
    case "$state" in ""|COMPLETED*|FAILED*|CANCELLED*|TIMEOUT*|NODE_FAIL*|OUT_OF_MEMORY*) return 0 ;; esac
    if [ "$shortened" = 0 ] && [[ "$state" == *BeginTime* ]]; then
      scontrol update jobid="$id" StartTime=now+3 >/dev/null 2>&1 && shortened=1
    fi
    sleep 0.5
  done
  fail "job $id still '$state' after $limit s"; scontrol show job "$id" >&2; return 1
}
# slurm_diagnostics ID — what Slurm itself says about job ID, printed with a failed check.
slurm_diagnostics() {
  echo "    --- scontrol show job $1" >&2; scontrol show job "$1" 2>&1 | sed 's/^/    /' >&2
  local f
  for f in "$SLURM_DIR/slurmctld.log" "$SLURM_DIR/slurmd.log"; do
    echo "    --- last lines of $(basename "$f")" >&2; tail -25 "$f" 2>&1 | sed 's/^/    /' >&2
  done
}
job_field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1; }

exp="$TUNEGRID_SOURCE/experiments/smoke.toml"
run_capture dry "$TUNEGRID" slurm "$exp" --out "$WORK/smoke" --site "$WORK/site.toml" --dry-run
expect_status 0 dry && expect_output dry "#SBATCH --signal=B:USR2@120" && expect_output dry "#SBATCH --requeue" \
  && pass "dry run prints the script"
[ ! -e "$WORK/smoke" ] && pass "dry run writes nothing" || fail "dry run created $WORK/smoke"

# 1. The smoke study through sbatch.
id=$("$TUNEGRID" slurm "$exp" --out "$WORK/smoke" --site "$WORK/site.toml" --submit 2>"$WORK/submit.err")
[ -f "$WORK/smoke/submit.sbatch" ] && [[ "$id" =~ ^[0-9]+$ ]] && grep -q "submitted job $id" "$WORK/submit.err" \
  && pass "submitted job $id" || { fail "no job id: '$id' $(cat "$WORK/submit.err")"; finish; }
wait_for_job "$id" 180
log="$WORK/smoke/logs/slurm-$id.out"
[ "$(job_field "$id" JobState)" = COMPLETED ] && [ "$(job_field "$id" ExitCode)" = 0:0 ] && pass "job $id completed" \
  || { fail "job $id: $(job_field "$id" JobState) exit $(job_field "$id" ExitCode)"; cat "$log" >&2; slurm_diagnostics "$id"; }
[ "$(shard_count "$WORK/smoke")" -eq 14 ] && pass "14 shards" || fail "$(shard_count "$WORK/smoke") shards, expected 14"
for shard in "$WORK"/smoke/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /status)" = done ] || fail "$shard not done"
  [ "$(h5_attribute "$shard" /environment/slurm_job_id)" = "$id" ] || fail "$shard: slurm_job_id $(h5_attribute "$shard" /environment/slurm_job_id)"
done
pass "every shard done and records Slurm job $id"
grep -q "Slurm job $id" "$WORK/smoke/logs/rank-0.log" && pass "the run's log names the Slurm job" || fail "rank-0.log lacks the Slurm job"
grep -q "tunegrid exited with 0" "$log" || fail "$log lacks the exit status"

# 2. Preempted mid-run with USR2 to the batch shell, requeued by the script, finished.
cat >"$WORK/slow.toml" <<'TOML'
[run]
retries = 0
[grid]
n = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]
[jobs.slow]
kind = "bench.noop"
[jobs.slow.params]
sleep_ms = 400
TOML
out="$WORK/slow"
id=$("$TUNEGRID" slurm "$WORK/slow.toml" --out "$out" --site "$WORK/site.toml" --submit 2>"$WORK/submit2.err")
[[ "$id" =~ ^[0-9]+$ ]] || { fail "second submission: $(cat "$WORK/submit2.err")"; finish; }
for _ in $(seq 1 600); do
  [ -d "$out/jobs" ] && [ "$(shard_count "$out")" -ge 4 ] && break
  sleep 0.1
done
before=$(shard_count "$out")
scancel --signal=USR2 --batch "$id" && pass "USR2 sent to job $id's batch shell with $before shards done"
wait_for_job "$id" 240
log="$out/logs/slurm-$id.out"
grep -q "tunegrid exited with 3" "$log" && grep -q "requeueing job $id" "$log" && grep -q "stopped by SIGUSR2" "$log" \
  && pass "tunegrid stopped on the signal (exit 3) and the script requeued the job" \
  || { fail "no stop and requeue in $log"; sed 's/^/    /' "$log" >&2; }
[ "$(job_field "$id" Restarts)" = 1 ] && [ "$(job_field "$id" JobState)" = COMPLETED ] \
  && [ "$(job_field "$id" ExitCode)" = 0:0 ] && pass "requeued once, then completed" \
  || { fail "job $id: restarts $(job_field "$id" Restarts), $(job_field "$id" JobState), exit $(job_field "$id" ExitCode)"; sed 's/^/    /' "$log" >&2; slurm_diagnostics "$id"; }
grep -qE "[1-9][0-9]* kept from earlier runs" "$log" && pass "the requeued start resumed" || fail "the requeued start did not resume"
[ "$(shard_count "$out")" -eq 30 ] && pass "30 shards" || fail "$(shard_count "$out") shards, expected 30"
first=0; second=0
for shard in "$out"/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /status)" = done ] && [ "$(h5_attribute "$shard" /attempt)" = 1 ] || fail "$shard: $(h5_attribute "$shard" /status) attempt $(h5_attribute "$shard" /attempt)"
  case "$(h5_attribute "$shard" /environment/slurm_restart_count)" in
    0) first=$((first + 1)) ;; 1) second=$((second + 1)) ;; *) fail "$shard: restart count $(h5_attribute "$shard" /environment/slurm_restart_count)" ;;
  esac
done
[ "$first" -ge "$before" ] && [ "$second" -ge 1 ] && [ $((first + second)) -eq 30 ] \
  && pass "every job done once: $first before the requeue, $second after" || fail "before $first, after $second"
[ -z "$(find "$out/jobs" -name '.*')" ] || fail "partial shards left"
finish
