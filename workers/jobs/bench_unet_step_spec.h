// bench_unet_step_spec.h — the parameters of `bench.unet_step`, declared once (core/job_params.h):
// bench_unet_step_spec.cpp publishes them, bench_unet_step.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct UNetStepParams : ParamList {
  Param<std::string> config{*this, "config", "tiny",
                            "tiny: the tiny-sd fixture UNet (16, 32); small: block_out_channels (64, 128, 256); "
                            "sd15: Stable Diffusion 1.5's UNet",
                            std::nullopt, {"tiny", "small", "sd15"}};
  Param<int> batch{*this, "batch", 1, "latents per step", 1.0};
  Param<int> latent_size{*this, "latent_size", 0, "latent height and width (0: 16 for tiny, 32 for small, 64 for sd15)", 0.0};
  Param<int> steps{*this, "steps", 10, "timed steps (the median counts)", 1.0};
  Param<int> warmup{*this, "warmup", 2, "untimed steps first", 0.0};
  Param<int> threads{*this, "threads", 0, "intra-op threads (0: leave libtorch's setting)", 0.0};
  Param<int> seed{*this, "seed", 0, "seed of the weights and the random batch", 0.0};
};

}  // namespace tunegrid
