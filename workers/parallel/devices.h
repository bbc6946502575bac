// devices.h — which device a rank computes on: the local rank modulo the visible GPUs,
// or the CPU when there are none. The GPU side (CUDA runtime) is compiled only
// with TUNEGRID_WITH_NCCL and never entered when no GPU is present.
#pragma once
#include <string>

namespace tunegrid {

int visible_gpu_count();

// "cuda:<local_rank % gpus>" when GPUs are visible and libtorch was built with CUDA, else "cpu".
std::string device_for_local_rank(int local_rank);

}  // namespace tunegrid
