"""make_flux_finetune_fixtures.py — golden values for tunegrid's FLUX fine-tuning (tests/workers/test_flux.cpp,
suite flux_finetune): what diffusers' train_dreambooth_lora_flux.py computes for one training step, what prodigyopt's
Prodigy does over a few steps, and a peft LoRA file as FluxPipeline.save_lora_weights writes it.

Writes tests/fixtures/flux-finetune/:
  lora_peft.safetensors      a rank-2 LoRA (lora_alpha 4, so scale 2) on the script's default targets of
                             tests/fixtures/tiny-flux/transformer, random A and B, saved by FluxPipeline.save_lora_weights
                             (alpha in the header's lora_adapter_metadata, as the script saves it)
  training_step.safetensors  a fixed batch of 2 (latents, noise, sigma, T5 states, CLIP pooled) through the script's
                             step with that LoRA loaded: the packed input, the prediction, the loss for weighting_scheme
                             none / sigma_sqrt / cosmap, the gradient of two LoRA factors (scheme none); the training
                             scheduler's sigmas and timesteps (FlowMatchEulerDiscreteScheduler as constructed)
                             and autocast_cosine_bf16 / _fp16: the cosine between the LoRA factors' gradients of one
                             step under CPU autocast and in fp32 (σ 0.5 and 0.25, exact in both formats) — how far
                             diffusers' own mixed-precision gradients move
  prodigy.safetensors        two parameters (one starting at zero, like a LoRA B) stepped 6 times by Prodigy on fixed
                             gradients, with diffusers' FLUX settings (bias correction, safeguard warmup, decoupled weight
                             decay 1e-4) and with prodigyopt's defaults plus coupled weight decay; the parameters and d
                             after every step, under a learning-rate warmup

Run from the repository root, after make_tiny_flux.py (about 10 s, one thread):
  /tmp/refvenv/bin/python tests/reference/make_flux_finetune_fixtures.py
"""
import os

import torch

torch.set_num_threads(1)

import prodigyopt  # noqa: E402
from diffusers import FlowMatchEulerDiscreteScheduler, FluxPipeline, FluxTransformer2DModel  # noqa: E402
from diffusers.training_utils import compute_loss_weighting_for_sd3  # noqa: E402
from peft import LoraConfig, get_peft_model_state_dict  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
FLUX = os.path.join(ROOT, "tiny-flux")
OUT = os.path.join(ROOT, "flux-finetune")
TARGETS = ["attn.to_k", "attn.to_q", "attn.to_v", "attn.to_out.0", "attn.add_k_proj", "attn.add_q_proj",
           "attn.add_v_proj", "attn.to_add_out", "ff.net.0.proj", "ff.net.2", "ff_context.net.0.proj",
           "ff_context.net.2"]


def lora_transformer():
    transformer = FluxTransformer2DModel.from_pretrained(os.path.join(FLUX, "transformer"))
    transformer.add_adapter(LoraConfig(r=2, lora_alpha=4, init_lora_weights="gaussian", target_modules=TARGETS))
    g = torch.Generator().manual_seed(11)
    with torch.no_grad():
        for name, p in transformer.named_parameters():
            if "lora_" in name:
                p.copy_(0.3 * torch.randn(p.shape, generator=g))
    return transformer


