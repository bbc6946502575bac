# smoke_np3.sh — the issue's "done when": `mpirun -np 3 tunegrid run experiments/smoke.toml`
# exits 0 with every job done exactly once and its metrics and timings in its shard; a
# second run does no work; rank groups; bad input under mpirun exits 2 on every rank; ranks
# that resolve different plans are refused before anything is written.
source "$(dirname "$0")/../lib.sh"
exp="$TUNEGRID_SOURCE/experiments/smoke.toml"
out="$WORK/smoke"

run_capture run mpirun_np 3 "$TUNEGRID" run "$exp" --out "$out"
expect_status 0 run && expect_output run "14 done now, 0 kept" && pass "np 3 run"
[ "$(shard_count "$out")" -eq 14 ] && pass "14 shards" || fail "expected 14 shards, found $(shard_count "$out")"
for shard in "$out"/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /attempt)" = 1 ] || fail "$shard: attempt $(h5_attribute "$shard" /attempt), expected 1"
  [ "$(h5_attribute "$shard" /status)" = done ] || fail "$shard: not done"
done
matmul=$(grep -l "bench.matmul" "$out"/jobs/*.h5 | head -1)
listing=$(h5dump -n "$matmul")
for member in /metrics/gflops_64 /metrics/gflops_256 /timings/matmul_128 /timings/total /timings/dispatch /params; do
  grep -q " $member\$" <<<"$listing" || fail "$matmul lacks $member"
done
pass "shards hold metrics and timings"
# A torch job's shard names the libtorch it computed with (and, on a GPU, the GPU and its libraries).
[ -n "$(h5_attribute "$matmul" /environment/libtorch)" ] && pass "shard records libtorch $(h5_attribute "$matmul" /environment/libtorch)" ||
  fail "$matmul: no /environment/libtorch"
ranks_used=$(for f in "$out"/jobs/*.h5; do h5_attribute "$f" /environment/world_rank; done | sort -u | wc -l)
[ "$ranks_used" -ge 2 ] && pass "jobs ran on $ranks_used ranks" || fail "all jobs ran on one rank"

run_capture again mpirun_np 3 "$TUNEGRID" run "$exp" --out "$out"
expect_status 0 again && expect_output again "0 done now, 14 kept" && pass "rerun does no work"

# One group of 3 ranks: every job runs on the whole group and its shard says ranks = 3.
run_capture groups mpirun_np 3 "$TUNEGRID" run "$exp" --profile quick --set run.ranks_per_job=3 --out "$WORK/groups"
expect_status 0 groups && expect_output groups "3 ranks in 1 groups" && pass "group of 3"
shard=$(ls "$WORK"/groups/jobs/*.h5 | head -1)
[ "$(h5_attribute "$shard" /ranks)" = 3 ] && pass "shard records ranks = 3" || fail "shard ranks = $(h5_attribute "$shard" /ranks)"

run_capture indivisible mpirun_np 3 "$TUNEGRID" run "$exp" --set run.ranks_per_job=2 --out "$WORK/indivisible"
expect_status 2 indivisible && expect_output indivisible "does not divide the 3 ranks" && pass "ranks_per_job must divide"
[ ! -e "$WORK/indivisible" ] || fail "indivisible: created its output directory"

# Ranks that resolve different plans: refused before rank 0 writes anything into DIR.
printf '[grid]\nn = [1, 2]\n[jobs.a]\nkind = "bench.noop"\n' >"$WORK/plan-a.toml"
printf '[grid]\nn = [1, 3]\n[jobs.a]\nkind = "bench.noop"\n' >"$WORK/plan-b.toml"
run_capture mismatch mpirun --oversubscribe -np 1 "$TUNEGRID" run "$WORK/plan-a.toml" --out "$WORK/mismatch" \
  : -np 1 "$TUNEGRID" run "$WORK/plan-b.toml" --out "$WORK/mismatch"
expect_status 2 mismatch && expect_output mismatch "resolved a different plan than rank 0" && {
  if [ -e "$WORK/mismatch" ]; then fail "mismatch: wrote into DIR: $(ls -A "$WORK/mismatch" | tr '\n' ' ')"; else pass "plan mismatch writes nothing"; fi
}

run_capture bad mpirun_np 3 "$TUNEGRID" run "$exp" --set run.retries=lots --out "$WORK/bad"
expect_status 2 bad && expect_output bad "--set 'run.retries=lots'" && pass "bad input under mpirun"
count=$(grep -c "tunegrid: error" "$WORK/bad.out")
[ "$count" -eq 1 ] && pass "one error message" || fail "error printed $count times"
finish
