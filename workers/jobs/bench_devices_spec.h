// bench_devices_spec.h — the parameters of `bench.devices` (the cluster GPU benchmark),
// declared once (core/job_params.h): bench_devices_spec.cpp publishes them, bench_devices.cpp
// reads them. The defaults are a GPU's sizes; experiments/bench/cluster-gpu.toml's `cpu`
// profile shrinks them for a CPU. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct DevicesParams : ParamList {
  Param<int> matmul_size{*this, "matmul_size", 8192, "square matrix size n of the timed products", 1.0};
  Param<std::vector<std::string>> dtypes{*this, "dtypes", {"float32", "tf32", "bfloat16", "float16"},
                                         "matrix-product element types (tf32: float32 with TF32 on; CUDA only)",
                                         std::nullopt, {"float32", "tf32", "bfloat16", "float16"}};
  Param<int> matmul_repeats{*this, "matmul_repeats", 10, "timed products per dtype (the best counts)", 1.0};
  Param<std::string> unet_config{*this, "unet_config", "sd15", "UNet of the timed training steps: tiny, small, sd15",
                                 std::nullopt, {"tiny", "small", "sd15"}};
  Param<int> unet_batch{*this, "unet_batch", 8, "latents per UNet training step", 1.0};
  Param<std::string> unet_precision{*this, "unet_precision", "bf16", "no | fp16 | bf16 autocast of the UNet steps",
                                    std::nullopt, {"no", "fp16", "bf16"}};
  Param<int> unet_steps{*this, "unet_steps", 10, "timed UNet steps (the median counts)", 1.0};
  Param<int> warmup{*this, "warmup", 2, "untimed repetitions before each measurement", 0.0};
  Param<double> copy_mb{*this, "copy_mb", 256.0, "host↔device copy size in MB (pinned host memory on a GPU)", 0.001};
  Param<int> copy_repeats{*this, "copy_repeats", 10, "timed copies each way (the best counts)", 1.0};
  Param<double> allreduce_mb{*this, "allreduce_mb", 256.0, "all-reduce message size in MB", 0.001};
  Param<int> allreduce_iterations{*this, "allreduce_iterations", 20, "timed all-reduces (the median counts)", 1.0};
  Param<int> seed{*this, "seed", 0, "seed of the random matrices, weights and batches", 0.0};
};

}  // namespace tunegrid
