// bench_unet_step.cpp — `bench.unet_step`: times one training step of tunegrid's
// UNet2DConditionModel — forward, MSE loss against random noise, backward, AdamW step
// (lr 1e-4, torch defaults otherwise) — at a named config and batch on the job's device.
// Records metrics `step_ms` (median over `steps` timed steps after `warmup`), `step_ms_min`,
// `params`, `threads`, and timings `forward`, `backward`, `optimizer`, `step` (median
// seconds per step); the loss of every step goes to /loss.
// The configs are defined identically in cluster/bench/unet_step_diffusers.py:
//   tiny  = tests/fixtures/tiny-sd/unet/config.json: block_out_channels (16, 32), layers_per_block 2,
//           DownBlock2D + CrossAttnDownBlock2D / CrossAttnUpBlock2D + UpBlock2D, attention_head_dim 4,
//           cross_attention_dim 32, norm_num_groups 8; 16×16 latents.
//   small = block_out_channels (64, 128, 256), layers_per_block 2, CrossAttnDownBlock2D ×2 + DownBlock2D /
//           UpBlock2D + CrossAttnUpBlock2D ×2, attention_head_dim 8, cross_attention_dim 256,
//           norm_num_groups 32; 32×32 latents.
//   Both: 4 latent channels, a 77-token context, timesteps uniform in [0, 1000).
// Run: build/tunegrid run experiments/bench/unet-step.toml (driver: cluster/bench/unet_step.sh).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "core/stopwatch.h"
#include "workers/jobs/bench_unet_step_spec.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/thread_count_guard.h"
#include "workers/models/unet_2d_condition.h"

namespace tunegrid {

namespace {

constexpr std::int64_t context_tokens = 77;

UNet2DConditionConfig bench_unet_config(const std::string& name) {
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
    c.block_out_channels = {64, 128, 256};
    c.down_block_types = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"};
    c.up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"};
    c.num_attention_heads = {8, 8, 8};
    c.cross_attention_dim = 256;
    c.norm_num_groups = 32;
  } else {
    throw std::runtime_error("bench.unet_step: unknown config '" + name + "'; expected tiny or small");
  }
  return c;
}


double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

void run_unet_step(JobContext& context) {
  const auto& job = context.job;
  const UNetStepParams declared;
  const std::string config_name = declared.config.of(job);
  const std::int64_t batch = declared.batch.of(job);
  const int steps = declared.steps.of(job);
  const int warmup = declared.warmup.of(job);
  const ThreadCountGuard thread_guard(declared.threads.of(job));
  const at::Device device(context.device);
  const bool synchronize = !device.is_cpu();

  UNet2DConditionConfig config = bench_unet_config(config_name);
  const std::int64_t latent_param = declared.latent_size.of(job);
  const std::int64_t latent = latent_param > 0 ? latent_param : config.sample_size;

  at::manual_seed(static_cast<std::uint64_t>(declared.seed.of(job)));
  UNet2DConditionModel model(config);
  model->to(device);
  model->train();
  std::int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));

  const auto options = at::TensorOptions().dtype(at::kFloat).device(device);
  const at::Tensor latents = at::randn({batch, config.in_channels, latent, latent}, options);
  const at::Tensor text = at::randn({batch, context_tokens, config.cross_attention_dim}, options);
  const at::Tensor timesteps = at::randint(0, 1000, {batch}, options.dtype(at::kLong));
  const at::Tensor noise = at::randn({batch, config.out_channels, latent, latent}, options);

  std::vector<double> forward_s, backward_s, optimizer_s, step_s;
  for (std::int64_t i = 0; i < warmup + steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    for (auto& p : model->parameters()) p.mutable_grad().reset();  // zero_grad(set_to_none=True), as in PyTorch
    const at::Tensor loss = at::mse_loss(model->forward(latents, timesteps, text), noise);
    if (synchronize) (void)loss.item<float>();
    const double forward_end = seconds_since(start);
    loss.backward();
    if (synchronize) (void)model->parameters().front().grad().sum().item<float>();
    const double backward_end = seconds_since(start);
    optimizer.step();
    if (synchronize) (void)model->parameters().front().sum().item<float>();
    const double step_end = seconds_since(start);
    const float loss_value = loss.item<float>();  // outside the timed step on the CPU
    if (i < warmup) continue;
    forward_s.push_back(forward_end);
    backward_s.push_back(backward_end - forward_end);
    optimizer_s.push_back(step_end - backward_end);
    step_s.push_back(step_end);
    context.outputs.loss.push_back(loss_value);
  }

  context.outputs.metrics["step_ms"] = median(step_s) * 1e3;
  context.outputs.metrics["step_ms_min"] = *std::min_element(step_s.begin(), step_s.end()) * 1e3;
  context.outputs.metrics["params"] = static_cast<double>(params);
  context.outputs.metrics["latent_size"] = static_cast<double>(latent);
  context.outputs.metrics["threads"] = at::get_num_threads();
  context.outputs.timings["forward"] = median(forward_s);
  context.outputs.timings["backward"] = median(backward_s);
  context.outputs.timings["optimizer"] = median(optimizer_s);
  context.outputs.timings["step"] = median(step_s);
}

}  // namespace

JobKind bench_unet_step_kind() {
  JobKind kind;
  kind.spec = bench_unet_step_spec();
  kind.run = run_unet_step;
  return kind;
}

}  // namespace tunegrid
