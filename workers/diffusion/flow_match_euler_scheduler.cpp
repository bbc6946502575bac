// flow_match_euler_scheduler.cpp — see flow_match_euler_scheduler.h.
#include "workers/diffusion/flow_match_euler_scheduler.h"

#include <cmath>

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

namespace {

const ConfigSchema<FlowMatchSchedulerConfig>& flow_match_schema() {
  using C = FlowMatchSchedulerConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("num_train_timesteps", &C::num_train_timesteps, 1, 1 << 20)
        .number("shift", &C::shift, 1e-6, 1e6)
        .boolean("use_dynamic_shifting", &C::use_dynamic_shifting)
        .number("base_shift", &C::base_shift, -1e6, 1e6)
        .number("max_shift", &C::max_shift, -1e6, 1e6)
        .integer("base_image_seq_len", &C::base_image_seq_len, 1, kMaxModelPositions)
        .integer("max_image_seq_len", &C::max_image_seq_len, 1, kMaxModelPositions)
        .custom(
            [](const JsonConfig& json, C& c) {
              c.shift_terminal = json.is_null("shift_terminal") ? 0 : json.get_double_in("shift_terminal", 0, 0.999999);
            },
            [](const C& c, nlohmann::json& out) {
              out["shift_terminal"] = c.shift_terminal > 0 ? nlohmann::json(c.shift_terminal) : nlohmann::json(nullptr);
            })
        .text("time_shift_type", &C::time_shift_type, {"exponential", "linear"})
        .fixed("invert_sigmas", false)
        .fixed("use_karras_sigmas", false)
        .fixed("use_exponential_sigmas", false)
        .fixed("use_beta_sigmas", false)
        .fixed("stochastic_sampling", false);
    return s;
  }();
  return schema;
}

const at::TensorOptions kFloat32 = at::TensorOptions().dtype(at::kFloat);

// np.linspace(start, stop, n) in float64, element for element: start + i·step, the last = stop.
std::vector<double> numpy_linspace(double start, double stop, int n) {
  std::vector<double> values(n, start);
  const double step = n > 1 ? (stop - start) / (n - 1) : 0;
  for (int i = 0; i < n; ++i) values[i] = i * step + start;
  if (n > 1) values.back() = stop;
  return values;
}

at::Tensor float64_tensor(const std::vector<double>& values) {
  return at::tensor(values, at::TensorOptions().dtype(at::kDouble));
}

}  // namespace

FlowMatchSchedulerConfig FlowMatchSchedulerConfig::from_json(const JsonConfig& json) {
  FlowMatchSchedulerConfig c = flow_match_schema().read(json);
  if (c.use_dynamic_shifting && c.max_image_seq_len == c.base_image_seq_len)
    json.fail("max_image_seq_len", "must differ from base_image_seq_len for dynamic shifting");
  return c;
}

FlowMatchSchedulerConfig FlowMatchSchedulerConfig::from_file(const std::filesystem::path& file) {
  return from_json(JsonConfig(file));
}

double FlowMatchSchedulerConfig::mu_for(std::int64_t image_seq_len) const {
  const double m = (max_shift - base_shift) / (max_image_seq_len - base_image_seq_len);
  const double b = base_shift - m * base_image_seq_len;
  return static_cast<double>(image_seq_len) * m + b;
}

std::string FlowMatchSchedulerConfig::to_json() const {
  nlohmann::json out = {{"_class_name", "FlowMatchEulerDiscreteScheduler"}, {"_diffusers_version", kDiffusersVersion}};
  flow_match_schema().write(*this, out);
  return out.dump(2) + "\n";
}

FlowMatchEulerScheduler::FlowMatchEulerScheduler(FlowMatchSchedulerConfig config) : config_(std::move(config)) {
  // The training schedule of __init__, in float32: σ = t / T for t = T … 1, statically shifted.
  const int steps = config_.num_train_timesteps;
  at::Tensor sigmas = at::linspace(1, steps, steps, kFloat32).flip(0) / static_cast<float>(steps);
  if (!config_.use_dynamic_shifting) {
    const auto s = static_cast<float>(config_.shift);
    sigmas = s * sigmas / (1 + static_cast<float>(config_.shift - 1) * sigmas);
  }
  sigma_max_ = sigmas[0].item<float>();
  sigma_min_ = sigmas[-1].item<float>();
  finish(sigmas);
}

