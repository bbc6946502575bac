// lora_job_spec.cpp — see lora_job.h.
#include "workers/job_specs.h"
#include "workers/methods/lora_job.h"

namespace tunegrid {

LoRAJobParams::LoRAJobParams() : FineTuneParams({500, 4, 1e-4, 0, 0.5, {"a photo of {}"}}) {}

KindSpec finetune_lora_spec() {
  return finetune_kind_spec(
      "lora", "LoRA on the UNet's attention projections, optionally the text encoder's (diffusers/peft; kohya-ss file too).",
      LoRAJobParams());
}

}  // namespace tunegrid
