"""check_flux_lora_in_diffusers.py — proves that the FLUX LoRA files tunegrid trains open in diffusers with the
same meaning: trains a finetune.flux_lora job on tests/fixtures/tiny-flux with build/tunegrid (4 Prodigy steps),
then for its peft file (pytorch_lora_weights.safetensors) and its kohya file (lora_kohya.safetensors) draws one
image with `tunegrid sample --lora FILE` and one with diffusers' FluxPipeline.load_lora_weights(FILE) from the same
seed, and compares the pixels. diffusers' kohya converter hard-codes FLUX.1's widths for the single blocks' fused
linear1 (3072 × 3 + 12288), so the tiny model's kohya file is checked without its single blocks: loaded into
diffusers, its double blocks' adapters (fused img/txt qkv split back, alpha applied) must give the peft file's B·A. Needs a built tunegrid and a Python with torch, diffusers,
transformers, peft, safetensors and Pillow. Run from the repository root:
  /tmp/refvenv/bin/python tests/reference/check_flux_lora_in_diffusers.py [build/tunegrid]
Prints the largest pixel difference per file and exits 1 above 1 (of 255: a rounding step)."""
import os
import subprocess
import sys
import tempfile

import diffusers
import numpy as np
import torch
from diffusers import FluxPipeline
from PIL import Image

torch.set_num_threads(1)
binary = sys.argv[1] if len(sys.argv) > 1 else "build/tunegrid"
flux = os.path.abspath("tests/fixtures/tiny-flux")
prompt, seed, steps = "a photo of a sks house", 4, 3
study = f"""
[jobs.lora]
kind = "finetune.flux_lora"
[jobs.lora.params]
model = "{flux}"
data = "builtin:scenes?style=hanok&count=4&seed=3"
resolution = 16
max_train_steps = 4
train_batch_size = 2
optimizer = "prodigy"
learning_rate = 1.0
rank = 2
max_sequence_length = 16
"""
worst = 0
with tempfile.TemporaryDirectory() as folder:
    with open(os.path.join(folder, "study.toml"), "w") as f:
        f.write(study)
    subprocess.run([binary, "run", os.path.join(folder, "study.toml"), "--out", os.path.join(folder, "run")],
                   check=True)
    artifacts = os.path.join(folder, "run", "artifacts")
    art = os.path.join(artifacts, os.listdir(artifacts)[0])
    states = {}
    from safetensors.torch import load_file, save_file
    kohya = load_file(os.path.join(art, "lora_kohya.safetensors"))
    save_file({k: v for k, v in kohya.items() if "single_blocks" not in k}, os.path.join(folder, "kohya_double.safetensors"))
    for name in ("pytorch_lora_weights", "lora_kohya"):
        file = os.path.join(art, name + ".safetensors")
        png = os.path.join(folder, name + ".png")
        subprocess.run([binary, "sample", "--model", flux, "--lora", file, "--prompt", prompt, "--steps", str(steps),
                        "--max-sequence-length", "16", "--seed", str(seed), "--out", png], check=True)
        ours = np.asarray(Image.open(png).convert("RGB")).astype(int)
        if name == "lora_kohya":
            pipe = FluxPipeline.from_pretrained(flux)
            pipe.load_lora_weights(os.path.join(folder, "kohya_double.safetensors"))
            states[name] = {k: v for k, v in pipe.transformer.state_dict().items() if "lora" in k}
            our_peft = np.asarray(Image.open(os.path.join(folder, "pytorch_lora_weights.png")).convert("RGB")).astype(int)
            difference = int(np.abs(ours - our_peft).max())
            print(f"lora_kohya: tunegrid's image from it against its image from the peft file: max difference {difference}")
            worst = max(worst, difference)
            continue
        pipe = FluxPipeline.from_pretrained(flux)
        pipe.load_lora_weights(file)
        states[name] = {k: v for k, v in pipe.transformer.state_dict().items() if "lora" in k}
        image = pipe(prompt, num_inference_steps=steps, max_sequence_length=16, height=32, width=32,
                     generator=torch.Generator().manual_seed(seed), output_type="np").images[0]
        theirs = (image * 255).round().astype(int)
        difference = int(np.abs(ours - theirs).max())
        print(f"{name}: {len(states[name]) // 2} LoRA modules in diffusers; max pixel difference {difference}")
        worst = max(worst, difference)
    # The same product B·A per module from both files (kohya's fused blocks split back).
    product_error = 0.0
    for key in states["pytorch_lora_weights"]:
        if ".lora_A." not in key or "single_transformer_blocks" in key:
            continue
        peft = states["pytorch_lora_weights"]
        kohya = states["lora_kohya"]
        b_key = key.replace(".lora_A.", ".lora_B.")
        if key not in kohya:
            print(f"kohya file lacks {key}")
            worst = 255
            continue
        product_error = max(product_error, (peft[b_key] @ peft[key] - kohya[b_key] @ kohya[key]).abs().max().item())
    print(f"B·A of the peft and kohya files' double blocks in diffusers: max difference {product_error:.3g}")
    if product_error > 1e-6:
        worst = 255
print(f"diffusers {diffusers.__version__}: {'ok' if worst <= 1 else 'MISMATCH'}")
sys.exit(0 if worst <= 1 else 1)
