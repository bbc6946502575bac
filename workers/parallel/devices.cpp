// devices.cpp — see devices.h.
#include "workers/parallel/devices.h"

#include <ATen/Context.h>
#include <fmt/format.h>

#ifdef TUNEGRID_WITH_NCCL
#include <cuda_runtime_api.h>
#endif

namespace tunegrid {

int visible_gpu_count() {
#ifdef TUNEGRID_WITH_NCCL
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device / no driver" error
    return 0;
  }
  return count;
#else
  return 0;
#endif
}

std::string device_for_local_rank(int local_rank) {
  const int gpus = visible_gpu_count();
  if (gpus <= 0 || !at::hasCUDA()) return "cpu";  // a CPU-only libtorch cannot use them
  return fmt::format("cuda:{}", local_rank % gpus);
}

}  // namespace tunegrid
