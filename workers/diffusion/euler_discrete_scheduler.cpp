// euler_discrete_scheduler.cpp — EulerDiscreteScheduler after diffusers'
// schedulers/scheduling_euler_discrete.py (__init__, set_timesteps, _sigma_to_t, _convert_to_karras,
// _convert_to_exponential, scale_model_input, step with s_churn = 0). The numpy parts (timestep spacing,
// np.interp, Karras ramp) are reproduced in float64 and rounded to float32 where diffusers does; per-step
// scalars are float32 like diffusers' 0-dim float32 tensors.
#include "workers/diffusion/euler_discrete_scheduler.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/errors.h"

namespace tunegrid {

namespace {

// numpy.interp(x, [0, 1, ..., n−1], values) for x inside the range (numpy's compiled_base.c arithmetic).
double interp_on_index(double x, const std::vector<float>& values) {
  const auto n = static_cast<std::int64_t>(values.size());
  if (std::isnan(x)) return x;
  if (x < 0) return values.front();
  if (x >= static_cast<double>(n - 1)) return values.back();
  const auto j = static_cast<std::int64_t>(std::floor(x));
  if (static_cast<double>(j) == x) return values[j];
  const double slope = (static_cast<double>(values[j + 1]) - static_cast<double>(values[j])) / 1.0;
  double result = slope * (x - static_cast<double>(j)) + static_cast<double>(values[j]);
  if (std::isnan(result)) result = slope * (x - static_cast<double>(j + 1)) + static_cast<double>(values[j + 1]);
  return result;
}

}  // namespace

EulerDiscreteScheduler::EulerDiscreteScheduler(SchedulerConfig config) : config_(std::move(config)) {
  schedule_ = make_noise_schedule(config_);
  if (config_.rescale_betas_zero_snr) schedule_.alphas_cumprod.back() = std::ldexp(1.0f, -24);  // keep σ_T finite
  for (float alpha_prod : schedule_.alphas_cumprod) {
    const float sigma = std::sqrt((1.0f - alpha_prod) / alpha_prod);
    train_sigmas_.push_back(sigma);
    train_log_sigmas_.push_back(std::log(sigma));
  }
}

double EulerDiscreteScheduler::sigma_to_t(double sigma) const {
  const double log_sigma = std::log(std::max(sigma, 1e-10));
  const auto n = static_cast<std::int64_t>(train_log_sigmas_.size());
  // Last index with log σ_i ≤ log σ (numpy: cumsum(dists >= 0).argmax()), 0 if none, at most n − 2.
  std::int64_t low_idx = 0;
  for (std::int64_t i = 0; i < n; ++i)
    if (log_sigma - static_cast<double>(train_log_sigmas_[i]) >= 0) low_idx = i;
  low_idx = std::min(low_idx, n - 2);
  const std::int64_t high_idx = low_idx + 1;
  const float low = train_log_sigmas_[low_idx];
  const float high = train_log_sigmas_[high_idx];
  double w = (static_cast<double>(low) - log_sigma) / static_cast<double>(low - high);  // low − high in float32
  w = std::clamp(w, 0.0, 1.0);
  return (1 - w) * static_cast<double>(low_idx) + w * static_cast<double>(high_idx);
}

void EulerDiscreteScheduler::set_timesteps(std::int64_t num_inference_steps) {
  const std::int64_t train_steps = config_.num_train_timesteps;
  const std::int64_t n = num_inference_steps;
  if (n < 1 || n > train_steps)
    throw InputError("num_inference_steps = " + std::to_string(n) + " must be in [1, " + std::to_string(train_steps) +
                     "] (num_train_timesteps of the scheduler)");
  const std::string spacing = config_.timestep_spacing_or("linspace");

  std::vector<float> timesteps;  // numpy float32 timesteps
  if (spacing == "linspace") {
    for (double t : numpy_linspace(0.0, static_cast<double>(train_steps - 1), n))
      timesteps.push_back(static_cast<float>(t));
    std::reverse(timesteps.begin(), timesteps.end());
  } else if (spacing == "leading") {
    const std::int64_t step_ratio = train_steps / n;
    for (std::int64_t i = n - 1; i >= 0; --i)
      timesteps.push_back(static_cast<float>(i * step_ratio) + static_cast<float>(config_.steps_offset));
  } else {  // trailing
    const double step_ratio = static_cast<double>(train_steps) / static_cast<double>(n);
    for (double t : numpy_arange(static_cast<double>(train_steps), 0.0, -step_ratio))
      timesteps.push_back(static_cast<float>(round_half_even(t)) - 1.0f);
  }

  std::vector<double> sigmas;  // numpy float64 (float32 values for log_linear)
  if (config_.interpolation_type == "linear") {
    for (float t : timesteps) sigmas.push_back(interp_on_index(static_cast<double>(t), train_sigmas_));
  } else {  // log_linear: torch.linspace(log σ_max, log σ_min, n + 1).exp() — n + 1 sigmas, as diffusers
    const std::vector<float> logs =
        torch_linspace_float32(std::log(train_sigmas_.back()), std::log(train_sigmas_.front()), n + 1);
    for (float value : logs) sigmas.push_back(static_cast<double>(std::exp(value)));
  }

  if (config_.use_karras_sigmas || config_.use_exponential_sigmas) {
    const double sigma_min = config_.sigma_min ? *config_.sigma_min : sigmas.back();
    const double sigma_max = config_.sigma_max ? *config_.sigma_max : sigmas.front();
    std::vector<double> converted;
    if (config_.use_karras_sigmas) {  // Karras et al. 2022, rho = 7
      const double rho = 7.0;
      const double min_inv_rho = python_pow(sigma_min, 1 / rho);
      const double max_inv_rho = python_pow(sigma_max, 1 / rho);
      for (double ramp : numpy_linspace(0.0, 1.0, n))
        converted.push_back(python_pow(max_inv_rho + ramp * (min_inv_rho - max_inv_rho), rho));
    } else {
      for (double log_sigma : numpy_linspace(std::log(sigma_max), std::log(sigma_min), n))
        converted.push_back(std::exp(log_sigma));
    }
    sigmas = converted;
    timesteps.clear();
    for (double sigma : sigmas) timesteps.push_back(static_cast<float>(sigma_to_t(sigma)));
  }

  const float alpha_prod_0 = schedule_.alphas_cumprod.front();
  const double sigma_last =
      config_.final_sigmas_type == "sigma_min" ? std::sqrt((1.0f - alpha_prod_0) / alpha_prod_0) : 0.0;
  sigmas_.clear();
  for (double sigma : sigmas) sigmas_.push_back(static_cast<float>(sigma));
  sigmas_.push_back(static_cast<float>(sigma_last));

  if (config_.timestep_type == "continuous" && config_.prediction_type == "v_prediction") {
    timesteps.clear();
    for (std::size_t i = 0; i + 1 < sigmas_.size(); ++i) timesteps.push_back(0.25f * std::log(sigmas_[i]));
  }
  timesteps_ = std::move(timesteps);
}

at::Tensor EulerDiscreteScheduler::timesteps() const { return float_tensor(timesteps_); }  // [n] float32
at::Tensor EulerDiscreteScheduler::sigmas() const { return float_tensor(sigmas_); }        // [n+1] float32

double EulerDiscreteScheduler::init_noise_sigma() const {
  if (sigmas_.empty()) throw std::logic_error("EulerDiscreteScheduler: call set_timesteps first");
  const float max_sigma = *std::max_element(sigmas_.begin(), sigmas_.end());
  const std::string spacing = config_.timestep_spacing_or("linspace");
  if (spacing == "linspace" || spacing == "trailing") return max_sigma;
  return std::sqrt(max_sigma * max_sigma + 1.0f);
}

at::Tensor EulerDiscreteScheduler::scale_model_input(const at::Tensor& sample, std::int64_t step_index) const {
  if (step_index < 0 || step_index >= num_inference_steps())
    throw std::out_of_range("EulerDiscreteScheduler::scale_model_input: step index out of range");
  const float sigma = sigmas_[step_index];
  return sample / std::sqrt(sigma * sigma + 1.0f);  // [B, C, H, W]
}

at::Tensor EulerDiscreteScheduler::step(const at::Tensor& model_output, std::int64_t step_index,
                                        const at::Tensor& sample_in) {
  if (step_index < 0 || step_index >= num_inference_steps())
    throw std::out_of_range("EulerDiscreteScheduler::step: step index out of range (call set_timesteps first)");
  const at::Tensor sample = sample_in.to(at::kFloat);  // [B, C, H, W]
  const float sigma = sigmas_[step_index];
  const float sigma_hat = sigma * (0.0f + 1.0f);  // gamma = 0 (s_churn = 0)

  at::Tensor pred_original_sample;  // x̂0  [B, C, H, W]
  if (config_.prediction_type == "epsilon") {
    pred_original_sample = sample - model_output * sigma_hat;
  } else if (config_.prediction_type == "v_prediction") {
    const float sigma_sq_plus_one = sigma * sigma + 1.0f;
    pred_original_sample = model_output * (-sigma / std::sqrt(sigma_sq_plus_one)) + sample / sigma_sq_plus_one;
  } else {  // sample
    pred_original_sample = model_output;
  }
  const at::Tensor derivative = (sample - pred_original_sample) / sigma_hat;  // [B, C, H, W]
  const float dt = sigmas_[step_index + 1] - sigma_hat;
  return (sample + derivative * dt).to(model_output.scalar_type());
}

}  // namespace tunegrid
