# sample.sh — `tunegrid sample` on the tiny diffusers fixtures (Stable Diffusion and FLUX)
# writes a PNG (a grid for several images), the same seed gives the same file, and bad input
# exits 2 naming the file: a missing folder, a corrupt weights file, a wrong --out, a
# Stable Diffusion sampler asked of a FLUX folder.
source "$(dirname "$0")/../lib.sh"
model="$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
png_magic() { head -c 8 "$1" | od -An -tx1 | tr -d ' \n'; }

run_capture one "$TUNEGRID" sample --model "$model" --prompt "a house" --steps 4 --out "$WORK/x.png"
expect_status 0 one && [ "$(png_magic "$WORK/x.png")" = 89504e470d0a1a0a ] && pass "writes a PNG" || fail "no PNG"
run_capture grid "$TUNEGRID" sample --model "$model" --prompt "a house" --steps 4 --num 4 --sampler euler --out "$WORK/grid.png"
expect_status 0 grid && expect_output grid "4 image(s) 32x32" && pass "grid of 4"
run_capture again "$TUNEGRID" sample --model "$model" --prompt "a house" --steps 4 --out "$WORK/y.png"
cmp -s "$WORK/x.png" "$WORK/y.png" && pass "same seed, same image" || fail "same seed gave a different image"

flux="$TUNEGRID_SOURCE/tests/fixtures/tiny-flux"
run_capture flux "$TUNEGRID" sample --model "$flux" --prompt "a house in the fire" --steps 3 --num 2 \
  --max-sequence-length 16 --out "$WORK/flux.png"
expect_status 0 flux && expect_output flux "2 image(s) 32x32, flow-match euler 3 steps, guidance 3.5" &&
  [ "$(png_magic "$WORK/flux.png")" = 89504e470d0a1a0a ] && pass "FLUX folder: a grid of 2"
run_capture flux_cfg "$TUNEGRID" sample --model "$flux" --prompt "a house" --negative "blurry" --true-cfg 2 \
  --steps 2 --max-sequence-length 16 --out "$WORK/flux-cfg.png"
expect_status 0 flux_cfg && pass "FLUX with true CFG"
run_capture flux_sampler "$TUNEGRID" sample --model "$flux" --prompt a --sampler ddim --out "$WORK/z.png"
expect_status 2 flux_sampler && expect_output flux_sampler "FlowMatchEulerDiscreteScheduler" && pass "FLUX refuses --sampler"

run_capture missing "$TUNEGRID" sample --model "$WORK/nowhere" --prompt a --out "$WORK/z.png"
expect_status 2 missing && expect_output missing "not a model folder" && pass "missing model"
cp -r "$model" "$WORK/broken"
weights="$WORK/broken/unet/diffusion_pytorch_model.safetensors"
head -c 1000 "$weights" >"$weights.cut" && mv "$weights.cut" "$weights"
run_capture corrupt "$TUNEGRID" sample --model "$WORK/broken" --prompt a --out "$WORK/z.png"
expect_status 2 corrupt && expect_output corrupt "unet/diffusion_pytorch_model.safetensors" && pass "corrupt weights"
run_capture bad_out "$TUNEGRID" sample --model "$model" --prompt a --out "$WORK/z.jpg"
expect_status 2 bad_out && expect_output bad_out "expected a .png" && pass "bad --out"
[ ! -e "$WORK/z.png" ] || fail "a failed sample left a file"
finish
