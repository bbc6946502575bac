// ddpm_scheduler.cpp — DDPMScheduler after diffusers' schedulers/scheduling_ddpm.py (add_noise,
// get_velocity, set_timesteps, step with _get_variance) and training_utils.compute_snr. Per-step scalars are
// float32 like diffusers' 0-dim float32 tensors; tensor maths goes through the same ATen ops in the same order.
#include "workers/diffusion/ddpm_scheduler.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace tunegrid {

namespace {

// [B] -> [B, 1, ..., 1] with `dims` dimensions in all (diffusers' flatten + unsqueeze(-1) loop).
at::Tensor broadcastable(const at::Tensor& per_sample, std::int64_t dims) {
  std::vector<std::int64_t> shape(static_cast<std::size_t>(std::max<std::int64_t>(dims, 1)), 1);
  shape[0] = per_sample.numel();
  return per_sample.reshape(shape);
}

}  // namespace

DDPMScheduler::DDPMScheduler(SchedulerConfig config) : config_(std::move(config)) {
  schedule_ = make_noise_schedule(config_);
  const std::string& variance = config_.variance_type;
  if (variance != "fixed_small" && variance != "fixed_small_log" && variance != "fixed_large")
    throw InputError("scheduler config: key \"variance_type\": \"" + variance +
                     "\" is not supported by DDPMScheduler (only fixed_small, fixed_small_log, fixed_large)");
  alphas_cumprod_ = schedule_.alphas_cumprod_tensor();
}

at::Tensor DDPMScheduler::indexed(const at::Tensor& timesteps, const at::Tensor& like) const {
  const at::Tensor alphas_cumprod = alphas_cumprod_.to(like.device()).to(like.scalar_type());  // [T]
  return alphas_cumprod.index_select(0, timesteps.to(like.device(), at::kLong).reshape({-1}));  // [B]
}

at::Tensor DDPMScheduler::add_noise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const {
  const at::Tensor alpha_prod = indexed(timesteps, x0);                                     // [B]
  const at::Tensor sqrt_alpha_prod = broadcastable(alpha_prod.pow(0.5), x0.dim());          // [B, 1, 1, 1]
  const at::Tensor sqrt_one_minus = broadcastable((1 - alpha_prod).pow(0.5), x0.dim());     // [B, 1, 1, 1]
  return sqrt_alpha_prod * x0 + sqrt_one_minus * noise;                                     // [B, C, H, W]
}

at::Tensor DDPMScheduler::get_velocity(const at::Tensor& x0, const at::Tensor& noise,
                                       const at::Tensor& timesteps) const {
  const at::Tensor alpha_prod = indexed(timesteps, x0);                                  // [B]
  const at::Tensor sqrt_alpha_prod = broadcastable(alpha_prod.pow(0.5), x0.dim());       // [B, 1, 1, 1]
  const at::Tensor sqrt_one_minus = broadcastable((1 - alpha_prod).pow(0.5), x0.dim());  // [B, 1, 1, 1]
  return sqrt_alpha_prod * noise - sqrt_one_minus * x0;                                  // [B, C, H, W]
}

at::Tensor DDPMScheduler::training_target(const at::Tensor& x0, const at::Tensor& noise,
                                          const at::Tensor& timesteps) const {
  if (config_.prediction_type == "epsilon") return noise;
  if (config_.prediction_type == "v_prediction") return get_velocity(x0, noise, timesteps);
  return x0;  // "sample"
}

at::Tensor DDPMScheduler::snr(const at::Tensor& timesteps) const {
  const at::Tensor index = timesteps.to(at::kLong).reshape({-1});                           // [B]
  const at::Tensor alpha = alphas_cumprod_.pow(0.5).to(timesteps.device()).index_select(0, index);        // [B]
  const at::Tensor sigma = (1.0 - alphas_cumprod_).pow(0.5).to(timesteps.device()).index_select(0, index);  // [B]
  return (alpha / sigma).pow(2).reshape(timesteps.sizes());  // shape of timesteps, float32
}

at::Tensor DDPMScheduler::min_snr_weights(const at::Tensor& timesteps, double gamma) const {
  const at::Tensor snr_t = snr(timesteps);               // [B]
  const at::Tensor clipped = at::clamp_max(snr_t, gamma);  // min(SNR, γ)
  if (config_.prediction_type == "epsilon") return clipped / snr_t;
  if (config_.prediction_type == "v_prediction") return clipped / (snr_t + 1);
  return clipped;
}

