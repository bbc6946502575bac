// noise_schedule.h — the discrete noise schedule shared by the DDPM, DDIM and Euler-discrete schedulers,
// computed as diffusers computes it in the `__init__` of schedulers/scheduling_ddim.py (same code in
// scheduling_ddpm.py and scheduling_euler_discrete.py), plus the small pieces of inference maths the three
// share: numpy-faithful linspace/arange, the "leading" / "trailing" / "linspace" timestep spacing, and the
// clipping / dynamic thresholding of the predicted x0.
//
// Numerics, matched value for value on CPU (tests/fixtures/schedulers):
//   linear         torch.linspace(beta_start, beta_end, T, float32): torch's CPU kernel computes
//                  start + step·i (first half) / end − step·(T−1−i) (second half) in float32 with a fused
//                  multiply-add (the AVX2/AVX512 builds); reproduced here with std::fma.
//   scaled_linear  the same linspace between the square roots (Python's x**0.5 = pow), then squared in float32.
//   squaredcos_cap_v2  betas_for_alpha_bar: Python float64 maths, min(·, 0.999), rounded to float32.
//   alphas = 1 − betas (float32); alphas_cumprod = torch.cumprod (CPU: double accumulator, each value
//   rounded to float32); rescale_betas_zero_snr in float32 as diffusers' rescale_zero_terminal_snr.
#pragma once
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "workers/diffusion/scheduler_config.h"

namespace tunegrid {

struct NoiseSchedule {
  std::vector<float> betas;           // [T] beta_t
  std::vector<float> alphas;          // [T] 1 − beta_t
  std::vector<float> alphas_cumprod;  // [T] ᾱ_t = Π_{s≤t} alpha_s

  std::int64_t size() const { return static_cast<std::int64_t>(betas.size()); }
  at::Tensor betas_tensor() const;           // [T] float32, CPU
  at::Tensor alphas_tensor() const;          // [T] float32, CPU
  at::Tensor alphas_cumprod_tensor() const;  // [T] float32, CPU
};

// The schedule of `config` (beta_schedule or trained_betas, then rescale_betas_zero_snr).
NoiseSchedule make_noise_schedule(const SchedulerConfig& config);

// Python's float ** float (libm pow, never folded by the compiler into x·x for an exponent of 2).
double python_pow(double base, double exponent);
// A [n] float32 CPU tensor holding `values` (copied).
at::Tensor float_tensor(const std::vector<float>& values);

// torch.linspace(start, end, steps, dtype=float32) as computed by torch's CPU kernel (see above).
std::vector<float> torch_linspace_float32(double start, double end, std::int64_t steps);
// diffusers' betas_for_alpha_bar with the "cosine" transform (squaredcos_cap_v2).
std::vector<float> betas_for_alpha_bar(std::int64_t num_diffusion_timesteps, double max_beta = 0.999);
// diffusers' rescale_zero_terminal_snr (arXiv 2305.08891, Algorithm 1), float32 throughout.
std::vector<float> rescale_zero_terminal_snr(const std::vector<float>& betas);

// numpy.linspace(start, stop, num) (endpoint included) and numpy.arange(start, stop, step) in float64,
// value for value as numpy computes them.
std::vector<double> numpy_linspace(double start, double stop, std::int64_t num);
std::vector<double> numpy_arange(double start, double stop, double step);
// numpy.round / rint: round half to even.
double round_half_even(double value);

// Inference timesteps of DDPM / DDIM (descending, int64) for `spacing` "linspace" | "leading" | "trailing";
// throws InputError if num_inference_steps is not in [1, num_train_timesteps].
std::vector<std::int64_t> integer_timesteps(const SchedulerConfig& config, const std::string& spacing,
                                            std::int64_t num_inference_steps);

// The predicted x0 after diffusers' post-processing: dynamic thresholding if config.thresholding, else
// clamping to ±clip_sample_range if config.clip_sample, else unchanged.
at::Tensor clip_or_threshold(const at::Tensor& pred_original_sample, const SchedulerConfig& config);
// diffusers' _threshold_sample (Imagen dynamic thresholding) on a [B, C, ...] tensor.
at::Tensor threshold_sample(const at::Tensor& sample, double dynamic_thresholding_ratio, double sample_max_value);

}  // namespace tunegrid
