// flow_match_euler_scheduler.h — FlowMatchEulerDiscreteScheduler as diffusers runs it
// (schedulers/scheduling_flow_match_euler_discrete.py) for FLUX: σ from 1 towards 0, a model that
// predicts the velocity v = ε − x₀ of x_σ = (1 − σ)·x₀ + σ·ε, Euler steps x ← x + (σ_next − σ)·v.
// Shifting: static (σ' = s·σ / (1 + (s − 1)·σ)) or dynamic with μ from the image sequence length
// (calculate_shift of pipelines/flux/pipeline_flux.py), as an exponential (e^μ / (e^μ + (1/σ − 1)))
// or linear (μ / (μ + (1/σ − 1))) time shift; optional stretch to shift_terminal. Computed in
// float32 where diffusers computes in float32, in float64 where it computes in numpy float64, so
// sigmas match bit for bit. Karras / exponential / beta sigmas, inverted sigmas and stochastic
// sampling are refused by name.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

namespace tunegrid {

class JsonConfig;

struct FlowMatchSchedulerConfig {
  int num_train_timesteps = 1000;
  double shift = 1.0;
  bool use_dynamic_shifting = false;
  double base_shift = 0.5, max_shift = 1.15;
  int base_image_seq_len = 256, max_image_seq_len = 4096;
  double shift_terminal = 0;  // 0: null (no stretch)
  std::string time_shift_type = "exponential";  // or "linear"

  static FlowMatchSchedulerConfig from_json(const JsonConfig& config);
  static FlowMatchSchedulerConfig from_file(const std::filesystem::path& file);  // scheduler_config.json
  // μ for an image of `image_seq_len` packed latent tokens (calculate_shift).
  double mu_for(std::int64_t image_seq_len) const;
  // scheduler_config.json's fields as diffusers writes them.
  std::string to_json() const;
};

class FlowMatchEulerScheduler {
 public:
  explicit FlowMatchEulerScheduler(FlowMatchSchedulerConfig config);

  // set_timesteps(num_inference_steps, mu=mu): timesteps spaced evenly from σ_max to σ_min of
  // the training schedule, then shifted. `mu` is required with dynamic shifting.
  void set_timesteps(int num_inference_steps, std::optional<double> mu = std::nullopt);
  // set_timesteps(sigmas=..., mu=mu): the given σ (float32), shifted.
  void set_sigmas(const std::vector<double>& sigmas, std::optional<double> mu = std::nullopt);
  // What FluxPipeline does: σ = linspace(1, 1/n, n) and μ from the packed sequence length.
  void set_flux_timesteps(int num_inference_steps, std::int64_t image_seq_len);

  const FlowMatchSchedulerConfig& config() const { return config_; }
  int num_inference_steps() const { return static_cast<int>(timesteps_.size(0)); }
  at::Tensor timesteps() const { return timesteps_; }  // [n] float32, σ·num_train_timesteps
  at::Tensor sigmas() const { return sigmas_; }        // [n + 1] float32, ending in 0

  // x_{next} = x + (σ_{i+1} − σ_i)·v, computed in float32 and returned in v's dtype.
  at::Tensor step(const at::Tensor& model_output, int step_index, const at::Tensor& sample) const;
  // The forward process at step `step_index`: σ·noise + (1 − σ)·sample.
  at::Tensor scale_noise(const at::Tensor& sample, int step_index, const at::Tensor& noise) const;

 private:
  at::Tensor shifted(const at::Tensor& sigmas, std::optional<double> mu) const;
  void finish(const at::Tensor& sigmas);
  FlowMatchSchedulerConfig config_;
  double sigma_min_ = 0, sigma_max_ = 1;  // of the training schedule (after a static shift)
  at::Tensor timesteps_, sigmas_;
};

}  // namespace tunegrid