void DDPMScheduler::set_timesteps(std::int64_t num_inference_steps) {
  std::vector<std::int64_t> timesteps =
      integer_timesteps(config_, config_.timestep_spacing_or("leading"), num_inference_steps);
  for (std::int64_t t : timesteps)
    if (t < 0 || t >= config_.num_train_timesteps)
      throw InputError("DDPMScheduler: timestep " + std::to_string(t) + " of " + std::to_string(num_inference_steps) +
                       " inference steps is outside [0, num_train_timesteps) (steps_offset too large?)");
  timesteps_ = std::move(timesteps);
}

at::Tensor DDPMScheduler::timesteps() const {
  return at::tensor(at::ArrayRef<std::int64_t>(timesteps_), at::kLong);  // [n] int64
}

at::Tensor DDPMScheduler::step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) {
  if (step_index < 0 || step_index >= num_inference_steps())
    throw std::out_of_range("DDPMScheduler::step: step index out of range (call set_timesteps first)");
  at::Tensor noise;
  if (timesteps_[step_index] > 0) {
    const auto options = model_output.options();
    if (generator_.defined()) {
      noise = at::randn(model_output.sizes(), c10::optional<at::Generator>(generator_),
                        options.device(generator_.device()))
                  .to(model_output.device());  // drawn on the generator's device, as diffusers' randn_tensor
    } else {
      noise = at::randn(model_output.sizes(), options);
    }
  }
  return step(model_output, step_index, sample, noise);
}

at::Tensor DDPMScheduler::step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample,
                               const at::Tensor& variance_noise) const {
  if (step_index < 0 || step_index >= num_inference_steps())
    throw std::out_of_range("DDPMScheduler::step: step index out of range (call set_timesteps first)");
  const std::int64_t t = timesteps_[step_index];
  const std::int64_t prev_t = step_index + 1 < num_inference_steps() ? timesteps_[step_index + 1] : -1;
  const std::vector<float>& alphas_cumprod = schedule_.alphas_cumprod;
  const float alpha_prod_t = alphas_cumprod[t];
  const float alpha_prod_t_prev = prev_t >= 0 ? alphas_cumprod[prev_t] : 1.0f;
  const float beta_prod_t = 1.0f - alpha_prod_t;
  const float beta_prod_t_prev = 1.0f - alpha_prod_t_prev;
  const float current_alpha_t = alpha_prod_t / alpha_prod_t_prev;
  const float current_beta_t = 1.0f - current_alpha_t;

  at::Tensor pred_original_sample;  // [B, C, H, W]
  if (config_.prediction_type == "epsilon")
    pred_original_sample = (sample - model_output * std::sqrt(beta_prod_t)) / std::sqrt(alpha_prod_t);
  else if (config_.prediction_type == "v_prediction")
    pred_original_sample = sample * std::sqrt(alpha_prod_t) - model_output * std::sqrt(beta_prod_t);
  else
    pred_original_sample = model_output;
  pred_original_sample = clip_or_threshold(pred_original_sample, config_);

  const float original_coeff = (std::sqrt(alpha_prod_t_prev) * current_beta_t) / beta_prod_t;
  const float current_coeff = std::sqrt(current_alpha_t) * beta_prod_t_prev / beta_prod_t;
  at::Tensor prev_sample = pred_original_sample * original_coeff + sample * current_coeff;  // [B, C, H, W]

  if (t > 0) {
    if (!variance_noise.defined()) throw std::invalid_argument("DDPMScheduler::step: variance_noise is required");
    const float variance = std::max(beta_prod_t_prev / beta_prod_t * current_beta_t, 1e-20f);
    float scale = 0.0f;  // standard deviation multiplying the noise
    if (config_.variance_type == "fixed_small")
      scale = std::sqrt(variance);
    else if (config_.variance_type == "fixed_small_log")
      scale = std::exp(0.5f * std::log(variance));
    else  // fixed_large
      scale = std::sqrt(current_beta_t);
    prev_sample = prev_sample + variance_noise * scale;
  }
  return prev_sample;
}

}  // namespace tunegrid
