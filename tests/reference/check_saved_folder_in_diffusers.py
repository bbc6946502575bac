"""check_saved_folder_in_diffusers.py — proves that model folders written by tunegrid open
in diffusers and give the same outputs: a UNet folder (save_unet) against the fixture's
golden UNet output, a whole Stable Diffusion folder (save_stable_diffusion) through
StableDiffusionPipeline.from_pretrained against the original fixture folder, and a whole FLUX
folder (save_flux) through FluxPipeline.from_pretrained against tests/fixtures/tiny-flux, and a ViT classifier
folder (save_vit_classifier, from transformers-5-keyed weights) through transformers' ViTForImageClassification
against the fixture's logits. Needs a built
test_torch and a Python with torch, diffusers, transformers and safetensors. Run from the
repository root:
  /tmp/refvenv/bin/python tests/reference/check_saved_folder_in_diffusers.py [build/test_torch]
Prints the max abs differences and exits 1 above 1e-5."""
import os
import subprocess
import sys
import tempfile

import diffusers
import torch
from diffusers import FluxPipeline, StableDiffusionPipeline, UNet2DConditionModel
from safetensors.torch import load_file
from transformers import ViTForImageClassification

binary = sys.argv[1] if len(sys.argv) > 1 else "build/test_torch"
worst = 0.0
with tempfile.TemporaryDirectory() as folder:
    unet_dir, model_dir = os.path.join(folder, "unet"), os.path.join(folder, "model")
    flux_dir, vit_dir = os.path.join(folder, "flux"), os.path.join(folder, "vit")
    environment = {**os.environ, "TUNEGRID_KEEP_SAVED_UNET": unet_dir, "TUNEGRID_KEEP_SAVED_MODEL": model_dir,
                   "TUNEGRID_KEEP_SAVED_FLUX": flux_dir, "TUNEGRID_KEEP_SAVED_VIT": vit_dir}
    for test in ("models/saved_unet_reloads_identically", "models/saved_folder_reloads_identically",
                 "flux/saved_folder_reloads_identically", "vit/saved_folder_reloads_identically"):
        subprocess.run([binary, f"--run_test={test}"], check=True, env=environment)
    golden = load_file("tests/fixtures/parity/unet.safetensors")
    with torch.no_grad():
        unet = UNet2DConditionModel.from_pretrained(unet_dir).eval()
        error = (unet(golden["sample"], golden["timesteps"], golden["context"]).sample - golden["out"]).abs().max().item()
        print(f"UNet folder: max abs error {error:.3g}")
        worst = max(worst, error)
        ours = StableDiffusionPipeline.from_pretrained(model_dir, safety_checker=None)
        reference = StableDiffusionPipeline.from_pretrained("tests/fixtures/tiny-sd", safety_checker=None)
        images = []
        for pipe in (ours, reference):
            generator = torch.Generator().manual_seed(3)
            images.append(pipe("a hanok in the fire", num_inference_steps=3, generator=generator, output_type="pt").images)
        error = (images[0] - images[1]).abs().max().item()
        print(f"whole folder through StableDiffusionPipeline: max abs error {error:.3g}")
        worst = max(worst, error)
        images = []
        for path in (flux_dir, "tests/fixtures/tiny-flux"):
            pipe = FluxPipeline.from_pretrained(path)
            images.append(pipe("a hanok in the fire", num_inference_steps=3, height=32, width=32, max_sequence_length=16,
                               generator=torch.Generator().manual_seed(3), output_type="pt").images)
        error = (images[0] - images[1]).abs().max().item()
        print(f"FLUX folder through FluxPipeline: max abs error {error:.3g}")
        worst = max(worst, error)
    with torch.no_grad():
        vit_golden = load_file("tests/fixtures/parity/vit.safetensors")
        vit = ViTForImageClassification.from_pretrained(vit_dir).eval()
        error = (vit(pixel_values=vit_golden["pixel_values"]).logits - vit_golden["logits"]).abs().max().item()
        print(f"ViT folder through ViTForImageClassification: max abs error {error:.3g}, labels {vit.config.id2label}")
        worst = max(worst, error)
print(f"diffusers {diffusers.__version__}: {'ok' if worst <= 1e-5 else 'MISMATCH'}")
sys.exit(0 if worst <= 1e-5 else 1)
