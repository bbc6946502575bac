# studies.sh — the papers' study files end to end on the "test" recipe models in a fresh
# cache: experiments/hanok-fire.toml (4 methods × 2 training-set sizes × 3 prompts, plus the
# base model) and experiments/custom-diffusion.toml (3 single-concept methods, joint and
# merged two-concept Custom Diffusion × 4 prompts) finish with every job done, and
# `tunegrid report` on each store prints the paper-shaped tables (Markdown) and writes a
# self-contained HTML report; the Hanok store's tables show the paper's published values.
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

# custom-diffusion, profile test: 6 training / merge jobs + 20 sample jobs.
run_capture cd "$TUNEGRID" run "$exp/custom-diffusion.toml" --profile test --out "$WORK/cd"
expect_status 0 cd && [ "$(shard_count "$WORK/cd")" -eq 26 ] && pass "custom-diffusion: 26 jobs done" \
  || fail "custom-diffusion did not finish 26 jobs ($(shard_count "$WORK/cd"))"
run_capture cd_report "$TUNEGRID" report "$WORK/cd"
expect_status 0 cd_report && expect_output cd_report "Custom Diffusion" && expect_output cd_report "two concepts merged" && expect_output cd_report "Kumari et al. 2022" \
  && pass "custom-diffusion report"
finish
