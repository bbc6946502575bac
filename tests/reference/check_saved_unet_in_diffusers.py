"""check_saved_unet_in_diffusers.py — proves that a UNet folder written by tunegrid
(save_unet: config.json + diffusion_pytorch_model.safetensors) opens in diffusers and gives
the same outputs as the original fixture. Needs a built test_models and a Python with torch,
diffusers and safetensors. Run from the repository root:
  /tmp/refvenv/bin/python tests/reference/check_saved_unet_in_diffusers.py [build/test_models]
Prints the max abs difference and exits 1 above 1e-5."""
import os
import subprocess
import sys
import tempfile

import torch
from diffusers import UNet2DConditionModel
from safetensors.torch import load_file

binary = sys.argv[1] if len(sys.argv) > 1 else "build/test_models"
with tempfile.TemporaryDirectory() as folder:
    target = os.path.join(folder, "unet")
    subprocess.run([binary, "--run_test=models/saved_unet_reloads_identically"], check=True,
                   env={**os.environ, "TUNEGRID_KEEP_SAVED_UNET": target})
    unet = UNet2DConditionModel.from_pretrained(target).eval()
    golden = load_file("tests/fixtures/parity/unet.safetensors")
    with torch.no_grad():
        out = unet(golden["sample"], golden["timesteps"], golden["context"]).sample
    error = (out - golden["out"]).abs().max().item()
    print(f"diffusers {__import__('diffusers').__version__} opened tunegrid's UNet folder; max abs error {error:.3g}")
    sys.exit(0 if error <= 1e-5 else 1)
