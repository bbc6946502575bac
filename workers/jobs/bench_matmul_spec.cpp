// bench_matmul_spec.cpp — the parameters of `bench.matmul` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_matmul.cpp.
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec bench_matmul_spec() {
  KindSpec spec;
  spec.name = "bench.matmul";
  spec.doc = "Times libtorch matrix products; records GFLOP/s per size.";
  spec.outputs = "metrics `gflops_<n>`; timings `matmul_<n>`";
  spec.params = {
      {"sizes", ParamType::integer_list, Value(Value::List{Value(128), Value(256), Value(512)}),
       "square matrix sizes n (n×n · n×n)", 1.0, {}},
      {"dtype", ParamType::string, Value("float32"), "element type", std::nullopt,
       {"float32", "float64", "bfloat16", "float16"}},
      {"repeats", ParamType::integer, Value(5), "timed products per size (the best counts)", 1.0, {}},
      {"warmup", ParamType::integer, Value(1), "untimed products per size first", 0.0, {}},
      {"threads", ParamType::integer, Value(0), "intra-op threads (0: leave libtorch's setting)", 0.0, {}},
      {"seed", ParamType::integer, Value(0), "seed of the random matrices", 0.0, {}},
  };
  return spec;
}

}  // namespace tunegrid
