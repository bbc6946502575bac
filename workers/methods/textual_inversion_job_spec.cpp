// textual_inversion_job_spec.cpp — see textual_inversion_job.h.
#include "workers/job_specs.h"
#include "workers/methods/prompt_templates.h"
#include "workers/methods/textual_inversion_job.h"

namespace tunegrid {

TextualInversionJobParams::TextualInversionJobParams()
    : FineTuneParams({5000, 16, 1e-4, 500, 0.5, object_prompt_templates()}) {}

KindSpec finetune_textual_inversion_spec() {
  return finetune_kind_spec("textual_inversion",
                            "Textual Inversion: learns new token embeddings (diffusers textual_inversion.py).",
                            TextualInversionJobParams());
}

}  // namespace tunegrid
