// euler_discrete_scheduler.h — EulerDiscreteScheduler after diffusers' schedulers/scheduling_euler_discrete.py:
// deterministic Euler sampling in sigma space (s_churn = 0) for epsilon, v_prediction and sample models, with
// "linspace" (default), "leading" and "trailing" timestep spacing, linear or log_linear sigma interpolation,
// Karras or exponential sigmas, final_sigmas_type, timestep_type "continuous" (v_prediction) and
// rescale_betas_zero_snr (last ᾱ set to 2⁻²⁴).
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "workers/diffusion/noise_schedule.h"
#include "workers/diffusion/sampling_scheduler.h"
#include "workers/diffusion/scheduler_config.h"

namespace tunegrid {

class EulerDiscreteScheduler : public SamplingScheduler {
 public:
  explicit EulerDiscreteScheduler(SchedulerConfig config);  // throws InputError for an invalid config

  std::string name() const override { return "euler"; }
  const SchedulerConfig& config() const override { return config_; }
  const NoiseSchedule& schedule() const { return schedule_; }

  void set_timesteps(std::int64_t num_inference_steps) override;
  std::int64_t num_inference_steps() const override { return static_cast<std::int64_t>(timesteps_.size()); }
  at::Tensor timesteps() const override;  // [n] float32, descending (fractional under "linspace" / Karras)
  // [n+1] float32: σ of each step, then the final σ (0 by default); [n+2] with interpolation_type "log_linear",
  // which diffusers builds from n+1 log-spaced sigmas (only the first n+1 are used).
  at::Tensor sigmas() const;
  // max σ for "linspace" / "trailing" spacing, √(max σ² + 1) for "leading" (as diffusers).
  double init_noise_sigma() const override;
  at::Tensor scale_model_input(const at::Tensor& sample, std::int64_t step_index) const override;  // x/√(σ²+1)
  // x + (x − x̂0)/σ · (σ_next − σ), computed in float32 and returned in model_output's dtype.
  at::Tensor step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) override;

 private:
  double sigma_to_t(double sigma) const;  // diffusers' _sigma_to_t on the training log-sigmas

  SchedulerConfig config_;
  NoiseSchedule schedule_;
  std::vector<float> train_sigmas_;      // [T] √((1−ᾱ)/ᾱ)
  std::vector<float> train_log_sigmas_;  // [T] log of the above
  std::vector<float> timesteps_;         // [n]
  std::vector<float> sigmas_;            // [n+1]
};

}  // namespace tunegrid
