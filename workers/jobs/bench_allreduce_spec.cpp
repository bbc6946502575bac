// bench_allreduce_spec.cpp — the parameters of `bench.allreduce` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_allreduce.cpp.
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec bench_allreduce_spec() {
  KindSpec spec;
  spec.name = "bench.allreduce";
  spec.doc = "All-reduce bandwidth over the job's group (nccl-tests' algbw and busbw) per message size.";
  spec.outputs = "metrics `algbw_gbs_<bytes>`, `busbw_gbs_<bytes>`, `ranks`; timings `allreduce_<bytes>`";
  Value::List sizes;
  for (std::int64_t bytes = 1024; bytes <= (256ll << 20); bytes *= 4) sizes.push_back(Value(bytes));
  spec.params = {
      {"sizes", ParamType::integer_list, Value(sizes), "message sizes in bytes (float32 elements)", 4.0, {}},
      {"iterations", ParamType::integer, Value(20), "timed all-reduces per size (the median counts)", 1.0, {}},
      {"warmup", ParamType::integer, Value(3), "untimed all-reduces per size first", 0.0, {}},
  };
  return spec;
}

}  // namespace tunegrid