def pack(x):
    b, c, h, w = x.shape
    return x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 2, 4, 1, 3, 5).reshape(b, (h // 2) * (w // 2), c * 4)


def unpack(x, h, w):
    b, n, c = x.shape
    return x.view(b, h // 2, w // 2, c // 4, 2, 2).permute(0, 3, 1, 4, 2, 5).reshape(b, c // 4, h, w)


def training_step(transformer):
    g = torch.Generator().manual_seed(12)
    latents = torch.randn(2, 16, 8, 8, generator=g)
    noise = torch.randn(2, 16, 8, 8, generator=g)
    scheduler = FlowMatchEulerDiscreteScheduler.from_pretrained(os.path.join(FLUX, "scheduler"))
    indices = torch.tensor([123, 871])
    timesteps = scheduler.timesteps[indices]
    sigmas = scheduler.sigmas[indices].view(-1, 1, 1, 1)
    t5 = torch.randn(2, 24, 32, generator=g)
    pooled = torch.randn(2, 32, generator=g)
    noisy = (1.0 - sigmas) * latents + sigmas * noise
    ids = FluxPipeline._prepare_latent_image_ids(2, 4, 4, "cpu", torch.float32)
    pred = transformer(hidden_states=pack(noisy), timestep=timesteps / 1000, guidance=torch.tensor([3.5]).expand(2),
                       pooled_projections=pooled, encoder_hidden_states=t5, txt_ids=torch.zeros(24, 3), img_ids=ids,
                       return_dict=False)[0]
    pred = unpack(pred, 8, 8)
    target = noise - latents
    out = {"latents": latents, "noise": noise, "indices": indices, "timesteps": timesteps, "sigmas": sigmas.flatten(),
           "t5_states": t5, "pooled": pooled, "noisy": noisy, "prediction": pred.detach(),
           "schedule_sigmas": scheduler.sigmas, "schedule_timesteps": scheduler.timesteps}
    for scheme in ("none", "sigma_sqrt", "cosmap"):
        weighting = compute_loss_weighting_for_sd3(scheme, sigmas)
        loss = torch.mean((weighting.float() * (pred.float() - target.float()) ** 2).reshape(2, -1), 1).mean()
        out[f"loss_{scheme}"] = loss.detach().reshape(1)
        if scheme == "none":
            loss.backward()
            for name, p in transformer.named_parameters():
                if name in ("transformer_blocks.0.attn.to_q.lora_A.default.weight",
                            "single_transformer_blocks.1.attn.to_v.lora_B.default.weight"):
                    out["grad." + name.replace(".default", "")] = p.grad.detach().clone()
    return out


def autocast_cosines():
    g = torch.Generator().manual_seed(12)
    latents = torch.randn(2, 16, 8, 8, generator=g)
    noise = torch.randn(2, 16, 8, 8, generator=g)
    t5 = torch.randn(2, 24, 32, generator=g)
    pooled = torch.randn(2, 32, generator=g)
    sigmas = torch.tensor([0.5, 0.25]).view(-1, 1, 1, 1)
    ids = FluxPipeline._prepare_latent_image_ids(2, 4, 4, "cpu", torch.float32)

    def gradients(dtype):
        transformer = lora_transformer()
        with torch.autocast("cpu", dtype=dtype or torch.bfloat16, enabled=dtype is not None):
            pred = transformer(hidden_states=pack((1 - sigmas) * latents + sigmas * noise), timestep=sigmas.flatten(),
                               guidance=torch.tensor([3.5]).expand(2), pooled_projections=pooled,
                               encoder_hidden_states=t5, txt_ids=torch.zeros(24, 3), img_ids=ids, return_dict=False)[0]
        loss = torch.mean(((unpack(pred, 8, 8).float() - (noise - latents)) ** 2).reshape(2, -1), 1).mean()
        loss.backward()
        return torch.cat([p.grad.flatten() for n, p in transformer.named_parameters() if "lora_" in n]).double()

    reference = gradients(None)
    out = {}
    for name, dtype in (("bf16", torch.bfloat16), ("fp16", torch.float16)):
        x = gradients(dtype)
        out[f"autocast_cosine_{name}"] = ((x @ reference) / (x.norm() * reference.norm())).reshape(1)
    return out


def prodigy_runs():
    out = {}
    g = torch.Generator().manual_seed(13)
    start = [0.5 * torch.randn(6, 4, generator=g), torch.zeros(3, 6)]
    grads = [[torch.randn(6, 4, generator=g), torch.randn(3, 6, generator=g)] for _ in range(6)]
    lrs = [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]  # a constant_with_warmup schedule
    out["start.0"], out["start.1"], out["lrs"] = start[0], start[1], torch.tensor(lrs, dtype=torch.float64)
    for step, (a, b) in enumerate(grads):
        out[f"grad.{step}.0"], out[f"grad.{step}.1"] = a, b
    settings = {"flux": dict(betas=(0.9, 0.999), beta3=None, weight_decay=1e-4, eps=1e-8, decouple=True,
                             use_bias_correction=True, safeguard_warmup=True),
                "coupled": dict(weight_decay=1e-2, decouple=False)}
    for name, kwargs in settings.items():
        params = [torch.nn.Parameter(s.clone()) for s in start]
        optimizer = prodigyopt.Prodigy(params, lr=1.0, **kwargs)
        for step, lr in enumerate(lrs):
            for group in optimizer.param_groups:
                group["lr"] = lr
            for p, grad in zip(params, grads[step]):
                p.grad = grad.clone()
            optimizer.step()
            out[f"{name}.{step}.0"], out[f"{name}.{step}.1"] = params[0].detach().clone(), params[1].detach().clone()
            out[f"{name}.{step}.d"] = torch.tensor([optimizer.param_groups[0]["d"]], dtype=torch.float64)
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    transformer = lora_transformer()
    state = get_peft_model_state_dict(transformer)
    metadata = transformer.peft_config["default"].to_dict()
    metadata["target_modules"] = sorted(metadata["target_modules"])  # a set: its order follows the hash seed
    FluxPipeline.save_lora_weights(OUT, transformer_lora_layers=state, weight_name="lora_peft.safetensors",
                                   transformer_lora_adapter_metadata=metadata)
    step = training_step(transformer)
    step.update(autocast_cosines())
    save_file({k: v.contiguous() for k, v in step.items()}, os.path.join(OUT, "training_step.safetensors"))
    save_file({k: v.contiguous() for k, v in prodigy_runs().items()}, os.path.join(OUT, "prodigy.safetensors"))
    for name in sorted(os.listdir(OUT)):
        print(f"{name}: {os.path.getsize(os.path.join(OUT, name)) / 1024:.0f} KB")


if __name__ == "__main__":
    main()
