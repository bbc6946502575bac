// noise_schedule.cpp — betas / alphas / alphas_cumprod and shared inference maths as in diffusers
// (schedulers/scheduling_ddim.py: betas_for_alpha_bar, rescale_zero_terminal_snr, __init__, set_timesteps,
// _threshold_sample). See noise_schedule.h for the numerics.
#include "workers/diffusion/noise_schedule.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"

namespace tunegrid {

namespace {

// torch.cumprod on a CPU float32 tensor: the running product is kept in double.
std::vector<float> cumprod_float32(const std::vector<float>& values) {
  std::vector<float> out(values.size());
  double product = 1.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    product *= static_cast<double>(values[i]);
    out[i] = static_cast<float>(product);
  }
  return out;
}

std::vector<float> one_minus(const std::vector<float>& values) {
  std::vector<float> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = 1.0f - values[i];
  return out;
}

}  // namespace

// CPython's float ** float is libm pow(); keep the compiler from folding pow(x, 2.0) into x·x.
double python_pow(double base, double exponent) {
  volatile double y = exponent;
  return std::pow(base, y);
}

at::Tensor float_tensor(const std::vector<float>& values) {
  return at::from_blob(const_cast<float*>(values.data()), {static_cast<std::int64_t>(values.size())}, at::kFloat)
      .clone();  // [n] float32
}

at::Tensor NoiseSchedule::betas_tensor() const { return float_tensor(betas); }
at::Tensor NoiseSchedule::alphas_tensor() const { return float_tensor(alphas); }
at::Tensor NoiseSchedule::alphas_cumprod_tensor() const { return float_tensor(alphas_cumprod); }

std::vector<float> torch_linspace_float32(double start, double end, std::int64_t steps) {
  std::vector<float> out(static_cast<std::size_t>(std::max<std::int64_t>(steps, 0)));
  if (steps <= 0) return out;
  const float first = static_cast<float>(start);
  const float last = static_cast<float>(end);
  if (steps == 1) {
    out[0] = first;
    return out;
  }
  const float step = (last - first) / static_cast<float>(steps - 1);
  const std::int64_t halfway = steps / 2;
  for (std::int64_t i = 0; i < steps; ++i)
    out[i] = i < halfway ? std::fma(step, static_cast<float>(i), first)
                         : std::fma(-step, static_cast<float>(steps - i - 1), last);
  return out;
}

std::vector<float> betas_for_alpha_bar(std::int64_t num_diffusion_timesteps, double max_beta) {
  const auto alpha_bar = [](double t) { return python_pow(std::cos((t + 0.008) / 1.008 * M_PI / 2), 2.0); };
  std::vector<float> betas(static_cast<std::size_t>(num_diffusion_timesteps));
  const auto n = static_cast<double>(num_diffusion_timesteps);
  for (std::int64_t i = 0; i < num_diffusion_timesteps; ++i) {
    const double t1 = static_cast<double>(i) / n;
    const double t2 = static_cast<double>(i + 1) / n;
    const double beta = 1 - alpha_bar(t2) / alpha_bar(t1);
    betas[i] = static_cast<float>(max_beta < beta ? max_beta : beta);  // Python min(beta, max_beta)
  }
  return betas;
}

std::vector<float> rescale_zero_terminal_snr(const std::vector<float>& betas) {
  std::vector<float> sqrt_bar = cumprod_float32(one_minus(betas));
  for (float& value : sqrt_bar) value = std::sqrt(value);
  const float first = sqrt_bar.front();
  const float last = sqrt_bar.back();
  const float scale = first / (first - last);
  for (float& value : sqrt_bar) value = (value - last) * scale;  // shift so ᾱ_T = 0, keep ᾱ_0
  std::vector<float> alphas(betas.size());
  float previous_bar = 0.0f;
  for (std::size_t i = 0; i < sqrt_bar.size(); ++i) {
    const float bar = sqrt_bar[i] * sqrt_bar[i];
    alphas[i] = i == 0 ? bar : bar / previous_bar;  // undo the cumulative product
    previous_bar = bar;
  }
  return one_minus(alphas);
}

NoiseSchedule make_noise_schedule(const SchedulerConfig& config) {
  validate_scheduler_config(config, "scheduler config");
  NoiseSchedule schedule;
  const std::int64_t steps = config.num_train_timesteps;
  if (!config.trained_betas.empty()) {
    schedule.betas.assign(config.trained_betas.begin(), config.trained_betas.end());  // double -> float32
  } else if (config.beta_schedule == "linear") {
    schedule.betas = torch_linspace_float32(config.beta_start, config.beta_end, steps);
  } else if (config.beta_schedule == "scaled_linear") {
    schedule.betas =
        torch_linspace_float32(python_pow(config.beta_start, 0.5), python_pow(config.beta_end, 0.5), steps);
    for (float& beta : schedule.betas) beta = beta * beta;
  } else {  // squaredcos_cap_v2 (validated above)
    schedule.betas = betas_for_alpha_bar(steps);
  }
  if (config.rescale_betas_zero_snr) schedule.betas = rescale_zero_terminal_snr(schedule.betas);
  schedule.alphas = one_minus(schedule.betas);
  schedule.alphas_cumprod = cumprod_float32(schedule.alphas);
  return schedule;
}

