// bench_unet_step_spec.cpp — the parameters of `bench.unet_step` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_unet_step.cpp.
#include "workers/jobs/bench_unet_step_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec bench_unet_step_spec() {
  KindSpec spec;
  spec.name = "bench.unet_step";
  spec.doc = "Times a UNet training step (forward, MSE loss, backward, AdamW); records step_ms.";
  spec.outputs = "metrics `step_ms` (median), `step_ms_min`, `params`, `threads`; timings `forward`, `backward`, `optimizer`, `step`";
  spec.params = UNetStepParams().specs();
  return spec;
}

}  // namespace tunegrid
