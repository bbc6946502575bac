// ddim_scheduler.h — DDIMScheduler after diffusers' schedulers/scheduling_ddim.py: deterministic DDIM
// sampling (eta = 0) for epsilon, v_prediction and sample models, with the "leading" (default), "trailing"
// and "linspace" timestep spacings, steps_offset, set_alpha_to_one, clip_sample and dynamic thresholding.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "workers/diffusion/noise_schedule.h"
#include "workers/diffusion/sampling_scheduler.h"
#include "workers/diffusion/scheduler_config.h"

namespace tunegrid {

class DDIMScheduler : public SamplingScheduler {
 public:
  explicit DDIMScheduler(SchedulerConfig config);  // throws InputError for an invalid config

  std::string name() const override { return "ddim"; }
  const SchedulerConfig& config() const override { return config_; }
  const NoiseSchedule& schedule() const { return schedule_; }
  // ᾱ used as "previous" at the last step: 1 if set_alpha_to_one, else alphas_cumprod[0].
  float final_alpha_cumprod() const { return final_alpha_cumprod_; }

  void set_timesteps(std::int64_t num_inference_steps) override;
  std::int64_t num_inference_steps() const override { return static_cast<std::int64_t>(timesteps_.size()); }
  at::Tensor timesteps() const override;  // [n] int64, descending
  double init_noise_sigma() const override { return 1.0; }
  at::Tensor scale_model_input(const at::Tensor& sample, std::int64_t step_index) const override { return sample; }
  // x_{t−Δ} = √ᾱ_{t−Δ}·x̂0 + √(1−ᾱ_{t−Δ})·ε̂ with Δ = num_train_timesteps // num_inference_steps
  // (as in diffusers, also for "trailing" spacing).
  at::Tensor step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) override;

 private:
  SchedulerConfig config_;
  NoiseSchedule schedule_;
  float final_alpha_cumprod_ = 1.0f;
  std::int64_t requested_steps_ = 0;  // num_inference_steps as passed to set_timesteps
  std::vector<std::int64_t> timesteps_;
};

}  // namespace tunegrid
