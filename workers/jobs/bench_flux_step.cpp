// bench_flux_step.cpp — `bench.flux_step`: times training steps of tunegrid's
// FluxTransformer2DModel with random weights at the job's size on the job's device, as
// pretraining or a full fine-tune runs them (flux_training.h's objective: noisy = (1 − σ)x₀ + σε at
// σ ~ U(0, 1), target ε − x₀, MSE; the guidance embedder on; AdamW lr 1e-4). The RoPE axes split
// the head as FLUX.1's do (16:56:56 of 128, rounded to even sizes). Records metrics `step_ms`
// (median over `steps` timed steps after `warmup`), `step_ms_min`, `params`, `tokens` (image +
// text per example), `threads`, and timings `forward`, `backward`, `optimizer`, `step` (median
// seconds); the loss of every step goes to /loss.
// Run: build/tunegrid run experiments/bench/flux-step.toml (driver: cluster/bench/flux_step.sh).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/optim/adamw.h>

#include <algorithm>
#include <chrono>

#include "core/errors.h"
#include "core/median.h"
#include "core/stopwatch.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/bench_flux_step_spec.h"
#include "workers/jobs/thread_count_guard.h"

namespace tunegrid {

namespace {

// FLUX.1's 16:56:56 split of a 128-wide head, scaled to `head_dim` and rounded to even sizes.
std::vector<int> rope_axes(int head_dim) {
  const int first = std::max(2, (head_dim * 16 / 128) / 2 * 2);
  const int rest = (head_dim - first) / 2 / 2 * 2;
  return {first, rest, head_dim - first - rest};
}

FluxTransformerConfig config_of(const FluxStepParams& p, const Job& job) {
  FluxTransformerConfig c;
  c.num_layers = p.num_layers.of(job);
  c.num_single_layers = p.num_single_layers.of(job);
  c.num_attention_heads = p.num_attention_heads.of(job);
  c.attention_head_dim = p.attention_head_dim.of(job);
  c.in_channels = 4 * p.latent_channels.of(job);
  c.joint_attention_dim = c.pooled_projection_dim = p.text_width.of(job);
  c.guidance_embeds = true;
  c.axes_dims_rope = rope_axes(c.attention_head_dim);
  if (c.attention_head_dim % 2 != 0 || c.axes_dims_rope[2] < 2)
    throw InputError(p.attention_head_dim.where(job) + ": expected an even head width of at least 8");
  return c;
}

// A random batch at the job's size: the transformer's input at σ ~ U(0, 1) and the target ε − x₀.
struct FluxStepBatch {
  FluxTransformerInput input;
  at::Tensor target;
  std::int64_t latent_size = 0;
};

FluxStepBatch random_batch(const FluxStepParams& p, const Job& job, const at::TensorOptions& options) {
  const std::int64_t batch = p.batch.of(job), size = p.latent_size.of(job), tokens = p.text_tokens.of(job);
  if (size % 2 != 0) throw InputError(p.latent_size.where(job) + ": expected an even latent size");
  const at::Tensor x0 = at::randn({batch, p.latent_channels.of(job), size, size}, options);
  const at::Tensor noise = at::randn_like(x0);
  const at::Tensor sigma = at::rand({batch}, options);
  const at::Tensor s = sigma.view({-1, 1, 1, 1});
  FluxStepBatch out;
  out.input.hidden_states = pack_flux_latents((1 - s) * x0 + s * noise);
  out.input.encoder_hidden_states = at::randn({batch, tokens, p.text_width.of(job)}, options);
  out.input.pooled_projections = at::randn({batch, p.text_width.of(job)}, options);
  out.input.timestep = sigma;
  out.input.guidance = at::full({batch}, 3.5, options);
  out.input.img_ids = flux_image_ids(size / 2, size / 2, options);
  out.input.txt_ids = at::zeros({tokens, 3}, options);
  out.target = noise - x0;
  out.latent_size = size;
  return out;
}

struct StepTimes {
  std::vector<double> forward, backward, optimizer, step;  // seconds per timed step
};

// warmup + steps training steps; the timed ones' phases (synchronised on an asynchronous device)
// and losses.
StepTimes time_steps(FluxTransformer2DModel& model, const FluxStepBatch& batch, int warmup, int steps,
                     const at::Device& device, std::vector<float>& losses) {
  const bool synchronize = !device.is_cpu();
  torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
  const std::int64_t size = batch.latent_size;
  StepTimes times;
  for (int i = 0; i < warmup + steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    for (auto& t : model->parameters()) t.mutable_grad().reset();
    const at::Tensor loss = at::mse_loss(unpack_flux_latents(model->forward(batch.input), size, size), batch.target);
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
    times.forward.push_back(forward_end);
    times.backward.push_back(backward_end - forward_end);
    times.optimizer.push_back(step_end - backward_end);
    times.step.push_back(step_end);
    losses.push_back(loss_value);
  }
  return times;
}

void run_flux_step(JobContext& context) {
  const Job& job = context.job;
  const FluxStepParams p;
  const ThreadCountGuard thread_guard(p.threads.of(job));
  const at::Device device(context.device);
  at::manual_seed(static_cast<std::uint64_t>(p.seed.of(job)));
  FluxTransformer2DModel model(config_of(p, job));
  model->to(device);
  model->train();
  std::int64_t params = 0;
  for (const auto& t : model->parameters()) params += t.numel();
  const FluxStepBatch batch = random_batch(p, job, at::TensorOptions().dtype(at::kFloat).device(device));
  const StepTimes t = time_steps(model, batch, p.warmup.of(job), p.steps.of(job), device, context.outputs.loss);
  auto& metrics = context.outputs.metrics;
  metrics["step_ms"] = median(t.step) * 1e3;
  metrics["step_ms_min"] = *std::min_element(t.step.begin(), t.step.end()) * 1e3;
  metrics["params"] = static_cast<double>(params);
  metrics["tokens"] = static_cast<double>(batch.input.img_ids.size(0) + batch.input.txt_ids.size(0));
  metrics["threads"] = at::get_num_threads();
  context.outputs.timings["forward"] = median(t.forward);
  context.outputs.timings["backward"] = median(t.backward);
  context.outputs.timings["optimizer"] = median(t.optimizer);
  context.outputs.timings["step"] = median(t.step);
}

}  // namespace

JobKind bench_flux_step_kind() {
  JobKind kind;
  kind.spec = bench_flux_step_spec();
  kind.run = run_flux_step;
  return kind;
}

}  // namespace tunegrid
