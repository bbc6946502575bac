// autocast_scope.h — autocast (torch.autocast) for one scope, as the mixed-precision training
// loop (workers/methods/mixed_precision.h), sampling in a dtype, the UNet benchmarks and the
// recompute of a checkpointed segment (gradient_checkpoint.h) enter it.
#pragma once
#include <optional>

#include <c10/core/DeviceType.h>
#include <c10/core/ScalarType.h>

namespace tunegrid {

// Autocast on `device_type` in `dtype` for the scope's life (nothing without a dtype); the
// previous state comes back and autocast's weight cache is cleared on leaving.
class AutocastScope {
 public:
  AutocastScope(c10::DeviceType device_type, std::optional<at::ScalarType> dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_type_;
  bool active_ = false, was_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

}  // namespace tunegrid
