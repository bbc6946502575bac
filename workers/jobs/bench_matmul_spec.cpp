// bench_matmul_spec.cpp — the parameters of `bench.matmul` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_matmul.cpp.
#include "workers/jobs/bench_matmul_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec bench_matmul_spec() {
  KindSpec spec;
  spec.name = "bench.matmul";
  spec.doc = "Times libtorch matrix products; records GFLOP/s per size.";
  spec.outputs = "metrics `gflops_<n>`; timings `matmul_<n>`";
  spec.params = MatmulParams().specs();
  return spec;
}

}  // namespace tunegrid
