// scheduler_config.h — SchedulerConfig: the fields of a diffusers `scheduler_config.json` that the
// DDPM, DDIM and Euler-discrete schedulers read, under diffusers' names and with diffusers' defaults
// (diffusers/schedulers/scheduling_ddpm.py, scheduling_ddim.py, scheduling_euler_discrete.py, the
// `__init__` arguments). One struct serves all three schedulers; each uses the fields it knows and
// ignores the rest, as diffusers does when a config saved by one scheduler is loaded by another.
#pragma once
#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tunegrid {

struct SchedulerConfig {
  // `_class_name` of the file (e.g. "PNDMScheduler" for Stable Diffusion 1.x); informative only.
  std::string class_name;

  // ---- noise schedule (all schedulers) ----
  std::int64_t num_train_timesteps = 1000;  // number of training diffusion steps T
  double beta_start = 0.0001;               // first beta (linear) / its square root is interpolated (scaled_linear)
  double beta_end = 0.02;                   // last beta
  std::string beta_schedule = "linear";     // "linear" | "scaled_linear" | "squaredcos_cap_v2"
  std::vector<double> trained_betas;        // explicit betas (JSON array); empty = use beta_schedule (null)
  bool rescale_betas_zero_snr = false;      // rescale betas to zero terminal SNR (arXiv 2305.08891, Alg. 1)

  // ---- what the model predicts (all schedulers) ----
  std::string prediction_type = "epsilon";  // "epsilon" (noise) | "v_prediction" (velocity) | "sample" (x0)

  // ---- inference timesteps ----
  // "leading" | "trailing" | "linspace". Unset = the scheduler's own default, which differs:
  // "leading" for DDPM/DDIM, "linspace" for Euler (see timestep_spacing_or()).
  std::optional<std::string> timestep_spacing;
  std::int64_t steps_offset = 0;  // added to "leading" timesteps (1 for Stable Diffusion)

  // ---- DDIM / DDPM ----
  bool set_alpha_to_one = true;     // DDIM: the "previous" alpha product of the last step is 1 (else alphas_cumprod[0])
  bool clip_sample = true;          // clamp the predicted x0 to ±clip_sample_range
  double clip_sample_range = 1.0;   // range for clip_sample
  bool thresholding = false;        // dynamic thresholding of the predicted x0 (Imagen); takes precedence over clipping
  double dynamic_thresholding_ratio = 0.995;  // quantile of |x0| used as the threshold
  double sample_max_value = 1.0;    // upper bound of the dynamic threshold
  std::string variance_type = "fixed_small";  // DDPM: "fixed_small" | "fixed_small_log" | "fixed_large" |
                                              // "fixed_large_log" | "learned" | "learned_range"

  // ---- Euler discrete ----
  std::string interpolation_type = "linear";  // sigma interpolation: "linear" | "log_linear"
  bool use_karras_sigmas = false;             // Karras et al. (2022) sigma spacing, rho = 7
  bool use_exponential_sigmas = false;        // log-uniform sigma spacing
  bool use_beta_sigmas = false;               // beta-distribution spacing: not supported (needs scipy's beta ppf)
  std::optional<double> sigma_min;            // Karras/exponential range; unset (null) = last training sigma
  std::optional<double> sigma_max;            // unset (null) = first training sigma
  std::string timestep_type = "discrete";     // "discrete" | "continuous" (0.25·log σ timesteps, v_prediction only)
  std::string final_sigmas_type = "zero";     // sigma after the last step: "zero" | "sigma_min"

  // timestep_spacing if set, else `scheduler_default` ("leading" or "linspace").
  std::string timestep_spacing_or(const std::string& scheduler_default) const {
    return timestep_spacing ? *timestep_spacing : scheduler_default;
  }
};

// Reads a diffusers scheduler_config.json. Keys that are missing or null take diffusers' defaults; keys
// this code does not know (skip_prk_steps, _diffusers_version, ...) are ignored like diffusers ignores
// them; any `_class_name` is accepted. A known key of the wrong JSON type or with an unsupported value
// (beta_schedule "foo", use_beta_sigmas true, ...) throws InputError naming the file and the key.
SchedulerConfig read_scheduler_config(const std::filesystem::path& json);
// The same from a parsed JSON object; `source` names it in error messages.
SchedulerConfig scheduler_config_from_json(const nlohmann::json& document, const std::string& source);

// Checks the values of a config built in code; throws InputError naming `source` and the key.
void validate_scheduler_config(const SchedulerConfig& config, const std::string& source);

}  // namespace tunegrid
