"""check_builtin_flux_in_diffusers.py — proves that the builtin:tiny-flux folder tunegrid pretrains
(workers/builtin/pretrain_flux.cpp) is a FluxPipeline folder diffusers opens with the same meaning:
builds builtin:tiny-flux (the "test" recipe by default, seconds; pass `default` for the shipped one)
into a temporary cache with `tunegrid sample`, draws the same prompt with FluxPipeline.from_pretrained
on that folder (true CFG with an empty negative prompt, 32 T5 tokens as its tokenizer_2 says, the same
seed), compares the pixels, and compares the T5 ids transformers' tokenizer gives the world's
SentencePiece model (tokenizer_2/spiece.model) with tunegrid's. Needs a built tunegrid and a Python
with torch, diffusers, transformers, sentencepiece, protobuf, safetensors and Pillow. Run from the
repository root:
  /tmp/refvenv/bin/python tests/reference/check_builtin_flux_in_diffusers.py [build/tunegrid] [test|default]
Prints the largest pixel difference and exits 1 above 1 (of 255: a rounding step)."""
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch
from diffusers import FluxPipeline
from PIL import Image

torch.set_num_threads(1)
binary = sys.argv[1] if len(sys.argv) > 1 else "build/tunegrid"
recipe = sys.argv[2] if len(sys.argv) > 2 else "test"
prompt, seed, steps, true_cfg = "an aerial image of a harbor", 3, 8, 4.0
with tempfile.TemporaryDirectory() as folder:
    png = os.path.join(folder, "ours.png")
    environment = {**os.environ, "TUNEGRID_CACHE": os.path.join(folder, "cache")}
    subprocess.run([binary, "sample", "--model", f"builtin:tiny-flux?recipe={recipe}", "--prompt", prompt,
                    "--steps", str(steps), "--true-cfg", str(true_cfg), "--seed", str(seed), "--out", png],
                   check=True, env=environment)
    model = [d for d in glob.glob(os.path.join(folder, "cache", "tiny-flux-*")) if os.path.isdir(d)][0]
    pipe = FluxPipeline.from_pretrained(model)
    words = "an aerial image of a wastewater treatment plant seen from above, a satellite photo of a hanok"
    ids = pipe.tokenizer_2(words, max_length=32, padding="max_length", truncation=True).input_ids
    print(f"tokenizer_2: {type(pipe.tokenizer_2).__name__}, {len(pipe.tokenizer_2)} pieces, ids {ids[:20]}")
    image = pipe(prompt, negative_prompt="", true_cfg_scale=true_cfg, num_inference_steps=steps,
                 max_sequence_length=32, height=32, width=32, generator=torch.Generator().manual_seed(seed),
                 output_type="np").images[0]
    theirs = (image * 255).round().astype(int)
    ours = np.asarray(Image.open(png).convert("RGB")).astype(int)
    difference = int(np.abs(ours - theirs).max())
    print(f"builtin:tiny-flux?recipe={recipe} in FluxPipeline: max pixel difference {difference}")
sys.exit(0 if difference <= 1 else 1)
