// bench_allreduce_spec.h — the parameters of `bench.allreduce`, declared once (core/job_params.h):
// bench_allreduce_spec.cpp publishes them, bench_allreduce.cpp reads them. No torch.
#pragma once
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

// 1 KiB, 4 KiB, ..., 256 MiB.
inline std::vector<int> default_allreduce_sizes() {
  std::vector<int> sizes;
  for (int bytes = 1024; bytes <= (256 << 20); bytes *= 4) sizes.push_back(bytes);
  return sizes;
}

struct AllReduceParams : ParamList {
  Param<std::vector<int>> sizes{*this, "sizes", default_allreduce_sizes(), "message sizes in bytes (float32 elements)",
                                4.0};
  Param<int> iterations{*this, "iterations", 20, "timed all-reduces per size (the median counts)", 1.0};
  Param<int> warmup{*this, "warmup", 3, "untimed all-reduces per size first", 0.0};
};

}  // namespace tunegrid
