// mixed_precision.h — training in mixed precision as diffusers' example scripts do it under
// accelerate (`--mixed_precision no|fp16|bf16`): a frozen component (the denoiser, the text
// encoder) held in the low precision, a component with a trained weight of its own kept in
// fp32 whole (textual_inversion.py keeps the text encoder fp32, train_dreambooth.py the UNet),
// adapters and the optimizer state in fp32 (diffusers' cast_training_params), the forward
// passes under autocast, and for fp16
// dynamic loss scaling as torch.amp.GradScaler does it (init_scale 2^16, growth ×2 after 2000
// finite steps, backoff ×0.5; a step whose gradients hold an inf or NaN is skipped, not
// applied, and counted). The VAE keeps fp32 (its encodings are made before training).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <c10/core/DeviceType.h>

#include "workers/methods/finetune_method.h"  // NamedTensors
#include "workers/models/autocast_scope.h"

namespace tunegrid {

// The low-precision type of a `mixed_precision` setting: none for "no", Half for "fp16",
// BFloat16 for "bf16"; anything else is an InputError naming `where`.
std::optional<at::ScalarType> low_precision_type(const std::string& mixed_precision, const std::string& where);

// The same for a sampling `dtype` as diffusers' torch_dtype names it: float32, float16, bfloat16.
std::optional<at::ScalarType> sampling_precision_type(const std::string& dtype, const std::string& where);

// The fp32 weights of each of `components` that holds none of `trainable` (the same tensor or
// a view of one), cast in place to `dtype` for the object's life; their fp32 values wait in
// host memory and come back exactly when it ends, so what a job saves or samples after
// training is the model it loaded. A component with a trained weight stays fp32 whole: its
// fp32 activations would meet low-precision norm weights, which the CPU refuses.
class FrozenWeightsInLowPrecision {
 public:
  FrozenWeightsInLowPrecision(const std::vector<NamedTensors>& components, const NamedTensors& trainable,
                              std::optional<at::ScalarType> dtype);
  ~FrozenWeightsInLowPrecision();
  FrozenWeightsInLowPrecision(const FrozenWeightsInLowPrecision&) = delete;
  FrozenWeightsInLowPrecision& operator=(const FrozenWeightsInLowPrecision&) = delete;

  std::size_t count() const { return originals_.size(); }

 private:
  std::vector<std::pair<at::Tensor, at::Tensor>> originals_;  // (the weight, its fp32 host copy)
};

// fp16's dynamic loss scaling (torch.amp.GradScaler's rules); disabled, it scales by 1 and
// skips nothing.
class LossScaler {
 public:
  explicit LossScaler(bool enabled, double initial_scale = 65536.0);

  bool enabled() const { return enabled_; }
  double scale() const { return scale_; }
  int skipped_steps() const { return skipped_; }
  int consecutive_skips() const { return consecutive_skips_; }

  // The loss times the scale (the loss itself when disabled).
  at::Tensor scaled(const at::Tensor& loss) const;
  // Divides the gradients of `trainable` by the scale in place; false when one holds an inf
  // or NaN (the step must then be skipped). Always true when disabled.
  bool unscale_gradients(const NamedTensors& trainable) const;
  // After a step: backoff and count a skipped one, grow after growth_interval finite ones.
  void update(bool gradients_finite);

  // "loss_scaler.scale", ".growth_tracker", ".skipped" as float64 / int64 scalars (empty when
  // disabled), for a fine-tuning checkpoint; load_state restores them (an InputError naming
  // `what` when one is missing).
  std::vector<std::pair<std::string, at::Tensor>> state() const;
  void load_state(const std::map<std::string, at::Tensor>& state, const std::string& what);

 private:
  bool enabled_;
  double scale_;
  int growth_tracker_ = 0, skipped_ = 0, consecutive_skips_ = 0;
  static constexpr double kGrowthFactor = 2.0, kBackoffFactor = 0.5;
  static constexpr int kGrowthInterval = 2000;
};

}  // namespace tunegrid
