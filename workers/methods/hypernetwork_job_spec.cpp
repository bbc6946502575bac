// hypernetwork_job_spec.cpp — see hypernetwork_job.h.
#include "workers/job_specs.h"
#include "workers/methods/hypernetwork_job.h"

namespace tunegrid {

HypernetworkJobParams::HypernetworkJobParams() : FineTuneParams({100000, 1, 1e-5, 0, 0.0, {"a photo of {}"}}) {}

KindSpec finetune_hypernetwork_spec() {
  return finetune_kind_spec("hypernetwork",
                            "AUTOMATIC1111 hypernetwork: MLPs on the attention context before to_k / to_v.",
                            HypernetworkJobParams());
}

}  // namespace tunegrid
