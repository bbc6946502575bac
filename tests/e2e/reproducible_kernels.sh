# reproducible_kernels.sh — `[run] reproducible_kernels = true` (orchestrator/reproducible_kernels.h):
# a tiny study (a 4-step LoRA on the tiny-sd fixture, then 2 samples of its result) run with
# ATEN_CPU_CAPABILITY=avx2 and with =default in the environment writes bit-equal numbers and
# images — the losses, the final loss and the sampled pixels — and its shards record the
# kernels used (DEFAULT) and the mode; without the mode, the environment's kernels are used.
source "$(dirname "$0")/../lib.sh"
study="$WORK/study.toml"
cat >"$study" <<TOML
[experiment]
name = "kernels"
[jobs.lora]
kind = "finetune.lora"
[jobs.lora.params]
model = "$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
data = "builtin:scenes?style=hanok&count=4&seed=3"
train_batch_size = 2
max_train_steps = 4
learning_rate = 1e-3
[jobs.samples]
kind = "sample"
needs = ["lora"]
[jobs.samples.params]
finetuned = "lora"
prompt = "a {}"
images = 2
steps = 3
evaluate = false
TOML

# The numbers and images of a store, one text: every shard's /loss, /metrics/final_loss and /images.
numbers_of() {
  for shard in "$1"/jobs/*.h5; do
    for dataset in /loss /metrics/final_loss /images/samples; do
      h5dump -d "$dataset" "$shard" 2>/dev/null | tail -n +2
    done
  done
}
attribute() { h5dump -a "$2" "$1" 2>/dev/null | sed -n 's/^ *(0): "\(.*\)".*/\1/p' | head -1; }

for capability in avx2 default; do
  run_capture "pinned_$capability" env ATEN_CPU_CAPABILITY=$capability "$TUNEGRID" run "$study" \
    --set run.reproducible_kernels=true --out "$WORK/pinned-$capability"
  expect_status 0 "pinned_$capability" && pass "reproducible run under ATEN_CPU_CAPABILITY=$capability"
done
expect_output pinned_avx2 "ATEN_CPU_CAPABILITY=default (was avx2)" && pass "the mode names the override it replaced"
numbers_of "$WORK/pinned-avx2" >"$WORK/pinned-avx2.txt"
numbers_of "$WORK/pinned-default" >"$WORK/pinned-default.txt"
[ -s "$WORK/pinned-avx2.txt" ] && grep -q "(0,0,0,0)" "$WORK/pinned-avx2.txt" || fail "no images read from the shards"
cmp -s "$WORK/pinned-avx2.txt" "$WORK/pinned-default.txt" && pass "bit-equal losses and images whatever the environment asked" ||
  fail "reproducible mode: the stores differ ($(diff "$WORK/pinned-avx2.txt" "$WORK/pinned-default.txt" | head -3))"
shard=$(ls "$WORK"/pinned-avx2/jobs/*.h5 | head -1)
[ "$(attribute "$shard" /environment/cpu_capability)" = DEFAULT ] && [ "$(attribute "$shard" /environment/reproducible_kernels)" = 1 ] &&
  pass "shards record DEFAULT kernels and the mode" ||
  fail "$shard: cpu_capability '$(attribute "$shard" /environment/cpu_capability)', reproducible_kernels '$(attribute "$shard" /environment/reproducible_kernels)'"

# Without the mode the environment's choice stands (the default mode is free to use the fastest kernels).
run_capture free env ATEN_CPU_CAPABILITY=avx2 "$TUNEGRID" run "$study" --out "$WORK/free"
expect_status 0 free && shard=$(ls "$WORK"/free/jobs/*.h5 | head -1) &&
  [ "$(attribute "$shard" /environment/cpu_capability)" = AVX2 ] && pass "default mode: AVX2 kernels as asked" ||
  fail "default mode: cpu_capability '$(attribute "$shard" /environment/cpu_capability)'"
numbers_of "$WORK/free" | cmp -s - "$WORK/pinned-avx2.txt" && echo "note: AVX2 and portable kernels gave the same numbers here" ||
  echo "note: AVX2 kernels give other numbers than the portable ones here (what the mode removes)"
finish
