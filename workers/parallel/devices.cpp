// devices.cpp — see devices.h.
#include "workers/parallel/devices.h"

#include <ATen/Context.h>
#include <torch/version.h>
#include <fmt/format.h>

#ifdef TUNEGRID_WITH_NCCL
#include <cuda_runtime_api.h>
#include <nccl.h>
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

std::string gpu_support_description() {
#ifdef TUNEGRID_WITH_NCCL
  int runtime = 0, nccl = 0;
  cudaRuntimeGetVersion(&runtime);
  ncclGetVersion(&nccl);
  return fmt::format("CUDA runtime {}, NCCL {}.{}.{}, {} GPUs visible, libtorch {} CUDA", runtime, nccl / 10000,
                     (nccl / 100) % 100, nccl % 100, visible_gpu_count(), at::hasCUDA() ? "with" : "without");
#else
  return "built without GPU support (TUNEGRID_WITH_NCCL=OFF)";
#endif
}

std::string libtorch_description() {
  return fmt::format("libtorch {} ({})", TORCH_VERSION, at::hasCUDA() ? "with CUDA" : "CPU only");
}

}  // namespace tunegrid
