# flux_lora.sh — `finetune.flux_lora` end to end on the tiny FLUX fixture: a study trains a LoRA
# with Prodigy for 4 steps (a checkpoint at step 2), writes the peft and kohya files and
# finetune.json; `tunegrid sample` draws from the FLUX folder with each file merged, and the
# two files give the same image; on builtin:tiny-flux (test recipe) a study trains a LoRA and
# samples it in a `sample` stage; a Stable Diffusion model, a bad weighting scheme and a LoRA
# on the wrong family exit 2 naming what is wrong.
source "$(dirname "$0")/../lib.sh"
flux="$TUNEGRID_SOURCE/tests/fixtures/tiny-flux"
write_study() {  # write_study FILE MODEL [EXTRA PARAM LINE]
  cat >"$1" <<TOML
[jobs.lora]
kind = "finetune.flux_lora"
[jobs.lora.params]
model = "$2"
data = "builtin:scenes?style=hanok&count=4&seed=3"
resolution = 16
max_train_steps = 4
train_batch_size = 2
optimizer = "prodigy"
learning_rate = 1.0
lr_scheduler = "constant_with_warmup"
lr_warmup_steps = 2
rank = 2
max_sequence_length = 16
checkpointing_steps = 2
${3:-}
TOML
}
write_study "$WORK/flux.toml" "$flux"
run_capture train "$TUNEGRID" run "$WORK/flux.toml" --out "$WORK/run"
expect_status 0 train && pass "finetune.flux_lora trains"
art=$(ls -d "$WORK"/run/artifacts/*/ | head -1)
[ -f "$art/pytorch_lora_weights.safetensors" ] && [ -f "$art/lora_kohya.safetensors" ] && [ -f "$art/finetune.json" ] \
  && [ -f "$art/checkpoints/step-000002/state.safetensors" ] && pass "peft and kohya files, checkpoint" \
  || fail "FLUX LoRA artifacts missing"
grep -q '"method": "flux_lora"' "$art/finetune.json" || fail "finetune.json does not name flux_lora"

for file in pytorch_lora_weights lora_kohya; do
  run_capture "sample_$file" "$TUNEGRID" sample --model "$flux" --lora "$art/$file.safetensors" --prompt "a photo of a sks house" \
    --steps 3 --max-sequence-length 16 --seed 4 --out "$WORK/$file.png"
  expect_status 0 "sample_$file" && expect_output "sample_$file" "merged 30 transformer" && pass "samples with $file"
done
cmp -s "$WORK/pytorch_lora_weights.png" "$WORK/lora_kohya.png" && pass "peft and kohya files draw the same image" \
  || fail "peft and kohya files drew different images"

export TUNEGRID_CACHE="$WORK/cache"
write_study "$WORK/builtin.toml" "builtin:tiny-flux?recipe=test" "instance_text = \"sks\""
cat >>"$WORK/builtin.toml" <<TOML
[jobs.draw]
kind = "sample"
needs = ["lora"]
[jobs.draw.params]
finetuned = "lora"
prompt = "an aerial image of a {} house"
images = 2
steps = 3
true_cfg = 2.0
evaluate = false
TOML
run_capture builtin "$TUNEGRID" run "$WORK/builtin.toml" --out "$WORK/builtin"
expect_status 0 builtin && [ "$(shard_count "$WORK/builtin")" -eq 2 ] \
  && pass "a LoRA on builtin:tiny-flux, sampled by a sample stage" || fail "the builtin:tiny-flux study did not finish"
for shard in "$WORK"/builtin/jobs/*.h5; do
  if h5dump -a /kind "$shard" 2>/dev/null | grep -q '"sample"'; then
    h5dump -H -d /images/samples "$shard" | grep -q "( 2, 32, 32, 3 )" && pass "the sample stage drew 2 images of 32x32" \
      || fail "$shard: no 2 samples of 32x32"
  fi
done

write_study "$WORK/bad.toml" "$flux" 'weighting_scheme = "uniform"'
run_capture bad "$TUNEGRID" run "$WORK/bad.toml" --out "$WORK/bad"
expect_status 2 bad && expect_output bad "weighting_scheme" && pass "bad weighting_scheme named"
write_study "$WORK/sd.toml" "$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
run_capture sd "$TUNEGRID" run "$WORK/sd.toml" --out "$WORK/sd"
expect_status 1 sd && pass "a Stable Diffusion model fails the job" || fail "flux_lora on tiny-sd did not fail its job"
run_capture wrong_family "$TUNEGRID" sample --model "$TUNEGRID_SOURCE/tests/fixtures/tiny-sd" \
  --lora "$art/pytorch_lora_weights.safetensors" --prompt a --steps 2 --out "$WORK/z.png"
expect_status 2 wrong_family && pass "a FLUX LoRA on a Stable Diffusion model is refused"
finish
