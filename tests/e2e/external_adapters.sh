# external_adapters.sh — LoRA and embedding files people bring, through the command line and
# a study: `tunegrid sample --lora FILE[:SCALE] --embedding FILE[:TOKEN]`, and a `sample`
# stage whose `loras` draws diffusers' images (tests/fixtures/external, made by
# tests/reference/make_external_adapter_fixtures.py) into the store to one level of 255.
source "$(dirname "$0")/../lib.sh"
model="$TUNEGRID_SOURCE/tests/fixtures/tiny-sd"
external="$TUNEGRID_SOURCE/tests/fixtures/external"
lora="$external/alpha_lora/pytorch_lora_weights.safetensors"
sample() {  # sample NAME ARGS...: tunegrid sample of the fixtures' prompt and seed into $WORK/NAME.png
  local name=$1; shift
  run_capture "$name" "$TUNEGRID" sample --model "$model" --prompt "a photo of a sks house" --steps 4 --num 2 --seed 5 \
    --out "$WORK/$name.png" "$@"
}

sample base
expect_status 0 base && pass "base model"
sample lora --lora "$lora"
expect_status 0 lora && expect_output lora "48 UNet and 20 text-encoder adapters merged at scale 1" && pass "--lora"
cmp -s "$WORK/base.png" "$WORK/lora.png" && fail "--lora changed nothing"
sample lora_zero --lora "$lora:0"
expect_status 0 lora_zero && cmp -s "$WORK/base.png" "$WORK/lora_zero.png" && pass "--lora FILE:0 is the base model" ||
  fail "--lora FILE:0 differs from the base model"
sample two --lora "$lora:0.5" --lora "$external/kohya_alpha.safetensors:0.5"
expect_status 0 two && pass "two LoRA files add up"
run_capture embedding "$TUNEGRID" sample --model "$model" --prompt "a photo of hanok-a1111 in the fire" --steps 4 \
  --embedding "$external/hanok-a1111.pt" --out "$WORK/embedding.png"
expect_status 0 embedding && expect_output embedding "2 vector(s) as hanok-a1111" && pass "--embedding: the file's stem"
run_capture embedding_token "$TUNEGRID" sample --model "$model" --prompt "a photo of <mine> in the fire" --steps 4 \
  --embedding "$external/hanok-a1111.pt:<mine>" --out "$WORK/token.png"
expect_status 0 embedding_token && expect_output embedding_token "as <mine>" && pass "--embedding FILE:TOKEN"

# Bad files and references: exit 2, naming the file and what was expected.
sample missing --lora "$WORK/nope.safetensors"
expect_status 2 missing && expect_output missing "--lora $WORK/nope.safetensors: does not exist" && pass "missing LoRA file"
sample bad_scale --lora "$lora:half"
expect_status 2 bad_scale && expect_output bad_scale "scale 'half' is not a number" && pass "bad scale"
sample not_lora --lora "$model/unet/diffusion_pytorch_model.safetensors"
expect_status 2 not_lora && expect_output not_lora "is not a LoRA tensor" && pass "a weights file that is no LoRA"
printf 'not a zip' >"$WORK/broken.pt"
sample broken_pt --embedding "$WORK/broken.pt"
expect_status 2 broken_pt && expect_output broken_pt "broken.pt: not a zip archive" && pass "a broken .pt"

# A study's sample stage with `loras`: the store holds diffusers' images.
cat >"$WORK/hub.toml" <<TOML
[jobs.hub]
kind = "sample"
[jobs.hub.params]
model = "$model"
loras = ["$lora"]
prompt = "a photo of a sks house"
images = 2
steps = 4
guidance = 7.5
seed = 5
evaluate = false
TOML
run_capture study "$TUNEGRID" run "$WORK/hub.toml" --out "$WORK/hub"
expect_status 0 study && pass "a sample stage with loras runs"
if /usr/bin/python3 -c "import h5py, numpy" 2>/dev/null; then
  run_capture compare /usr/bin/python3 - "$WORK/hub" "$external/images.safetensors" <<'PY'
import glob, json, struct, sys
import h5py, numpy
store, fixture = sys.argv[1], sys.argv[2]
with open(fixture, "rb") as f:
    size = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(size))
    data = f.read()
entry = header["alpha_lora"]
start, end = entry["data_offsets"]
expected = numpy.frombuffer(data[start:end], dtype=numpy.uint8).reshape(entry["shape"]).astype(int)
(shard,) = glob.glob(f"{store}/jobs/*.h5")
with h5py.File(shard, "r") as f:
    ours = f["images/samples"][()].astype(int)
difference = numpy.abs(ours - expected).max()
print(f"max difference {difference}/255")
sys.exit(0 if difference <= 1 else 1)
PY
  expect_status 0 compare && pass "the store holds diffusers' images ($(cat "$WORK/compare.out"))"
else
  echo "skip: no h5py/numpy for /usr/bin/python3 (python3-h5py)"
fi
finish