std::vector<double> numpy_linspace(double start, double stop, std::int64_t num) {
  std::vector<double> out(static_cast<std::size_t>(std::max<std::int64_t>(num, 0)));
  if (num <= 0) return out;
  const double delta = stop - start;
  const std::int64_t div = num - 1;
  if (div > 0) {
    const double step = delta / static_cast<double>(div);
    for (std::int64_t i = 0; i < num; ++i)
      out[i] = (step == 0 ? static_cast<double>(i) / static_cast<double>(div) * delta : static_cast<double>(i) * step) +
               start;
    out[num - 1] = stop;
  } else {
    out[0] = 0.0 * delta + start;
  }
  return out;
}

std::vector<double> numpy_arange(double start, double stop, double step) {
  const double length = std::ceil((stop - start) / step);
  if (!(length > 0)) return {};
  const auto n = static_cast<std::size_t>(length);
  std::vector<double> out(n);
  out[0] = start;
  if (n > 1) out[1] = start + step;
  const double delta = (n > 1 ? out[1] : start) - start;  // numpy's fill: start + i·(second − first)
  for (std::size_t i = 2; i < n; ++i) out[i] = start + static_cast<double>(i) * delta;
  return out;
}

double round_half_even(double value) { return std::nearbyint(value); }  // default rounding mode: to nearest even

std::vector<std::int64_t> integer_timesteps(const SchedulerConfig& config, const std::string& spacing,
                                            std::int64_t num_inference_steps) {
  const std::int64_t train_steps = config.num_train_timesteps;
  if (num_inference_steps < 1 || num_inference_steps > train_steps)
    throw InputError("num_inference_steps = " + std::to_string(num_inference_steps) + " must be in [1, " +
                     std::to_string(train_steps) + "] (num_train_timesteps of the scheduler)");
  std::vector<std::int64_t> timesteps;
  if (spacing == "linspace") {
    for (double t : numpy_linspace(0.0, static_cast<double>(train_steps - 1), num_inference_steps))
      timesteps.push_back(static_cast<std::int64_t>(round_half_even(t)));
    std::reverse(timesteps.begin(), timesteps.end());
  } else if (spacing == "leading") {
    const std::int64_t step_ratio = train_steps / num_inference_steps;
    for (std::int64_t i = num_inference_steps - 1; i >= 0; --i)
      timesteps.push_back(i * step_ratio + config.steps_offset);
  } else if (spacing == "trailing") {
    const double step_ratio = static_cast<double>(train_steps) / static_cast<double>(num_inference_steps);
    for (double t : numpy_arange(static_cast<double>(train_steps), 0.0, -step_ratio))
      timesteps.push_back(static_cast<std::int64_t>(round_half_even(t)) - 1);
  } else {
    throw InputError("timestep_spacing \"" + spacing + "\" is not one of \"leading\", \"trailing\", \"linspace\"");
  }
  return timesteps;
}

at::Tensor threshold_sample(const at::Tensor& sample, double dynamic_thresholding_ratio, double sample_max_value) {
  const auto dtype = sample.scalar_type();
  const auto sizes = sample.sizes().vec();
  at::Tensor flat = sample;
  if (dtype != at::kFloat && dtype != at::kDouble) flat = flat.to(at::kFloat);  // quantile needs float
  flat = flat.reshape({sizes[0], -1});                                          // [B, C·H·W]
  at::Tensor bound = at::quantile(flat.abs(), dynamic_thresholding_ratio, 1, false, "linear");  // [B]
  bound = at::clamp(bound, 1, sample_max_value).unsqueeze(1);                                   // [B, 1]
  flat = at::clamp(flat, c10::optional<at::Tensor>(-bound), c10::optional<at::Tensor>(bound)) / bound;
  return flat.reshape(sizes).to(dtype);  // [B, C, H, W]
}

at::Tensor clip_or_threshold(const at::Tensor& pred_original_sample, const SchedulerConfig& config) {
  if (config.thresholding)
    return threshold_sample(pred_original_sample, config.dynamic_thresholding_ratio, config.sample_max_value);
  if (config.clip_sample) return pred_original_sample.clamp(-config.clip_sample_range, config.clip_sample_range);
  return pred_original_sample;
}

}  // namespace tunegrid
