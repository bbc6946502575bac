"""make_tiny_sd.py — builds the tiny random Stable Diffusion folder and the golden outputs
that tunegrid's model parity tests (tests/workers/test_models.cpp) compare against.

Writes, with fixed seeds:
  tests/fixtures/tiny-sd/            a complete diffusers folder (model_index.json, unet/,
                                     vae/, text_encoder/, scheduler/; tokenizer/ is made by
                                     make_tiny_tokenizer.py and must exist first)
  tests/fixtures/tiny-sd-v/unet/     an SD 2.x-style UNet (linear projections, per-block heads)
  tests/fixtures/tiny-clip/          a CLIPModel (text + vision towers) for CLIP scores
  tests/fixtures/parity/*.safetensors  inputs and reference outputs

Configs are diffusers' own test configs at half width, to keep every fixture under 5 MB:
block_out_channels (16, 32), norm_num_groups 8, layers_per_block 2, cross_attention_dim 32,
a 1,000-token vocabulary.

Run from the repository root:
  python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install torch diffusers transformers safetensors
  /tmp/refvenv/bin/python tests/reference/make_tiny_sd.py
"""
import json
import os
import shutil

import torch
from diffusers import AutoencoderKL, DDIMScheduler, EulerDiscreteScheduler, UNet2DConditionModel
from safetensors.torch import save_file
from transformers import CLIPConfig, CLIPModel, CLIPTextConfig, CLIPTextModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
SD = os.path.join(ROOT, "tiny-sd")
PARITY = os.path.join(ROOT, "parity")
torch.set_grad_enabled(False)


