# flux_world.sh — builtin:tiny-flux end to end with the "test" recipe in a fresh cache:
# experiments/flux-world-check.toml builds tiny-flux and tiny-sd (and their CLIP and VAE), samples
# both per aerial class with class_accuracy from the judge CLIP, and its report shows the table;
# flux-aerial.toml's test profile runs the ratio study's chain; `tunegrid sample` draws from
# builtin:tiny-flux.
source "$(dirname "$0")/../lib.sh"
export TUNEGRID_CACHE="$WORK/cache"
exp="$TUNEGRID_SOURCE/experiments"
metric_of() {  # metric_of SHARD NAME -> the scalar
  h5dump -d "/metrics/$2" "$1" 2>/dev/null | sed -n 's/^ *(0): \([-0-9.e+]*\).*/\1/p' | head -1
}

run_capture aerial "$TUNEGRID" run "$exp/flux-world-check.toml" --profile test --out "$WORK/aerial"
expect_status 0 aerial && [ "$(shard_count "$WORK/aerial")" -eq 9 ] && pass "flux-world-check: 9 jobs" \
  || fail "flux-world-check did not finish 9 jobs"
found=0
for shard in "$WORK"/aerial/jobs/*.h5; do
  if h5dump -a /kind "$shard" 2>/dev/null | grep -q '"sample"'; then
    [ -n "$(metric_of "$shard" class_accuracy)" ] || fail "$shard: no metric class_accuracy"
    h5dump -H -d /images/samples "$shard" | grep -q "( 2, 32, 32, 3 )" || fail "$shard: no 2 samples of 32x32"
    found=$((found + 1))
  fi
done
[ "$found" -eq 6 ] && pass "6 aerial sample shards (FLUX and Stable Diffusion) with class_accuracy" \
  || fail "found $found aerial sample shards, expected 6"
run_capture aerial_report "$TUNEGRID" report "$WORK/aerial"
expect_status 0 aerial_report && expect_output aerial_report "## class\\_accuracy" \
  && expect_output aerial_report "| aerial\\_class | builtin:tiny-flux | builtin:tiny-sd |" \
  && pass "flux-world-check report: class_accuracy per class and family"

# The real:synthetic ratio study (flux-aerial.toml), profile test, on the cache above: a LoRA, a
# pool, two classifiers with a confusion matrix; the report sets the paper's Table 2 beside.
run_capture ratio "$TUNEGRID" run "$exp/flux-aerial.toml" --profile test --out "$WORK/ratio"
expect_status 0 ratio && [ "$(shard_count "$WORK/ratio")" -eq 4 ] && pass "flux-aerial: 4 jobs" \
  || fail "flux-aerial did not finish 4 jobs ($(shard_count "$WORK/ratio"))"
confusions=0
for shard in "$WORK"/ratio/jobs/*.h5; do
  h5dump -A -d /matrices/confusion "$shard" 2>/dev/null | grep -q '"airplane", "runway"' && confusions=$((confusions + 1))
done
[ "$confusions" -eq 2 ] && pass "both classifiers' shards hold a labelled confusion matrix" \
  || fail "$confusions shards with /matrices/confusion labelled airplane, runway"
[ -s "$(ls "$WORK"/ratio/artifacts/*/pool_sheet.png | head -1)" ] && pass "the pool's contact sheet" || fail "no pool_sheet.png"
run_capture ratio_report "$TUNEGRID" report "$WORK/ratio"
expect_status 0 ratio_report && expect_output ratio_report "Khrulev, Table 2" && expect_output ratio_report "0.9114" \
  && expect_output ratio_report "## accuracy per class" && pass "flux-aerial report: Table 2 beside, per-class table"

run_capture flux "$TUNEGRID" sample --model "builtin:tiny-flux?recipe=test" --prompt "an aerial image of a runway" \
  --steps 4 --true-cfg 4 --out "$WORK/f.png"
expect_status 0 flux && [ -s "$WORK/f.png" ] && pass "sample from builtin:tiny-flux"

finish
