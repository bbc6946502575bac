# data_parallel.sh — data-parallel training inside a rank group.
#  1. test_data_parallel under mpirun -np 2 (one group of 2) and -np 4 (two groups of 2 side by
#     side): 2-rank LoRA and DreamBooth equal 1-rank training, replicas identical after the
#     broadcast, the MPI collectives; the NCCL test skips without a GPU.
#  2. The issue's "done when" on the test-recipe models: the Hanok study's LoRA jobs under
#     `mpirun -np 2 ... --set run.ranks_per_job=2` finish with shards that record ranks = 2.
source "$(dirname "$0")/../lib.sh"
: "${TEST_DATA_PARALLEL:?set TEST_DATA_PARALLEL to the test_data_parallel binary}"
export TUNEGRID_CACHE="${TUNEGRID_CACHE:-$WORK/cache}"

for n in 2 4; do
  run_capture "np$n" mpirun_np "$n" "$TEST_DATA_PARALLEL" --log_level=test_suite
  expect_status 0 "np$n" && pass "test_data_parallel on $n ranks"
  grep -h "max |2 ranks - 1 rank|" "$WORK/np$n.out" | sort -u | sed 's/^/    /'
done
grep -q "no GPU visible" "$WORK/np2.out" && pass "the NCCL test skips without a GPU (message shown)"

out="$WORK/hanok"
run_capture study mpirun_np 2 "$TUNEGRID" run "$TUNEGRID_SOURCE/experiments/hanok-fire.toml" --profile test \
  --set run.ranks_per_job=2 --set 'grid.method=["lora"]' --set 'grid.train_images=[2]' --out "$out"
expect_status 0 study && expect_output study "1 groups" && pass "hanok-fire LoRA on a group of 2"
lora=0
for shard in "$out"/jobs/*.h5; do
  [ "$(h5_attribute "$shard" /ranks)" = 2 ] || fail "$shard: ranks $(h5_attribute "$shard" /ranks), expected 2"
  [ "$(h5_attribute "$shard" /kind)" = finetune.lora ] && lora=$((lora + 1))
done
[ "$lora" -eq 1 ] && pass "one LoRA job, every shard with ranks = 2" || fail "expected 1 finetune.lora shard, found $lora"
finish
