#!/usr/bin/env python3
"""unet_step_diffusers.py — the PyTorch + diffusers peer of the `bench.unet_step` job kind
(workers/jobs/bench_unet_step.cpp): times one training step of diffusers'
UNet2DConditionModel — forward, MSE loss against random noise, backward, torch.optim.AdamW
step (lr 1e-4, torch defaults otherwise; gradients set to None before each step) — and
prints one JSON line per (config, batch): step_ms (median), step_ms_min, params and the
median forward / backward / optimizer milliseconds.

The configs are the same as in the C++ kind:
  tiny  = tests/fixtures/tiny-sd/unet/config.json: block_out_channels (16, 32), layers_per_block 2,
          DownBlock2D + CrossAttnDownBlock2D / CrossAttnUpBlock2D + UpBlock2D, attention_head_dim 4,
          cross_attention_dim 32, norm_num_groups 8; 16x16 latents.
  small = block_out_channels (64, 128, 256), layers_per_block 2, CrossAttnDownBlock2D x2 + DownBlock2D /
          UpBlock2D + CrossAttnUpBlock2D x2, attention_head_dim 8, cross_attention_dim 256,
          norm_num_groups 32; 32x32 latents.
  Both: 4 latent channels, a 77-token context, timesteps uniform in [0, 1000).

Needs torch and diffusers (e.g. the venv of tests/reference/). Usually run by
cluster/bench/unet_step.sh; by hand:
  python cluster/bench/unet_step_diffusers.py --configs tiny small --batches 1 4 8 \
      --threads 1 --steps 10 --warmup 2 --seed 0
"""
import argparse
import json
import statistics
import time

import torch
from diffusers import UNet2DConditionModel

CONTEXT_TOKENS = 77

CONFIGS = {
    "tiny": dict(
        sample_size=16,
        block_out_channels=(16, 32),
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        attention_head_dim=4,
        cross_attention_dim=32,
        norm_num_groups=8,
    ),
    "small": dict(
        sample_size=32,
        block_out_channels=(64, 128, 256),
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=8,
        cross_attention_dim=256,
        norm_num_groups=32,
    ),
    # Stable Diffusion 1.5's UNet (runwayml/stable-diffusion-v1-5 unet/config.json), random weights.
    "sd15": dict(
        sample_size=64,
        block_out_channels=(320, 640, 1280, 1280),
        down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=8,
        cross_attention_dim=768,
        norm_num_groups=32,
    ),
}
COMMON = dict(in_channels=4, out_channels=4, layers_per_block=2, mid_block_type="UNetMidBlock2DCrossAttn",
              use_linear_projection=False, flip_sin_to_cos=True, freq_shift=0)


def bench(name, batch, latent_size, steps, warmup, seed, device):
    torch.manual_seed(seed)
    config = dict(COMMON, **CONFIGS[name])
    latent = latent_size or config["sample_size"]
    model = UNet2DConditionModel(**config).to(device).train()
    params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    latents = torch.randn(batch, 4, latent, latent, device=device)
    text = torch.randn(batch, CONTEXT_TOKENS, config["cross_attention_dim"], device=device)
    timesteps = torch.randint(0, 1000, (batch,), device=device)
    noise = torch.randn(batch, 4, latent, latent, device=device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    forward, backward, opt, step = [], [], [], []
    for i in range(warmup + steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(model(latents, timesteps, text).sample, noise)
        sync()
        t_forward = time.perf_counter() - start
        loss.backward()
        sync()
        t_backward = time.perf_counter() - start
        optimizer.step()
        sync()
        t_step = time.perf_counter() - start
        loss.item()
        if i < warmup:
            continue
        forward.append(t_forward)
        backward.append(t_backward - t_forward)
        opt.append(t_step - t_backward)
        step.append(t_step)
    ms = lambda xs: statistics.median(xs) * 1e3
    return dict(config=name, batch=batch, latent_size=latent, threads=torch.get_num_threads(), params=params,
                step_ms=ms(step), step_ms_min=min(step) * 1e3, forward_ms=ms(forward), backward_ms=ms(backward),
                optimizer_ms=ms(opt), torch=torch.__version__)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--configs", nargs="+", default=["tiny", "small"], choices=sorted(CONFIGS))
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 4, 8])
    parser.add_argument("--latent-size", type=int, default=0, help="0: 16 for tiny, 32 for small")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    for name in args.configs:
        for batch in args.batches:
            result = bench(name, batch, args.latent_size, args.steps, args.warmup, args.seed, args.device)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
