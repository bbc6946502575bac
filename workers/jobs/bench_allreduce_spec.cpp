// bench_allreduce_spec.cpp — the parameters of `bench.allreduce` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_allreduce.cpp.
#include "workers/jobs/bench_allreduce_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec bench_allreduce_spec() {
  KindSpec spec;
  spec.name = "bench.allreduce";
  spec.doc = "All-reduce bandwidth over the job's group (nccl-tests' algbw and busbw) per message size.";
  spec.outputs = "metrics `algbw_gbs_<bytes>`, `busbw_gbs_<bytes>`, `ranks`; timings `allreduce_<bytes>`";
  spec.params = AllReduceParams().specs();
  return spec;
}

}  // namespace tunegrid
