# builtin_world.sh — the builtin world end to end with the "test" recipe (tiny budgets) in a
# fresh cache: experiments/pretrain-tiny.toml builds the four models as a DAG; a rerun in
# another DIR finds them cached; experiments/world-check.toml samples every style ×
# disaster prompt and records the oracle's and CLIP's metrics; `tunegrid sample` draws from
# builtin:tiny-sd; bad builtin references exit 2 naming the problem.
source "$(dirname "$0")/../lib.sh"
export TUNEGRID_CACHE="$WORK/cache"
exp="$TUNEGRID_SOURCE/experiments"
model_dir() { find "$TUNEGRID_CACHE" -maxdepth 1 -type d -name "$1-*" ! -name "*.building-*"; }  # model_dir tiny-sd
metric_of() {  # metric_of SHARD NAME -> the scalar
  h5dump -d "/metrics/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): \([-0-9.e+]*\).*/\1/p' | head -1
}

run_capture pretrain "$TUNEGRID" run "$exp/pretrain-tiny.toml" --profile test --out "$WORK/pretrain"
expect_status 0 pretrain && [ "$(shard_count "$WORK/pretrain")" -eq 4 ] && pass "pretrain-tiny: 4 jobs" \
  || fail "pretrain-tiny did not finish 4 jobs"
n_models=$(find "$TUNEGRID_CACHE" -maxdepth 1 -mindepth 1 -type d | wc -l)
[ "$n_models" -eq 4 ] && pass "4 cached models" || fail "expected 4 cached model folders, found $n_models"
[ -f "$(model_dir tiny-sd)/model_index.json" ] && pass "tiny-sd is a diffusers folder" \
  || fail "no model_index.json in tiny-sd"
clip_weights="$(model_dir tiny-clip)/model.safetensors"
stamp=$(stat -c %Y "$clip_weights") || fail "no $clip_weights"

run_capture again "$TUNEGRID" run "$exp/pretrain-tiny.toml" --profile test --out "$WORK/pretrain2"
expect_status 0 again && pass "second pretrain run"
for shard in "$WORK"/pretrain2/jobs/*.h5; do
  [ "$(metric_of "$shard" cached)" = 1 ] || fail "$shard: not taken from the cache"
done
[ -n "$stamp" ] && [ "$(stat -c %Y "$clip_weights")" = "$stamp" ] \
  && pass "cached models untouched" || fail "the cached CLIP was rewritten"

run_capture check "$TUNEGRID" run "$exp/world-check.toml" --profile test --out "$WORK/check"
expect_status 0 check && [ "$(shard_count "$WORK/check")" -eq 19 ] && pass "world-check: 19 jobs" \
  || fail "world-check did not finish 19 jobs"
found=0
for shard in "$WORK"/check/jobs/*.h5; do
  if h5dump -a /kind "$shard" 2>/dev/null | grep -q '"sample"'; then
    for metric in clip_score clip_score_100 style_accuracy disaster_accuracy; do
      [ -n "$(metric_of "$shard" $metric)" ] || fail "$shard: no metric $metric"
    done
    h5dump -H -d /images/samples "$shard" | grep -q "( 4, 32, 32, 3 )" || fail "$shard: no 4 samples of 32x32"
    found=$((found + 1))
  fi
done
[ "$found" -eq 15 ] && pass "15 sample shards with metrics and images" || fail "found $found sample shards, expected 15"

run_capture draw "$TUNEGRID" sample --model "builtin:tiny-sd?recipe=test" --prompt "a japanese house in the fire" \
  --steps 4 --out "$WORK/x.png"
expect_status 0 draw && [ -s "$WORK/x.png" ] && pass "sample from builtin:tiny-sd"

run_capture typo "$TUNEGRID" sample --model "builtin:tiny-sdd" --prompt a --out "$WORK/y.png"
expect_status 2 typo && expect_output typo "did you mean 'tiny-sd'" && pass "unknown builtin model"
run_capture recipe "$TUNEGRID" sample --model "builtin:tiny-sd?recipe=huge" --prompt a --out "$WORK/y.png"
expect_status 2 recipe && expect_output recipe "unknown pretraining recipe 'huge'" && pass "unknown recipe"
finish
