// device_memory.h — what a job's accelerator gives and holds, as torch.cuda reports it
// (max_memory_allocated / max_memory_reserved through libtorch's device-generic caching
// allocator), and the process-wide TF32 switch of diffusers' `--allow_tf32`
// (torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32).
#pragma once
#include <optional>

#include <c10/core/Device.h>

namespace tunegrid {

struct DevicePeakMemory {
  double allocated_mb = 0, reserved_mb = 0;  // peaks since reset_peak_device_memory
};

// Starts counting peaks afresh on `device` (nothing on the CPU).
void reset_peak_device_memory(const c10::Device& device);
// The peaks on `device`; none on the CPU or on a device whose allocator keeps no statistics.
std::optional<DevicePeakMemory> peak_device_memory(const c10::Device& device);

// TF32 for CUDA matrix products and cuDNN convolutions on or off (no effect elsewhere).
void set_allow_tf32(bool allowed);

}  // namespace tunegrid
