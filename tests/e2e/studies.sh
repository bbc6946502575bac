# studies.sh — the papers' study files end to end on the "test" recipe models in a fresh
# cache: experiments/hanok-fire.toml (4 methods × 2 training-set sizes × 3 prompts, plus the
# base model), experiments/custom-diffusion.toml (3 single-concept methods, joint and merged
# two-concept Custom Diffusion × 4 prompts) and experiments/datadream.toml (per-class and
# per-dataset LoRAs fanning in to generation, CLIP-LoRA classifiers on real, synthetic and
# both) finish with every job done, and `tunegrid report` on each store prints the
# paper-shaped tables (Markdown) and writes a self-contained HTML report; the Hanok store's
# tables show the paper's published values.
source "$(dirname "$0")/../lib.sh"
export TUNEGRID_CACHE="$WORK/cache"
exp="$TUNEGRID_SOURCE/experiments"

# hanok-fire, profile test: train_images = [2, 3]: 8 finetune + 24 sample + 3 base-model jobs.
run_capture hanok "$TUNEGRID" run "$exp/hanok-fire.toml" --profile test --out "$WORK/hanok"
expect_status 0 hanok && [ "$(shard_count "$WORK/hanok")" -eq 35 ] && pass "hanok-fire: 35 jobs done" \
  || fail "hanok-fire did not finish 35 jobs ($(shard_count "$WORK/hanok"))"
run_capture hanok_report "$TUNEGRID" report "$WORK/hanok"
expect_status 0 hanok_report && expect_output hanok_report "in the fire" && \
  expect_output hanok_report "Textual Inversion" && expect_output hanok_report "published" && pass "hanok report"
run_capture hanok_html "$TUNEGRID" report "$WORK/hanok" --format html --out "$WORK/hanok.html"
expect_status 0 hanok_html && [ -s "$WORK/hanok.html" ] && pass "hanok html report" || fail "no html report"

# One method narrowed by --set: the other methods' stages plan no jobs.
run_capture plan_lora "$TUNEGRID" plan "$exp/hanok-fire.toml" --set 'grid.method=["lora"]' --set 'grid.train_images=[5]'
expect_status 0 plan_lora && expect_output plan_lora "lora 1" && expect_output plan_lora "textual_inversion 0" \
  && pass "grid.method narrows the plan to LoRA"

# Over two pretrainings of the base model: each LoRA trains on its own builtin:tiny-sd?seed=N
# (two cache entries), and the report pools the pretrainings into one cell (n=2).
run_capture pretrain_seeds "$TUNEGRID" run "$exp/hanok-fire.toml" --profile test --out "$WORK/pretrain-seeds" \
  --set 'grid.method=["lora"]' --set 'grid.train_images=[2]' --set 'grid.prompt=["{} in the fire"]' \
  --set 'grid.pretrain_seed=[0, 1]'
expect_status 0 pretrain_seeds && [ "$(shard_count "$WORK/pretrain-seeds")" -eq 6 ] \
  && pass "hanok-fire over pretrain_seed 0, 1: 6 jobs done" || fail "$(shard_count "$WORK/pretrain-seeds") shards, expected 6"
models=""
for shard in "$WORK"/pretrain-seeds/jobs/*.h5; do
  spec=$(h5dump -a /spec "$shard" 2>/dev/null)
  grep -q "kind = 'finetune.lora'" <<<"$spec" && models+="$(grep -o "builtin:tiny-sd?recipe=test&seed=[0-9]*" <<<"$spec" | head -1) "
done
[ "$(tr ' ' '\n' <<<"$models" | sort -u | grep -c .)" -eq 2 ] && pass "the two LoRA jobs train on seed 0's and seed 1's model" \
  || fail "LoRA base models: '$models'"
[ "$(find "$TUNEGRID_CACHE" -maxdepth 1 -type d -name 'tiny-sd-*' ! -name '*.building*' | wc -l)" -eq 2 ] \
  && pass "two tiny-sd pretrainings in the cache" || fail "cache: $(ls "$TUNEGRID_CACHE")"
run_capture pretrain_seeds_report "$TUNEGRID" report "$WORK/pretrain-seeds"
expect_status 0 pretrain_seeds_report && expect_output pretrain_seeds_report "n=2" && pass "the report pools the pretrainings (n=2)"

# custom-diffusion, profile test: 6 training / merge jobs + 20 sample jobs.
run_capture cd "$TUNEGRID" run "$exp/custom-diffusion.toml" --profile test --out "$WORK/cd"
expect_status 0 cd && [ "$(shard_count "$WORK/cd")" -eq 26 ] && pass "custom-diffusion: 26 jobs done" \
  || fail "custom-diffusion did not finish 26 jobs ($(shard_count "$WORK/cd"))"
run_capture cd_report "$TUNEGRID" report "$WORK/cd"
expect_status 0 cd_report && expect_output cd_report "Custom Diffusion" && expect_output cd_report "two concepts merged" && expect_output cd_report "Kumari et al. 2022" \
  && pass "custom-diffusion report"
# datadream, profile test: 2 classes, 2 per-class LoRAs + 1 dataset LoRA, 3 pools, 8 classifiers.
run_capture dd "$TUNEGRID" run "$exp/datadream.toml" --profile test --out "$WORK/dd"
expect_status 0 dd && [ "$(shard_count "$WORK/dd")" -eq 14 ] && pass "datadream: 14 jobs done" \
  || fail "datadream did not finish 14 jobs ($(shard_count "$WORK/dd"))"
adapters=$(ls "$WORK"/dd/artifacts/*/classifier/adapter_model.safetensors 2>/dev/null | wc -l)
[ "$adapters" -eq 8 ] && pass "8 CLIP-LoRA classifiers saved as peft adapter folders" || fail "$adapters adapter folders"
pools=$(ls -d "$WORK"/dd/artifacts/*/pool/hanok "$WORK"/dd/artifacts/*/pool/"western house" 2>/dev/null | wc -l)
[ "$pools" -eq 6 ] && pass "3 pools with a class folder per class" || fail "$pools class folders in the pools"
run_capture dd_report "$TUNEGRID" report "$WORK/dd"
expect_status 0 dd_report && expect_output dd_report "DataDream\\_cls" && expect_output dd_report "real + synthetic" \
  && expect_output dd_report "## accuracy.hanok" && pass "datadream report: method x data table"

finish
