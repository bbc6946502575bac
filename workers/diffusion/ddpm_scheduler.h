// ddpm_scheduler.h — DDPMScheduler after diffusers' schedulers/scheduling_ddpm.py: the forward (noising)
// process used in training (add_noise, get_velocity, the loss target per prediction_type, SNR and min-SNR-γ
// loss weights as in diffusers' training_utils.compute_snr and examples/text_to_image/train_text_to_image.py),
// and ancestral DDPM sampling (set_timesteps / step with Gaussian noise from a generator).
#pragma once
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "workers/diffusion/noise_schedule.h"
#include "workers/diffusion/sampling_scheduler.h"
#include "workers/diffusion/scheduler_config.h"

namespace tunegrid {

class DDPMScheduler : public SamplingScheduler {
 public:
  // Throws InputError for an invalid config or variance_type "fixed_large_log" / "learned" / "learned_range".
  explicit DDPMScheduler(SchedulerConfig config);

  const NoiseSchedule& schedule() const { return schedule_; }
  at::Tensor alphas_cumprod() const { return alphas_cumprod_; }  // [T] float32, CPU

  // ---- training (timesteps: [B] integer tensor on any device; x0, noise: [B, ...]) ----
  // √ᾱ_t·x0 + √(1−ᾱ_t)·noise, in x0's dtype and on x0's device.
  at::Tensor add_noise(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const;
  // v = √ᾱ_t·noise − √(1−ᾱ_t)·x0.
  at::Tensor get_velocity(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const;
  // What the model learns to predict: noise (epsilon), velocity (v_prediction) or x0 (sample).
  at::Tensor training_target(const at::Tensor& x0, const at::Tensor& noise, const at::Tensor& timesteps) const;
  // SNR(t) = (√ᾱ_t / √(1−ᾱ_t))², float32 with the shape and device of timesteps (diffusers' compute_snr).
  at::Tensor snr(const at::Tensor& timesteps) const;
  // Min-SNR-γ loss weights (arXiv 2303.09556) as diffusers' training scripts compute them:
  // min(SNR, γ)/SNR for epsilon, min(SNR, γ)/(SNR+1) for v_prediction, min(SNR, γ) for sample.
  // (With zero terminal SNR the epsilon weight at SNR = 0 is NaN, as in diffusers.)
  at::Tensor min_snr_weights(const at::Tensor& timesteps, double gamma) const;

  // ---- sampling ----
  std::string name() const override { return "ddpm"; }
  const SchedulerConfig& config() const override { return config_; }
  void set_timesteps(std::int64_t num_inference_steps) override;  // spacing default "leading"
  std::int64_t num_inference_steps() const override { return static_cast<std::int64_t>(timesteps_.size()); }
  at::Tensor timesteps() const override;  // [n] int64
  double init_noise_sigma() const override { return 1.0; }
  at::Tensor scale_model_input(const at::Tensor& sample, std::int64_t step_index) const override { return sample; }
  // Ancestral step; the noise of steps with t > 0 comes from generator() (the default generator if unset).
  at::Tensor step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) override;
  // The same step with the Gaussian noise given ([B, C, H, W] like sample; unused when t = 0).
  at::Tensor step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample,
                  const at::Tensor& variance_noise) const;

  void set_generator(at::Generator generator) { generator_ = std::move(generator); }

 private:
  at::Tensor indexed(const at::Tensor& timesteps, const at::Tensor& like) const;  // ᾱ_t in like's dtype/device

  SchedulerConfig config_;
  NoiseSchedule schedule_;
  at::Tensor alphas_cumprod_;  // [T] float32, CPU
  std::vector<std::int64_t> timesteps_;
  at::Generator generator_;  // undefined = default generator
};

}  // namespace tunegrid
