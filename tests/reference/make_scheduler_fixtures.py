"""Reference fixtures for tunegrid's noise schedules and schedulers (workers/diffusion/).

What: runs diffusers' DDPMScheduler, DDIMScheduler and EulerDiscreteScheduler (and the min-SNR-gamma
weighting of diffusers' training scripts) on a few scheduler_config.json files and writes what they compute
as small plain-JSON files into tests/fixtures/schedulers/, which tests/workers/test_schedulers.cpp compares
against:

  <name>/scheduler_config.json   the config (Stable Diffusion 1.x and 2.x style, and two others)
  <name>.json                    betas / alphas_cumprod, the configs diffusers resolves (defaults filled in),
                                 inference timesteps / sigmas / init_noise_sigma for DDPM, DDIM and Euler
                                 over several spacings, step counts and Euler options, add_noise / velocity /
                                 training target / SNR / min-SNR weights on fixed inputs, and full 10-step
                                 DDIM, Euler and DDPM trajectories on a 1x4x4x4 latent driven by the fake
                                 model eps(x, t) = 0.1*x + 0.01*t/1000 (every intermediate sample recorded).

Floats are float32 values written as the shortest float64 text that reproduces them; all files stay < 1 MB.

How to run (from the repository root, with the reference venv that has torch + diffusers):

    /work/refvenv/bin/python tests/reference/make_scheduler_fixtures.py
"""

import json
import os
import pathlib

import numpy as np
import torch
from diffusers import DDIMScheduler, DDPMScheduler, EulerDiscreteScheduler

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "schedulers"

CONFIGS = {
    # Stable Diffusion 1.x (runwayml/stable-diffusion-v1-5 scheduler/scheduler_config.json).
    "sd1": {
        "_class_name": "PNDMScheduler",
        "_diffusers_version": "0.6.0",
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "beta_start": 0.00085,
        "clip_sample": False,
        "num_train_timesteps": 1000,
        "set_alpha_to_one": False,
        "skip_prk_steps": True,
        "steps_offset": 1,
        "trained_betas": None,
    },
    # Stable Diffusion 2.x at 768 px (v_prediction).
    "sd2_v": {
        "_class_name": "DDIMScheduler",
        "_diffusers_version": "0.8.0",
        "beta_end": 0.012,
        "beta_schedule": "scaled_linear",
        "beta_start": 0.00085,
        "clip_sample": False,
        "num_train_timesteps": 1000,
        "prediction_type": "v_prediction",
        "set_alpha_to_one": False,
        "skip_prk_steps": True,
        "steps_offset": 1,
        "trained_betas": None,
    },
    # Cosine schedule, x0 prediction, clipping; everything else left to the defaults.
    "cosine_sample": {
        "_class_name": "DDPMScheduler",
        "beta_schedule": "squaredcos_cap_v2",
        "prediction_type": "sample",
        "clip_sample": True,
        "clip_sample_range": 1.5,
    },
    # Linear schedule rescaled to zero terminal SNR, v_prediction, trailing spacing, dynamic thresholding.
    "zsnr_v": {
        "_class_name": "DDIMScheduler",
        "rescale_betas_zero_snr": True,
        "prediction_type": "v_prediction",
        "timestep_spacing": "trailing",
        "thresholding": True,
        "dynamic_thresholding_ratio": 0.9,
        "sample_max_value": 1.2,
        "set_alpha_to_one": True,
    },
}

CLASSES = {"ddpm": DDPMScheduler, "ddim": DDIMScheduler, "euler": EulerDiscreteScheduler}


def floats(tensor_or_array):
    array = np.asarray(tensor_or_array.detach().cpu() if torch.is_tensor(tensor_or_array) else tensor_or_array)
    return [float(v) for v in array.astype(np.float32).reshape(-1)]


def make(kind, directory, overrides=None):
    cls = CLASSES[kind]
    if not overrides:
        return cls.from_pretrained(directory)  # reads directory/scheduler_config.json
    return cls.from_config(cls.load_config(directory), **overrides)


def fake_model(x, t):
    return 0.1 * x + 0.01 * float(t) / 1000


