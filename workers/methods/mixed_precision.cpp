// mixed_precision.cpp — see mixed_precision.h.
#include "workers/methods/mixed_precision.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"

namespace tunegrid {

std::optional<at::ScalarType> low_precision_type(const std::string& mixed_precision, const std::string& where) {
  if (mixed_precision == "no") return std::nullopt;
  if (mixed_precision == "fp16") return at::kHalf;
  if (mixed_precision == "bf16") return at::kBFloat16;
  throw InputError(fmt::format("{}: '{}' is not a mixed precision; expected no, fp16 or bf16", where, mixed_precision));
}

std::optional<at::ScalarType> sampling_precision_type(const std::string& dtype, const std::string& where) {
  if (dtype == "float32") return std::nullopt;
  if (dtype == "float16") return at::kHalf;
  if (dtype == "bfloat16") return at::kBFloat16;
  throw InputError(fmt::format("{}: '{}' is not a dtype; expected float32, float16 or bfloat16", where, dtype));
}

namespace {

bool among(const at::Tensor& weight, const NamedTensors& trainable) {
  for (const auto& item : trainable)
    if (weight.is_same(item.second) || weight.is_alias_of(item.second)) return true;
  return false;
}

}  // namespace

FrozenWeightsInLowPrecision::FrozenWeightsInLowPrecision(const std::vector<NamedTensors>& components,
                                                         const NamedTensors& trainable,
                                                         std::optional<at::ScalarType> dtype) {
  if (!dtype) return;
  at::NoGradGuard no_grad;
  for (const NamedTensors& weights : components) {
    if (std::any_of(weights.begin(), weights.end(), [&](const auto& item) { return among(item.second, trainable); }))
      continue;
    for (const auto& [name, weight] : weights) {
      if (weight.scalar_type() != at::kFloat) continue;
      originals_.emplace_back(weight, weight.to(at::kCPU, /*non_blocking=*/false, /*copy=*/true));
      at::Tensor handle = weight;  // shares the TensorImpl: every module holding it sees the cast
      handle.set_data(weight.to(*dtype));
    }
  }
}

FrozenWeightsInLowPrecision::~FrozenWeightsInLowPrecision() {
  at::NoGradGuard no_grad;
  for (auto& [weight, original] : originals_) weight.set_data(original.to(weight.device()));
}

LossScaler::LossScaler(bool enabled, double initial_scale) : enabled_(enabled), scale_(enabled ? initial_scale : 1.0) {}

at::Tensor LossScaler::scaled(const at::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool LossScaler::unscale_gradients(const NamedTensors& trainable) const {
  if (!enabled_) return true;
  at::NoGradGuard no_grad;
  std::vector<at::Tensor> finite;  // one flag per gradient, read back once (one device sync)
  for (const auto& item : trainable) {
    at::Tensor grad = item.second.grad();
    if (!grad.defined()) continue;
    grad.mul_(1.0 / scale_);
    finite.push_back(grad.isfinite().all());
  }
  return finite.empty() || at::stack(finite).all().item<bool>();
}

void LossScaler::update(bool gradients_finite) {
  if (!enabled_) return;
  if (!gradients_finite) {
    scale_ *= kBackoffFactor;
    growth_tracker_ = 0;
    ++skipped_;
    ++consecutive_skips_;
    return;
  }
  consecutive_skips_ = 0;
  if (++growth_tracker_ == kGrowthInterval) {
    scale_ *= kGrowthFactor;
    growth_tracker_ = 0;
  }
}

std::vector<std::pair<std::string, at::Tensor>> LossScaler::state() const {
  if (!enabled_) return {};
  return {{"loss_scaler.scale", at::scalar_tensor(scale_, at::kDouble)},
          {"loss_scaler.growth_tracker", at::scalar_tensor(growth_tracker_, at::kLong)},
          {"loss_scaler.skipped", at::scalar_tensor(skipped_, at::kLong)}};
}

void LossScaler::load_state(const std::map<std::string, at::Tensor>& state, const std::string& what) {
  if (!enabled_) return;
  auto scalar = [&](const char* name) {
    const auto found = state.find(name);
    if (found == state.end() || found->second.numel() != 1)
      throw InputError(fmt::format("{}: tensor '{}' is missing (a checkpoint of an fp16 run holds it)", what, name));
    return found->second.item<double>();
  };
  scale_ = scalar("loss_scaler.scale");
  growth_tracker_ = static_cast<int>(scalar("loss_scaler.growth_tracker"));
  skipped_ = static_cast<int>(scalar("loss_scaler.skipped"));
}

}  // namespace tunegrid
