// dreambooth_job_spec.cpp — see dreambooth_job.h.
#include "workers/job_specs.h"
#include "workers/methods/dreambooth_job.h"

namespace tunegrid {

DreamBoothJobParams::DreamBoothJobParams() : FineTuneParams({400, 4, 5e-6, 0, 0.0, {"a photo of {}"}}) {}

KindSpec finetune_dreambooth_spec() {
  return finetune_kind_spec(
      "dreambooth", "DreamBooth: fine-tunes the whole UNet, optionally with prior preservation (train_dreambooth.py).",
      DreamBoothJobParams());
}

}  // namespace tunegrid