def timestep_sets(name, directory):
    sets = []
    spacings = ["leading", "trailing", "linspace"]
    for kind in ["ddpm", "ddim"]:
        for spacing in spacings:
            for steps in [1, 3, 7, 10, 25, 50, 333]:
                scheduler = make(kind, directory, {"timestep_spacing": spacing})
                scheduler.set_timesteps(steps)
                sets.append({"scheduler": kind, "overrides": {"timestep_spacing": spacing}, "steps": steps,
                             "timesteps": [int(t) for t in scheduler.timesteps]})
    euler_overrides = [{"timestep_spacing": s} for s in spacings]
    if name in ("sd1", "sd2_v"):
        euler_overrides += [
            {"use_karras_sigmas": True},
            {"use_karras_sigmas": True, "sigma_min": 0.1, "sigma_max": 10.0},
            {"use_exponential_sigmas": True},
            {"interpolation_type": "log_linear"},
            {"final_sigmas_type": "sigma_min", "timestep_spacing": "trailing"},
        ]
    if name == "sd2_v":
        euler_overrides.append({"timestep_type": "continuous"})
    for overrides in euler_overrides:
        for steps in [10, 25]:
            scheduler = make("euler", directory, overrides)
            scheduler.set_timesteps(steps)
            sets.append({"scheduler": "euler", "overrides": overrides, "steps": steps,
                         "timesteps": floats(scheduler.timesteps), "sigmas": floats(scheduler.sigmas),
                         "init_noise_sigma": float(scheduler.init_noise_sigma)})
    return sets


def training(directory):
    scheduler = make("ddpm", directory)
    generator = torch.Generator().manual_seed(1234)
    timesteps = torch.tensor([0, 1, 10, 250, 500, 998, 999, 37], dtype=torch.int64)
    x0 = torch.randn(8, 4, 2, 2, generator=generator)
    noise = torch.randn(8, 4, 2, 2, generator=generator)
    prediction_type = scheduler.config.prediction_type
    if prediction_type == "epsilon":
        target = noise
    elif prediction_type == "v_prediction":
        target = scheduler.get_velocity(x0, noise, timesteps)
    else:
        target = x0
    # training_utils.compute_snr and the min-SNR-gamma weights of examples/text_to_image/train_text_to_image.py
    from diffusers.training_utils import compute_snr

    snr = compute_snr(scheduler, timesteps)
    gamma = 5.0
    weights = torch.stack([snr, gamma * torch.ones_like(timesteps)], dim=1).min(dim=1)[0]
    if prediction_type == "epsilon":
        weights = weights / snr
    elif prediction_type == "v_prediction":
        weights = weights / (snr + 1)
    return {"shape": list(x0.shape), "timesteps": timesteps.tolist(), "x0": floats(x0), "noise": floats(noise),
            "add_noise": floats(scheduler.add_noise(x0, noise, timesteps)),
            "velocity": floats(scheduler.get_velocity(x0, noise, timesteps)), "target": floats(target),
            "snr": floats(snr), "gamma": gamma, "min_snr_weights": floats(weights)}


def trajectory(kind, directory, steps=10):
    scheduler = make(kind, directory)
    scheduler.set_timesteps(steps)
    noise = torch.randn(1, 4, 4, 4, generator=torch.Generator().manual_seed(42))
    latents = noise * scheduler.init_noise_sigma
    record = {"scheduler": kind, "steps": steps, "timesteps": floats(scheduler.timesteps), "noise": floats(noise),
              "initial": floats(latents), "samples": [], "step_noise": []}
    step_generator = torch.Generator().manual_seed(7)
    shadow_generator = torch.Generator().manual_seed(7)  # draws the same noise DDPM draws, to record it
    for t in scheduler.timesteps:
        model_input = scheduler.scale_model_input(latents, t)
        model_output = fake_model(model_input, t)
        if kind == "ddpm":
            if int(t) > 0:
                record["step_noise"].append(floats(torch.randn(model_output.shape, generator=shadow_generator)))
            latents = scheduler.step(model_output, t, latents, generator=step_generator).prev_sample
        else:
            latents = scheduler.step(model_output, t, latents).prev_sample
        record["samples"].append(floats(latents))
    return record


def resolved(kind, directory):
    config = dict(make(kind, directory).config)
    return {k: v for k, v in config.items() if isinstance(v, (bool, int, float, str)) or v is None}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, config in CONFIGS.items():
        directory = OUT / name
        directory.mkdir(exist_ok=True)
        with open(directory / "scheduler_config.json", "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        ddim = make("ddim", directory)
        euler = make("euler", directory)
        fixture = {
            "config": f"{name}/scheduler_config.json",
            "resolved": {kind: resolved(kind, directory) for kind in CLASSES},
            "betas": floats(ddim.betas),
            "alphas_cumprod": floats(ddim.alphas_cumprod),
            "euler_alphas_cumprod": floats(euler.alphas_cumprod),
            "timestep_sets": timestep_sets(name, directory),
            "training": training(directory),
            "trajectories": [trajectory(kind, directory) for kind in ["ddim", "euler", "ddpm"]],
        }
        path = OUT / f"{name}.json"
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        size = os.path.getsize(path)
        assert size < 1_000_000, f"{path} is {size} bytes"
        print(f"wrote {path.relative_to(ROOT)} ({size} bytes)")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
