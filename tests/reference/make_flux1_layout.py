"""make_flux1_layout.py — the published layout of FLUX.1-dev's transformer and VAE as diffusers builds them, for
tunegrid's layout test (tests/workers/test_flux.cpp, flux/flux1_dev_layout_matches_diffusers): every parameter's key
and shape. The models are built on the meta device from FLUX.1-dev's config.json values (black-forest-labs/FLUX.1-dev
transformer/ and vae/), so nothing is allocated. A real FLUX.1-dev cannot run here (fp32 ≈ 48 GB); this is what its
checkpoint's key names and shapes must be.

Writes tests/fixtures/parity/flux1_dev_layout.json: {"transformer_config", "vae_config", "transformer": {key: shape},
"vae": {key: shape}}. Run from the repository root:
  /tmp/refvenv/bin/python tests/reference/make_flux1_layout.py
"""
import json
import os

import torch
from diffusers import AutoencoderKL, FluxTransformer2DModel

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "parity", "flux1_dev_layout.json")
TRANSFORMER = dict(patch_size=1, in_channels=64, out_channels=None, num_layers=19, num_single_layers=38,
                   attention_head_dim=128, num_attention_heads=24, joint_attention_dim=4096, pooled_projection_dim=768,
                   guidance_embeds=True, axes_dims_rope=[16, 56, 56])
VAE = dict(in_channels=3, out_channels=3, down_block_types=["DownEncoderBlock2D"] * 4,
           up_block_types=["UpDecoderBlock2D"] * 4, block_out_channels=[128, 256, 512, 512], layers_per_block=2,
           act_fn="silu", latent_channels=16, norm_num_groups=32, sample_size=1024, scaling_factor=0.3611,
           shift_factor=0.1159, use_quant_conv=False, use_post_quant_conv=False, mid_block_add_attention=True)

with torch.device("meta"):
    transformer = FluxTransformer2DModel(**TRANSFORMER)
    vae = AutoencoderKL(**VAE)
layout = {"transformer_config": TRANSFORMER, "vae_config": VAE,
          "transformer": {k: list(v.shape) for k, v in transformer.state_dict().items()},
          "vae": {k: list(v.shape) for k, v in vae.state_dict().items()}}
with open(OUT, "w") as f:
    json.dump(layout, f, separators=(",", ":"), sort_keys=True)
print(f"{OUT}: {len(layout['transformer'])} transformer and {len(layout['vae'])} VAE tensors, "
      f"{os.path.getsize(OUT) / 1024:.0f} KB")
