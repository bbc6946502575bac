# finetune.sh — the fine-tuning methods end to end with the "test" recipe models in a fresh
# cache: experiments/finetune-check.toml trains Textual Inversion, DreamBooth (prior
# preservation), LoRA, a hypernetwork and Custom Diffusion on builtin hanok scenes, writes
# each method's artifacts and checkpoints, and samples each trained model for two prompts
# (14 sample jobs, with the closed-form merge of two Custom Diffusion concepts and their
# joint training);
# a bad method parameter exits 2 naming it.
source "$(dirname "$0")/../lib.sh"
export TUNEGRID_CACHE="$WORK/cache"
exp="$TUNEGRID_SOURCE/experiments"
metric_of() {  # metric_of SHARD NAME -> the scalar
  h5dump -d "/metrics/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): \([-0-9.e+]*\).*/\1/p' | head -1
}
kind_of() { h5dump -a /kind "$1" 2>/dev/null | sed -n 's/^ *(0): "\(.*\)".*/\1/p' | head -1; }

run_capture check "$TUNEGRID" run "$exp/finetune-check.toml" --profile test --out "$WORK/run"
expect_status 0 check && [ "$(shard_count "$WORK/run")" -eq 22 ] && pass "finetune-check: 22 jobs" \
  || fail "finetune-check did not finish 22 jobs"

samples=0
for shard in "$WORK"/run/jobs/*.h5; do
  kind=$(kind_of "$shard")
  id=$(basename "$shard" .h5)
  art="$WORK/run/artifacts/$id"
  case "$kind" in
    finetune.*)
      [ -f "$art/finetune.json" ] || fail "$kind: no finetune.json"
      [ -f "$art/checkpoints/step-000002/state.safetensors" ] || fail "$kind: no step-2 checkpoint"
      [ -n "$(metric_of "$shard" trainable_parameters)" ] || fail "$kind: no trainable_parameters"
      h5dump -H -d /loss "$shard" | grep -q "( 4 )" || fail "$kind: no 4-step loss curve"
      ;;
  esac
  case "$kind" in
    finetune.textual_inversion)
      [ -f "$art/learned_embeds.safetensors" ] && [ -f "$art/hanok.pt" ] && pass "TI artifacts" \
        || fail "TI artifacts missing" ;;
    finetune.lora)
      [ -f "$art/pytorch_lora_weights.safetensors" ] && [ -f "$art/lora_kohya.safetensors" ] && pass "LoRA artifacts" \
        || fail "LoRA artifacts missing" ;;
    finetune.dreambooth)
      [ -f "$art/model_index.json" ] && [ -f "$art/unet/diffusion_pytorch_model.safetensors" ] \
        && [ -f "$art/class_images.safetensors" ] && pass "DreamBooth artifacts" || fail "DreamBooth artifacts missing" ;;
    finetune.hypernetwork)
      [ -f "$art/hypernetwork.safetensors" ] && [ -f "$art/hanok.pt" ] && pass "hypernetwork artifacts" \
        || fail "hypernetwork artifacts missing" ;;
    finetune.custom_diffusion)
      [ -f "$art/pytorch_custom_diffusion_weights.safetensors" ] && compgen -G "$art/<new*>.safetensors" >/dev/null \
        && pass "Custom Diffusion artifacts" || fail "Custom Diffusion artifacts missing"
      if [ -f "$art/<new1>.safetensors" ] && [ -f "$art/<new2>.safetensors" ]; then  # the joint stage
        [ -f "$art/class_images_1.safetensors" ] && [ -f "$art/class_images_2.safetensors" ] \
          && grep -q '"<new2>"' "$art/finetune.json" && grep -q '"<new1> house and <new2> house"' "$art/finetune.json" \
          && pass "joint Custom Diffusion: both tokens, class images per concept" \
          || fail "joint Custom Diffusion artifacts incomplete"
        joint=1
      fi ;;
    merge.custom_diffusion)
      [ -f "$art/pytorch_custom_diffusion_weights.safetensors" ] && [ -f "$art/<new1>.safetensors" ] \
        && [ -f "$art/<new2>.safetensors" ] || fail "merged Custom Diffusion artifacts missing"
      awk -v e="$(metric_of "$shard" constraint_relative_error)" 'BEGIN { exit !(e < 1e-3) }' \
        && pass "closed-form merge keeps both concepts' targets" \
        || fail "merge constraint error $(metric_of "$shard" constraint_relative_error)" ;;
    sample)
      for metric in clip_score style_accuracy disaster_accuracy; do
        [ -n "$(metric_of "$shard" $metric)" ] || fail "$shard: no metric $metric"
      done
      samples=$((samples + 1)) ;;
  esac
done
[ "$samples" -eq 14 ] && pass "14 sample shards with metrics" || fail "found $samples sample shards, expected 14"
[ "${joint:-0}" -eq 1 ] || fail "no joint Custom Diffusion job found"

run_capture rank "$TUNEGRID" plan "$exp/finetune-check.toml" --set jobs.lora.params.rank=0
expect_status 2 rank && expect_output rank "rank" && pass "rank = 0 refused"
run_capture target "$TUNEGRID" plan "$exp/finetune-check.toml" --set 'jobs.lora.params.target_modules=["to_qq"]'
expect_status 2 target && expect_output target "to_qq" && pass "unknown target module refused"
run_capture te_target "$TUNEGRID" plan "$exp/finetune-check.toml" \
  --set jobs.lora.params.train_text_encoder=true --set 'jobs.lora.params.text_encoder_target_modules=["q_prj"]'
expect_status 2 te_target && expect_output te_target "text_encoder_target_modules" && expect_output te_target "q_prj" \
  && pass "unknown text-encoder target module refused"
finish
