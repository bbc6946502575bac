// unet_step_timing.cpp — see unet_step_timing.h.
#include "workers/jobs/unet_step_timing.h"

#include <ATen/ATen.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>

#include "core/errors.h"
#include "core/stopwatch.h"
#include "workers/models/autocast_scope.h"

namespace tunegrid {

namespace {

constexpr std::int64_t kContextTokens = 77;

// Stable Diffusion's layout with `channels` per level: cross-attention at every level but the deepest.
void set_levels(UNet2DConditionConfig& c, std::vector<int> channels, int heads, int cross_attention_dim, int groups) {
  c.block_out_channels = channels;
  c.num_attention_heads = std::vector<int>(channels.size(), heads);
  c.cross_attention_dim = cross_attention_dim;
  c.norm_num_groups = groups;
  c.down_block_types.assign(channels.size() - 1, "CrossAttnDownBlock2D");
  c.down_block_types.push_back("DownBlock2D");
  c.up_block_types.assign(1, "UpBlock2D");
  c.up_block_types.insert(c.up_block_types.end(), channels.size() - 1, "CrossAttnUpBlock2D");
}

}  // namespace

UNet2DConditionConfig bench_unet_config(const std::string& name, const std::string& where) {
  UNet2DConditionConfig c;
  c.in_channels = c.out_channels = 4;
  c.layers_per_block = 2;
  c.transformer_layers_per_block = 1;
  c.use_linear_projection = false;
  if (name == "tiny") {
    c.sample_size = 16;
    c.block_out_channels = {16, 32};
    c.down_block_types = {"DownBlock2D", "CrossAttnDownBlock2D"};
    c.up_block_types = {"CrossAttnUpBlock2D", "UpBlock2D"};
    c.num_attention_heads = {4, 4};
    c.cross_attention_dim = 32;
    c.norm_num_groups = 8;
  } else if (name == "small") {
    c.sample_size = 32;
    set_levels(c, {64, 128, 256}, 8, 256, 32);
  } else if (name == "sd15") {
    c.sample_size = 64;
    set_levels(c, {320, 640, 1280, 1280}, 8, 768, 32);
  } else {
    throw InputError(where + ": unknown UNet config '" + name + "'; expected tiny, small or sd15");
  }
  return c;
}

UNetStepTimes time_unet_steps(const UNetStepRequest& request, const at::Device& device) {
  const bool synchronize = !device.is_cpu();
  const UNet2DConditionConfig& config = request.config;
  UNetStepTimes out;
  out.latent_size = request.latent_size > 0 ? request.latent_size : config.sample_size;
  at::manual_seed(request.seed);
  UNet2DConditionModel model(config);
  model->to(device);
  model->train();
  for (const auto& p : model->parameters()) out.params += p.numel();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));

  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  const std::int64_t batch = request.batch, latent = out.latent_size;
  const at::Tensor latents = at::randn({batch, config.in_channels, latent, latent}, options);
  const at::Tensor text = at::randn({batch, kContextTokens, config.cross_attention_dim}, options);
  const at::Tensor timesteps = at::randint(0, 1000, {batch}, options.dtype(at::kLong));
  const at::Tensor noise = at::randn({batch, config.out_channels, latent, latent}, options);

  for (int i = 0; i < request.warmup + request.steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    for (auto& p : model->parameters()) p.mutable_grad().reset();  // zero_grad(set_to_none=True), as in PyTorch
    at::Tensor loss;
    {
      const AutocastScope autocast(device.type(), request.autocast);
      loss = at::mse_loss(model->forward(latents, timesteps, text).to(at::kFloat), noise);
    }
    if (synchronize) (void)loss.item<float>();
    const double forward_end = seconds_since(start);
    loss.backward();
    if (synchronize) (void)model->parameters().front().grad().sum().item<float>();
    const double backward_end = seconds_since(start);
    optimizer.step();
    if (synchronize) (void)model->parameters().front().sum().item<float>();
    const double step_end = seconds_since(start);
    const float loss_value = loss.item<float>();  // outside the timed step on the CPU
    if (i < request.warmup) continue;
    out.forward.push_back(forward_end);
    out.backward.push_back(backward_end - forward_end);
    out.optimizer.push_back(step_end - backward_end);
    out.step.push_back(step_end);
    out.loss.push_back(loss_value);
  }
  return out;
}

}  // namespace tunegrid
