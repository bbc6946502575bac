// device_memory.cpp — see device_memory.h.
#include "workers/parallel/device_memory.h"

#include <ATen/Context.h>
#include <ATen/DeviceAccelerator.h>

namespace tunegrid {

namespace {

// Only CUDA's caching allocator is known to keep statistics; other devices (a test's fake
// accelerator, CPU) report none rather than throw.
bool keeps_statistics(const c10::Device& device) { return device.is_cuda(); }

}  // namespace

void reset_peak_device_memory(const c10::Device& device) {
  if (keeps_statistics(device)) at::accelerator::resetPeakStats(device.index() < 0 ? 0 : device.index());
}

std::optional<DevicePeakMemory> peak_device_memory(const c10::Device& device) {
  if (!keeps_statistics(device)) return std::nullopt;
  const auto stats = at::accelerator::getDeviceStats(device.index() < 0 ? 0 : device.index());
  constexpr double kMegabyte = 1024.0 * 1024.0;
  const auto aggregate = static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return DevicePeakMemory{static_cast<double>(stats.allocated_bytes[aggregate].peak) / kMegabyte,
                          static_cast<double>(stats.reserved_bytes[aggregate].peak) / kMegabyte};
}

void set_allow_tf32(bool allowed) {
  at::globalContext().setAllowTF32CuBLAS(allowed);
  at::globalContext().setAllowTF32CuDNN(allowed);
}

}  // namespace tunegrid
