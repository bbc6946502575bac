"""What the fixture scripts that train adapters on the tiny random pipeline share:
where it lives, diffusers' / peft's LoRA target names, loading it, and giving LoRA's B
matrices (zero at peft's init) random values so the adapters change the output.
Used by make_finetune_fixtures.py and make_external_adapter_fixtures.py."""
import os

import torch
from diffusers import StableDiffusionPipeline

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SD = os.path.join(FIXTURES, "tiny-sd")
TARGETS = ["to_q", "to_k", "to_v", "to_out.0"]
TE_TARGETS = ["q_proj", "k_proj", "v_proj", "out_proj"]


def pipeline():
    return StableDiffusionPipeline.from_pretrained(SD, safety_checker=None, requires_safety_checker=False)


def random_lora_b(model, seed, scale):
    """B starts at zero; give it values (N(0, scale²)) so the adapters do something."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=generator) * scale)
