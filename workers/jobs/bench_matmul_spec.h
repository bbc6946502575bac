// bench_matmul_spec.h — the parameters of `bench.matmul`, declared once (core/job_params.h):
// bench_matmul_spec.cpp publishes them, bench_matmul.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct MatmulParams : ParamList {
  Param<std::vector<int>> sizes{*this, "sizes", {128, 256, 512}, "square matrix sizes n (n×n · n×n)", 1.0};
  Param<std::string> dtype{*this, "dtype", "float32", "element type", std::nullopt,
                           {"float32", "float64", "bfloat16", "float16"}};
  Param<int> repeats{*this, "repeats", 5, "timed products per size (the best counts)", 1.0};
  Param<int> warmup{*this, "warmup", 1, "untimed products per size first", 0.0};
  Param<int> threads{*this, "threads", 0, "intra-op threads (0: leave libtorch's setting)", 0.0};
  Param<int> seed{*this, "seed", 0, "seed of the random matrices", 0.0};
};

}  // namespace tunegrid
