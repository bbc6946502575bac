# builtin_world.sh — the builtin world end to end with the "test" recipe (tiny budgets) in a
# fresh cache: experiments/pretrain-tiny.toml builds the five models as a DAG; a rerun in
# another DIR finds them cached; experiments/world-check.toml pretrains two seeds' models,
# samples every style × disaster prompt of each and records the oracle's and CLIP's
# metrics, and its report prints the pass/fail table per seed; `tunegrid sample` draws from
# builtin:tiny-sd; bad builtin references exit 2 naming the problem (FLUX's world check:
# flux_world.sh).
source "$(dirname "$0")/../lib.sh"
export TUNEGRID_CACHE="$WORK/cache"
exp="$TUNEGRID_SOURCE/experiments"
model_dir() {  # model_dir tiny-sd: the entry <name>-<16 hex digits> (tiny-clip, not tiny-clip-without-hanok)
  find "$TUNEGRID_CACHE" -maxdepth 1 -type d -regextype posix-extended -regex ".*/$1-[0-9a-f]{16}"
}
metric_of() {  # metric_of SHARD NAME -> the scalar
  h5dump -d "/metrics/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): \([-0-9.e+]*\).*/\1/p' | head -1
}

run_capture pretrain "$TUNEGRID" run "$exp/pretrain-tiny.toml" --profile test --out "$WORK/pretrain"
expect_status 0 pretrain && [ "$(shard_count "$WORK/pretrain")" -eq 5 ] && pass "pretrain-tiny: 5 jobs" \
  || fail "pretrain-tiny did not finish 5 jobs"
n_models=$(find "$TUNEGRID_CACHE" -maxdepth 1 -mindepth 1 -type d | wc -l)
# tiny-clip, tiny-vae, tiny-sd, tiny-flux, scene-oracle and tiny-sd's text encoder, tiny-clip-without-hanok
[ "$n_models" -eq 6 ] && pass "6 cached models" || fail "expected 6 cached model folders, found $n_models"
[ -f "$(model_dir tiny-sd)/model_index.json" ] && pass "tiny-sd is a diffusers folder" \
  || fail "no model_index.json in tiny-sd"
grep -q '"FluxPipeline"' "$(model_dir tiny-flux)/model_index.json" && pass "tiny-flux is a FluxPipeline folder" \
  || fail "tiny-flux has no FluxPipeline model_index.json"
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
expect_status 0 check && [ "$(shard_count "$WORK/check")" -eq 40 ] && pass "world-check: 40 jobs (2 seeds)" \
  || fail "world-check did not finish 40 jobs"
# Its pretraining jobs take seed = "{pretrain_seed}": seed 1 builds models of its own.
[ "$(find "$TUNEGRID_CACHE" -maxdepth 1 -type d -name 'tiny-sd-*' ! -name '*.building-*' | wc -l)" -eq 2 ] \
  && pass "one base model per pretraining seed" || fail "expected 2 tiny-sd folders (seeds 0 and 1)"
run_capture checks "$TUNEGRID" report "$WORK/check"
expect_status 0 checks && expect_output checks "## Checks — passes every check for" \
  && expect_output checks "| check | bound | pretrain\\_seed = 0 | pretrain\\_seed = 1 |" \
  && expect_output checks "| hanok style accuracy (none / fire / flood) | ≤ 0.2 |" \
  && pass "report: the world check's pass/fail table, one column per seed"
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
[ "$found" -eq 30 ] && pass "30 sample shards with metrics and images" || fail "found $found sample shards, expected 30"

run_capture draw "$TUNEGRID" sample --model "builtin:tiny-sd?recipe=test" --prompt "a japanese house in the fire" \
  --steps 4 --out "$WORK/x.png"
expect_status 0 draw && [ -s "$WORK/x.png" ] && pass "sample from builtin:tiny-sd"

run_capture typo "$TUNEGRID" sample --model "builtin:tiny-sdd" --prompt a --out "$WORK/y.png"
expect_status 2 typo && expect_output typo "did you mean 'tiny-sd'" && pass "unknown builtin model"
run_capture recipe "$TUNEGRID" sample --model "builtin:tiny-sd?recipe=huge" --prompt a --out "$WORK/y.png"
expect_status 2 recipe && expect_output recipe "unknown pretraining recipe 'huge'" && pass "unknown recipe"
finish
