"""make_external_adapter_fixtures.py — LoRA and embedding files as users bring them from the Hub,
civitai and AUTOMATIC1111, with the images diffusers draws after loading them, for
`tunegrid sample --lora/--embedding` and the `loras` / `embeddings` parameters
(tests/workers/test_methods_parity.cpp, tests/e2e/external_adapters.sh).

Writes tests/fixtures/external/:
  alpha_lora/pytorch_lora_weights.safetensors  LoRA on the tiny UNet (rank 2, lora_alpha 6, and an
                      alpha_pattern giving attn2.to_k lora_alpha 1) and the text encoder (rank 2,
                      lora_alpha 1) saved by StableDiffusionPipeline.save_lora_weights with
                      unet_lora_adapter_metadata / text_encoder_lora_adapter_metadata: the alphas
                      live only in the header's "lora_adapter_metadata" JSON, so a loader that
                      ignores it applies scale 1 instead of 3, 1/2 and 1/2
  kohya_alpha.safetensors  the UNet factors in kohya-ss keys with a different .alpha per module
                      (1, 2, 3, 4 in turn). Its image is drawn from the same factors in peft keys
                      with each module's B scaled by its own alpha / rank, as kohya-ss, AUTOMATIC1111
                      and ComfyUI apply such a file: diffusers 0.42.1's load_lora_weights applies the
                      most common alpha to every module of a kohya file (its alpha_pattern keys keep
                      the "unet." prefix and match no module), which this script checks and says
  hanok-a1111.pt      an AUTOMATIC1111 embedding (2 vectors) written by Python's torch.save
                      (string_to_token, string_to_param holding an nn.Parameter, name, step, ...)
  images.safetensors  uint8 [2, H, W, 3] images of StableDiffusionPipeline (DDIM, 4 steps,
                      guidance 7.5, torch.Generator().manual_seed(5), two images) for:
                      alpha_lora ("a photo of a sks house"), kohya_alpha (the same prompt) and
                      the A1111 embedding under its file stem ("a photo of hanok-a1111 in the fire")

Run from the repository root with a Python that has torch, diffusers, transformers, peft and
safetensors (versions as in tests/reference/make_tiny_sd.py: diffusers 0.42.1, transformers
5.23.0, torch 2.15.0):
  python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install torch==2.15.0 diffusers==0.42.1 \\
      transformers==5.23.0 peft safetensors
  /tmp/refvenv/bin/python tests/reference/make_external_adapter_fixtures.py
"""
import os

import torch
from diffusers import StableDiffusionPipeline
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from safetensors.torch import save_file

from tiny_sd_reference import FIXTURES, TARGETS, TE_TARGETS, pipeline, random_lora_b

OUT = os.path.join(FIXTURES, "external")
LORA_PROMPT = "a photo of a sks house"
EMBEDDING_PROMPT = "a photo of hanok-a1111 in the fire"




def images_of(pipe, prompt):
    generator = torch.Generator().manual_seed(5)
    images = pipe(prompt, num_inference_steps=4, guidance_scale=7.5, num_images_per_prompt=2, generator=generator,
                  output_type="np").images
    return torch.from_numpy((images * 255).round().clip(0, 255).astype("uint8"))


def metadata_of(config):
    """The LoraConfig fields diffusers' training scripts store as adapter metadata."""
    fields = config.to_dict()
    fields["base_model_name_or_path"] = None  # a path of the machine that made the file
    return {key: (sorted(value) if isinstance(value, set) else value) for key, value in fields.items()}


def alpha_lora(images):
    pipe = pipeline()
    unet_config = LoraConfig(r=2, lora_alpha=6, init_lora_weights="gaussian", target_modules=TARGETS,
                             alpha_pattern={"attn2.to_k": 1})
    text_config = LoraConfig(r=2, lora_alpha=1, init_lora_weights="gaussian", target_modules=TE_TARGETS)
    pipe.unet.add_adapter(unet_config)
    pipe.text_encoder.add_adapter(text_config)
    random_lora_b(pipe.unet, 21, 0.3)
    random_lora_b(pipe.text_encoder, 22, 0.3)
    folder = os.path.join(OUT, "alpha_lora")
    StableDiffusionPipeline.save_lora_weights(
        folder, unet_lora_layers=get_peft_model_state_dict(pipe.unet),
        text_encoder_lora_layers=get_peft_model_state_dict(pipe.text_encoder), safe_serialization=True,
        unet_lora_adapter_metadata=metadata_of(unet_config), text_encoder_lora_adapter_metadata=metadata_of(text_config))
    fresh = pipeline()
    fresh.load_lora_weights(folder)
    images["alpha_lora"] = images_of(fresh, LORA_PROMPT)
    return get_peft_model_state_dict(pipe.unet)


def kohya_alpha(unet_state, images):
    kohya = {}
    for index, (name, value) in enumerate(sorted(unet_state.items())):
        module, part = name.rsplit(".lora_", 1)  # "...attn1.to_q", "A.weight"
        key = "lora_unet_" + module.replace(".", "_")
        kohya[key + (".lora_down.weight" if part == "A.weight" else ".lora_up.weight")] = value.contiguous()
        kohya[key + ".alpha"] = torch.tensor(float(1 + (index // 2) % 4))  # each module's A and B share one
    file = os.path.join(OUT, "kohya_alpha.safetensors")
    save_file(kohya, file, metadata={"ss_network_module": "networks.lora", "ss_network_dim": "2"})
    # Each module at its own alpha / rank: B pre-scaled, loaded as a diffusers LoRA (scale 1).
    per_module = {}
    for name, value in unet_state.items():
        module, part = name.rsplit(".lora_", 1)
        alpha = kohya["lora_unet_" + module.replace(".", "_") + ".alpha"].item()
        per_module["unet." + name] = value * (alpha / 2 if part == "B.weight" else 1.0)
    fresh = pipeline()
    fresh.load_lora_weights(per_module)
    images["kohya_alpha"] = images_of(fresh, LORA_PROMPT)
    diffusers_own = pipeline()
    diffusers_own.load_lora_weights(file)
    scales = {next(iter(m.scaling.values())) for _, m in diffusers_own.unet.named_modules()
              if isinstance(getattr(m, "scaling", None), dict) and m.scaling}
    print("diffusers' own load_lora_weights of the kohya file: scales", sorted(scales),
          "(per module, as kohya-ss: 0.5, 1, 1.5, 2)")


def a1111_embedding(images):
    vectors = torch.randn(2, 32, generator=torch.Generator().manual_seed(23))
    file = os.path.join(OUT, "hanok-a1111.pt")
    torch.save({"string_to_token": {"*": 265}, "string_to_param": {"*": torch.nn.Parameter(vectors)},
                "name": "hanok-a1111", "step": 120, "sd_checkpoint": "0123abcd", "sd_checkpoint_name": "tiny-sd"},
               file)
    fresh = pipeline()
    fresh.load_textual_inversion(file, token="hanok-a1111")  # AUTOMATIC1111's token: the file's stem
    images["a1111_embedding"] = images_of(fresh, EMBEDDING_PROMPT)


def main():
    os.makedirs(OUT, exist_ok=True)
    images = {}
    unet_state = alpha_lora(images)
    kohya_alpha(unet_state, images)
    a1111_embedding(images)
    save_file({key: value.contiguous() for key, value in images.items()}, os.path.join(OUT, "images.safetensors"))
    print("wrote", OUT, {key: tuple(value.shape) for key, value in images.items()})


if __name__ == "__main__":
    torch.manual_seed(0)  # peft draws LoRA A from the global generator: fix it, so reruns agree
    main()
