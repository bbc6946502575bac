// bench_flux_step_spec.cpp — the parameters of `bench.flux_step` (no torch); the kind runs in bench_flux_step.cpp.
#include "workers/jobs/bench_flux_step_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec bench_flux_step_spec() {
  KindSpec spec;
  spec.name = "bench.flux_step";
  spec.doc = "Times a FLUX transformer training step (flow matching: forward, MSE to ε − x₀, backward, AdamW) at a given "
             "size; records step_ms — what sizing builtin:tiny-flux's pretraining starts from.";
  spec.outputs = "metrics `step_ms` (median), `step_ms_min`, `params`, `tokens`, `threads`; timings `forward`, "
                 "`backward`, `optimizer`, `step`";
  spec.params = FluxStepParams().specs();
  return spec;
}

}  // namespace tunegrid
