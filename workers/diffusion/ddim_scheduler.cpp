// ddim_scheduler.cpp — DDIMScheduler after diffusers' schedulers/scheduling_ddim.py (set_timesteps, step with
// eta = 0). Per-step scalars are float32 like diffusers' 0-dim float32 tensors; tensor maths goes through the
// same ATen ops in the same order.
#include "workers/diffusion/ddim_scheduler.h"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

#include "core/errors.h"

namespace tunegrid {

DDIMScheduler::DDIMScheduler(SchedulerConfig config) : config_(std::move(config)) {
  schedule_ = make_noise_schedule(config_);
  final_alpha_cumprod_ = config_.set_alpha_to_one ? 1.0f : schedule_.alphas_cumprod.front();
}

void DDIMScheduler::set_timesteps(std::int64_t num_inference_steps) {
  std::vector<std::int64_t> timesteps =
      integer_timesteps(config_, config_.timestep_spacing_or("leading"), num_inference_steps);
  for (std::int64_t t : timesteps)
    if (t < 0 || t >= config_.num_train_timesteps)
      throw InputError("DDIMScheduler: timestep " + std::to_string(t) + " of " + std::to_string(num_inference_steps) +
                       " inference steps is outside [0, num_train_timesteps) (steps_offset too large?)");
  timesteps_ = std::move(timesteps);
  requested_steps_ = num_inference_steps;
}

at::Tensor DDIMScheduler::timesteps() const {
  return at::tensor(at::ArrayRef<std::int64_t>(timesteps_), at::kLong);  // [n] int64
}

at::Tensor DDIMScheduler::step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) {
  if (step_index < 0 || step_index >= num_inference_steps())
    throw std::out_of_range("DDIMScheduler::step: step index out of range (call set_timesteps first)");
  const std::int64_t t = timesteps_[step_index];
  const std::int64_t prev_t = t - config_.num_train_timesteps / requested_steps_;
  const float alpha_prod_t = schedule_.alphas_cumprod[t];
  const float alpha_prod_t_prev = prev_t >= 0 ? schedule_.alphas_cumprod[prev_t] : final_alpha_cumprod_;
  const float beta_prod_t = 1.0f - alpha_prod_t;

  at::Tensor pred_original_sample;  // x̂0   [B, C, H, W]
  at::Tensor pred_epsilon;          // ε̂    [B, C, H, W]
  if (config_.prediction_type == "epsilon") {
    pred_original_sample = (sample - model_output * std::sqrt(beta_prod_t)) / std::sqrt(alpha_prod_t);
    pred_epsilon = model_output;
  } else if (config_.prediction_type == "sample") {
    pred_original_sample = model_output;
    pred_epsilon = (sample - pred_original_sample * std::sqrt(alpha_prod_t)) / std::sqrt(beta_prod_t);
  } else {  // v_prediction
    pred_original_sample = sample * std::sqrt(alpha_prod_t) - model_output * std::sqrt(beta_prod_t);
    pred_epsilon = model_output * std::sqrt(alpha_prod_t) + sample * std::sqrt(beta_prod_t);
  }
  pred_original_sample = clip_or_threshold(pred_original_sample, config_);

  // eta = 0: no variance term, so the direction coefficient is √(1 − ᾱ_prev − 0²).
  const float direction_coeff = std::sqrt(1.0f - alpha_prod_t_prev - 0.0f);
  const at::Tensor pred_sample_direction = pred_epsilon * direction_coeff;
  return pred_original_sample * std::sqrt(alpha_prod_t_prev) + pred_sample_direction;  // [B, C, H, W]
}

}  // namespace tunegrid