def randomize(module, seed):
    """Random weights everywhere (zero-initialised layers would hide bugs)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in module.named_parameters():
        if "norm" in name and name.endswith("weight"):
            p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))
        else:
            fan_in = p[0].numel() if p.dim() > 0 else 1
            p.copy_(0.2 * torch.randn(p.shape, generator=g) / max(1.0, fan_in ** 0.5 / 4))
    return module


def unet_config(v2):
    return dict(
        sample_size=16, in_channels=4, out_channels=4, layers_per_block=1 if v2 else 2,
        block_out_channels=(16, 32), norm_num_groups=8, cross_attention_dim=32,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=(2, 4) if v2 else 4, use_linear_projection=v2,
    )


def main():
    os.makedirs(PARITY, exist_ok=True)
    if not os.path.exists(os.path.join(SD, "tokenizer", "vocab.json")):
        raise SystemExit("run tests/reference/make_tiny_tokenizer.py first (tests/fixtures/tiny-sd/tokenizer)")
    g = torch.Generator().manual_seed(1234)

    # --- UNets ---
    unet = randomize(UNet2DConditionModel(**unet_config(False)), 1).eval()
    unet_v = randomize(UNet2DConditionModel(**unet_config(True)), 2).eval()
    unet.save_pretrained(os.path.join(SD, "unet"), safe_serialization=True)
    unet_v.save_pretrained(os.path.join(ROOT, "tiny-sd-v", "unet"), safe_serialization=True)
    sample = torch.randn(2, 4, 16, 16, generator=g)
    timesteps = torch.tensor([10, 500])
    context = torch.randn(2, 8, 32, generator=g)
    odd = torch.randn(1, 4, 12, 10, generator=g)  # sizes not a multiple of 4: upsample to the skip's size
    save_file({
        "sample": sample, "timesteps": timesteps, "context": context, "odd_sample": odd,
        "out": unet(sample, timesteps, context).sample,
        "out_v": unet_v(sample, timesteps, context).sample,
        "odd_out": unet(odd, timesteps[:1], context[:1]).sample,
    }, os.path.join(PARITY, "unet.safetensors"))

    # --- VAE ---
    vae = randomize(AutoencoderKL(
        in_channels=3, out_channels=3, down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2, block_out_channels=(16, 32), latent_channels=4,
        layers_per_block=1, norm_num_groups=8, sample_size=32), 3).eval()
    vae.save_pretrained(os.path.join(SD, "vae"), safe_serialization=True)
    image = torch.rand(1, 3, 32, 32, generator=g) * 2 - 1
    latent = torch.randn(1, 4, 16, 16, generator=g)
    dist = vae.encode(image).latent_dist
    save_file({"image": image, "mean": dist.mean, "logvar": dist.logvar, "latent": latent,
               "decoded": vae.decode(latent).sample}, os.path.join(PARITY, "vae.safetensors"))

    # --- text encoder ---
    text_config = CLIPTextConfig(
        vocab_size=1000, hidden_size=32, intermediate_size=37, num_hidden_layers=5, num_attention_heads=4,
        max_position_embeddings=77, hidden_act="quick_gelu", layer_norm_eps=1e-5, projection_dim=32,
        bos_token_id=998, eos_token_id=999, pad_token_id=999)
    text = randomize(CLIPTextModel(text_config), 4).eval()
    text.save_pretrained(os.path.join(SD, "text_encoder"), safe_serialization=True)
    ids = torch.randint(0, 998, (2, 77), generator=g)
    ids[:, 0] = 998
    ids[0, 9:] = 999
    ids[1, 30:] = 999
    out = text(ids, output_hidden_states=True)
    save_file({"input_ids": ids, "last_hidden_state": out.last_hidden_state, "pooled": out.pooler_output,
               "penultimate": out.hidden_states[-2]}, os.path.join(PARITY, "text_encoder.safetensors"))

    # --- CLIP (both towers), the evaluator ---
    clip_config = CLIPConfig(
        text_config=dict(vocab_size=1000, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=77, hidden_act="gelu",
                         bos_token_id=998, eos_token_id=999, pad_token_id=999),
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8, num_channels=3, hidden_act="quick_gelu"),
        projection_dim=16)
    clip = randomize(CLIPModel(clip_config), 5).eval()
    clip.save_pretrained(os.path.join(ROOT, "tiny-clip"), safe_serialization=True)
    pixels = torch.randn(2, 3, 32, 32, generator=g)
    save_file({"input_ids": ids, "pixel_values": pixels,
               # what CLIPModel.get_text_features / get_image_features compute
               "text_embeds": clip.text_projection(clip.text_model(input_ids=ids).pooler_output),
               "image_embeds": clip.visual_projection(clip.vision_model(pixel_values=pixels).pooler_output),
               "logit_scale": clip.logit_scale.detach().clone()},
              os.path.join(PARITY, "clip.safetensors"))

    # --- scheduler and model index ---
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                              clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    scheduler.save_pretrained(os.path.join(SD, "scheduler"))
    index = {"_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.42.1",
             "feature_extractor": [None, None], "safety_checker": [None, None], "requires_safety_checker": False,
             "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
             "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
             "vae": ["diffusers", "AutoencoderKL"], "image_encoder": [None, None]}
    with open(os.path.join(SD, "model_index.json"), "w") as f:
        json.dump(index, f, indent=2)

    # --- the training loss on a fixed batch (DDPM, epsilon target) ---
    from diffusers import DDPMScheduler
    ddpm = DDPMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", num_train_timesteps=1000)
    latents = torch.randn(2, 4, 16, 16, generator=g)
    noise = torch.randn(2, 4, 16, 16, generator=g)
    t = torch.tensor([3, 777])
    noisy = ddpm.add_noise(latents, noise, t)
    pred = unet(noisy, t, context).sample
    loss = torch.nn.functional.mse_loss(pred.float(), noise.float(), reduction="mean")
    save_file({"latents": latents, "noise": noise, "timesteps": t, "context": context, "noisy": noisy,
               "loss": loss.reshape(1)}, os.path.join(PARITY, "loss.safetensors"))

    # --- full sampling trajectories through the tiny UNet (CFG 7.5, 6 steps) ---
    cond = torch.randn(1, 8, 32, generator=g)
    uncond = torch.randn(1, 8, 32, generator=g)
    start = torch.randn(1, 4, 16, 16, generator=g)
    tensors = {"cond": cond, "uncond": uncond, "start": start}
    for name, cls in (("ddim", DDIMScheduler), ("euler", EulerDiscreteScheduler)):
        s = cls.from_pretrained(os.path.join(SD, "scheduler"))
        s.set_timesteps(6)
        x = start * s.init_noise_sigma
        for t in s.timesteps:
            inp = s.scale_model_input(torch.cat([x, x]), t)
            eps = unet(inp, t, torch.cat([uncond, cond])).sample
            e_u, e_c = eps.chunk(2)
            x = s.step(e_u + 7.5 * (e_c - e_u), t, x).prev_sample
        tensors[f"{name}_final"] = x
        tensors[f"{name}_timesteps"] = s.timesteps.clone()
    save_file(tensors, os.path.join(PARITY, "sampling.safetensors"))

    # --- the whole StableDiffusionPipeline, seeded: tunegrid's txt2img must draw the same ---
    from diffusers import StableDiffusionPipeline
    pipe = StableDiffusionPipeline.from_pretrained(SD, safety_checker=None)
    images = {}
    for sampler, cls in (("ddim", DDIMScheduler), ("euler", EulerDiscreteScheduler)):
        pipe.scheduler = cls.from_pretrained(os.path.join(SD, "scheduler"))
        out = pipe("a hanok in the fire", negative_prompt="", num_inference_steps=4, guidance_scale=7.5,
                   num_images_per_prompt=2, generator=torch.Generator().manual_seed(3), output_type="np").images
        images[f"{sampler}_images"] = torch.from_numpy((out * 255).round().astype("uint8")).contiguous()  # [2, H, W, 3]
    save_file(images, os.path.join(PARITY, "txt2img.safetensors"))

    total = sum(os.path.getsize(os.path.join(d, f)) for base in (SD, PARITY, os.path.join(ROOT, "tiny-clip"),
                                                                 os.path.join(ROOT, "tiny-sd-v"))
                for d, _, fs in os.walk(base) for f in fs)
    print(f"fixtures written: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
