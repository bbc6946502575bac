// finetune_params.cpp — see finetune_params.h.
#include "workers/methods/finetune_params.h"

namespace tunegrid {

KindSpec finetune_kind_spec(const std::string& method, const std::string& doc, const FineTuneParams& params) {
  KindSpec spec;
  spec.name = "finetune." + method;
  spec.doc = doc;
  spec.params = params.specs();
  spec.outputs =
      "metrics `trainable_parameters`, `final_loss`, `resumed_from_step`, `step_seconds`, `peak_rss_mb`; loss per "
      "step; timings `load`, `train`, `sample`; validation images `sample_step_<N>`; the method's files in its "
      "artifact folder (docs/methods.md)";
  return spec;
}

}  // namespace tunegrid
