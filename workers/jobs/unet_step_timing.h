// unet_step_timing.h — timed training steps of tunegrid's UNet2DConditionModel at a named
// config with random weights: forward, MSE loss against random noise, backward, AdamW (lr
// 1e-4, torch defaults otherwise), optionally under autocast (bf16 / fp16, the weights and
// optimizer in fp32, as a full fine-tune with diffusers' --mixed_precision). Shared by
// bench.unet_step and bench.devices. The configs, defined identically in
// cluster/bench/unet_step_diffusers.py:
//   tiny  = tests/fixtures/tiny-sd/unet/config.json: block_out_channels (16, 32), layers_per_block 2,
//           DownBlock2D + CrossAttnDownBlock2D / CrossAttnUpBlock2D + UpBlock2D, attention_head_dim 4,
//           cross_attention_dim 32, norm_num_groups 8; 16×16 latents.
//   small = block_out_channels (64, 128, 256), layers_per_block 2, CrossAttnDownBlock2D ×2 + DownBlock2D /
//           UpBlock2D + CrossAttnUpBlock2D ×2, attention_head_dim 8, cross_attention_dim 256,
//           norm_num_groups 32; 32×32 latents.
//   sd15  = Stable Diffusion 1.5's UNet: block_out_channels (320, 640, 1280, 1280), CrossAttnDownBlock2D ×3 +
//           DownBlock2D / UpBlock2D + CrossAttnUpBlock2D ×3, attention_head_dim 8, cross_attention_dim 768,
//           norm_num_groups 32; 64×64 latents (512 px images).
//   All: 4 latent channels, a 77-token context, timesteps uniform in [0, 1000).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "workers/models/unet_2d_condition.h"

namespace tunegrid {

// tiny | small | sd15; anything else is an InputError naming `where`.
UNet2DConditionConfig bench_unet_config(const std::string& name, const std::string& where);

struct UNetStepRequest {
  UNet2DConditionConfig config;
  std::int64_t batch = 1, latent_size = 0;  // latent_size 0: the config's sample_size
  int steps = 10, warmup = 2;
  std::optional<at::ScalarType> autocast;   // none: fp32
  std::uint64_t seed = 0;
};

struct UNetStepTimes {
  std::vector<double> forward, backward, optimizer, step;  // seconds per timed step
  std::vector<float> loss;                                 // per timed step
  std::int64_t params = 0, latent_size = 0;
};

// Runs warmup + steps training steps on `device` (synchronising an asynchronous device at
// each phase's end, so the phases' times are the device's).
UNetStepTimes time_unet_steps(const UNetStepRequest& request, const at::Device& device);

}  // namespace tunegrid
