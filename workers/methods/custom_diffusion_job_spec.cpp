// custom_diffusion_job_spec.cpp — see custom_diffusion_job.h.
#include "workers/job_specs.h"
#include "workers/methods/custom_diffusion_job.h"

namespace tunegrid {

CustomDiffusionJobParams::CustomDiffusionJobParams() : FineTuneParams({250, 4, 1e-5, 0, 0.0, {"photo of a {}"}}) {}

KindSpec finetune_custom_diffusion_spec() {
  return finetune_kind_spec(
      "custom_diffusion",
      "Custom Diffusion: cross-attention k/v + a modifier token, masked rescaled images, regularization images.",
      CustomDiffusionJobParams());
}

}  // namespace tunegrid