at::Tensor FlowMatchEulerScheduler::shifted(const at::Tensor& sigmas, std::optional<double> mu) const {
  // Same dtype arithmetic as diffusers' numpy code: a float32 array with Python floats stays float32.
  const at::ScalarType type = sigmas.scalar_type();
  const auto scalar = [&](double value) { return type == at::kFloat ? static_cast<double>(static_cast<float>(value)) : value; };
  at::Tensor out;
  if (config_.use_dynamic_shifting) {
    if (!mu) throw InputError("FlowMatchEulerDiscreteScheduler: use_dynamic_shifting needs mu (the image sequence length)");
    const double numerator = config_.time_shift_type == "exponential" ? std::exp(*mu) : *mu;
    const at::Tensor odds = at::full_like(sigmas, 1).div(sigmas) - 1;  // (1/σ − 1)**1.0, exact
    out = scalar(numerator) / (scalar(numerator) + odds);
  } else {
    out = scalar(config_.shift) * sigmas / (1 + scalar(config_.shift - 1) * sigmas);
  }
  if (config_.shift_terminal > 0) {  // stretch_shift_to_terminal
    const at::Tensor one_minus = 1 - out;
    const at::Tensor scale = one_minus[-1] / scalar(1 - config_.shift_terminal);
    out = 1 - one_minus / scale;
  }
  return out;
}

void FlowMatchEulerScheduler::finish(const at::Tensor& sigmas) {
  const at::Tensor sigmas32 = sigmas.to(at::kFloat);
  timesteps_ = sigmas32 * static_cast<float>(config_.num_train_timesteps);
  sigmas_ = at::cat({sigmas32, at::zeros({1}, kFloat32)});
}

void FlowMatchEulerScheduler::set_timesteps(int n, std::optional<double> mu) {
  if (n < 1) throw InputError(fmt::format("FlowMatchEulerDiscreteScheduler: need at least 1 step, found {}", n));
  const double t = config_.num_train_timesteps;
  // np.linspace in float64, divided by T in float64, shifted in float64, then cast.
  finish(shifted(float64_tensor(numpy_linspace(sigma_max_ * t, sigma_min_ * t, n)) / t, mu));
}

void FlowMatchEulerScheduler::set_sigmas(const std::vector<double>& sigmas, std::optional<double> mu) {
  if (sigmas.empty()) throw InputError("FlowMatchEulerDiscreteScheduler: no sigmas given");
  for (const double sigma : sigmas)
    if (!(sigma > 0 && sigma <= 1))
      throw InputError(fmt::format("FlowMatchEulerDiscreteScheduler: sigma {} is outside (0, 1]", sigma));
  finish(shifted(float64_tensor(sigmas).to(at::kFloat), mu));
}

void FlowMatchEulerScheduler::set_flux_timesteps(int n, std::int64_t image_seq_len) {
  if (n < 1) throw InputError(fmt::format("FLUX sampling needs at least 1 step, found {}", n));
  set_sigmas(numpy_linspace(1.0, 1.0 / n, n), config_.mu_for(image_seq_len));
}

at::Tensor FlowMatchEulerScheduler::step(const at::Tensor& model_output, int i, const at::Tensor& sample) const {
  const at::Tensor dt = sigmas_[i + 1] - sigmas_[i];
  return (sample.to(at::kFloat) + dt.to(model_output.device()) * model_output).to(model_output.scalar_type());
}

at::Tensor FlowMatchEulerScheduler::scale_noise(const at::Tensor& sample, int i, const at::Tensor& noise) const {
  const at::Tensor sigma = sigmas_[i].to(sample.device()).to(sample.scalar_type());
  return sigma * noise + (1.0 - sigma) * sample;
}

}  // namespace tunegrid
