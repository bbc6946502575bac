// sampling_scheduler.h — SamplingScheduler: the part of a diffusers scheduler a txt2img loop uses
// (set_timesteps, timesteps, init_noise_sigma, scale_model_input, step), so that the pipeline can run with
// DDIMScheduler, EulerDiscreteScheduler or DDPMScheduler (diffusers' SchedulerMixin usage in
// pipelines/stable_diffusion/pipeline_stable_diffusion.py). Steps are addressed by their index into
// timesteps() rather than by timestep value.
//
//   scheduler->set_timesteps(n);
//   latents = noise * scheduler->init_noise_sigma();                       // [B, 4, h, w]
//   for (i = 0; i < n; ++i) {
//     t = scheduler->timesteps()[i];
//     eps = unet(scheduler->scale_model_input(latents, i), t, ...);
//     latents = scheduler->step(eps, i, latents);
//   }
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>

#include "workers/diffusion/scheduler_config.h"

namespace tunegrid {

class SamplingScheduler {
 public:
  virtual ~SamplingScheduler() = default;

  virtual std::string name() const = 0;  // "ddim" | "euler" | "ddpm"
  virtual const SchedulerConfig& config() const = 0;

  // Chooses the inference timesteps; throws InputError if n is not in [1, num_train_timesteps].
  virtual void set_timesteps(std::int64_t num_inference_steps) = 0;
  virtual std::int64_t num_inference_steps() const = 0;
  // [n] CPU tensor of the timesteps to feed the model, descending, with diffusers' dtype: int64 for DDIM
  // and DDPM, float32 for Euler (whose "linspace" timesteps are fractional).
  virtual at::Tensor timesteps() const = 0;
  // Standard deviation of the initial noise (1 for DDIM/DDPM; the largest sigma for Euler).
  virtual double init_noise_sigma() const = 0;
  // The model input for step `step_index` (identity for DDIM/DDPM, x/√(σ²+1) for Euler).
  virtual at::Tensor scale_model_input(const at::Tensor& sample, std::int64_t step_index) const = 0;
  // x_{t_prev} from the model output at step `step_index` (same shape as sample).
  virtual at::Tensor step(const at::Tensor& model_output, std::int64_t step_index, const at::Tensor& sample) = 0;
};

// "ddim" -> DDIMScheduler, "euler" -> EulerDiscreteScheduler, "ddpm" -> DDPMScheduler (draws its noise from
// the default generator). Throws InputError for another name or an unsupported config.
std::unique_ptr<SamplingScheduler> make_sampling_scheduler(const std::string& name, const SchedulerConfig& config);

}  // namespace tunegrid
