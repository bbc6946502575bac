// flux_lora_job_spec.cpp — see flux_lora_job.h.
#include "workers/job_specs.h"
#include "workers/methods/flux_lora_job.h"

namespace tunegrid {

namespace {

// train_dreambooth_lora_flux.py's defaults (its --lora_layers unset); the same list as
// flux_lora_default_targets() in flux_lora.cpp, which the torch-free spec cannot link.
const std::vector<std::string> kFluxLoRALayers = {
    "attn.to_k",       "attn.to_q",       "attn.to_v",       "attn.to_out.0",
    "attn.add_k_proj", "attn.add_q_proj", "attn.add_v_proj", "attn.to_add_out",
    "ff.net.0.proj",   "ff.net.2",        "ff_context.net.0.proj", "ff_context.net.2"};

}  // namespace

FluxLoRAJobParams::FluxLoRAJobParams()
    : FineTuneParams({500, 4, 1e-4, 0, 0.0, {"a photo of {}"}, 1e-4, "builtin:tiny-flux",
                      "base model: a FluxPipeline diffusers folder or builtin:tiny-flux"}),
      lora_layers(*this, "lora_layers", kFluxLoRALayers,
                  "transformer modules to adapt: every module whose path ends with one of these") {}

KindSpec finetune_flux_lora_spec() {
  return finetune_kind_spec(
      "flux_lora",
      "LoRA on a FLUX transformer (and optionally CLIP), as diffusers' train_dreambooth_lora_flux.py: flow matching, "
      "AdamW or Prodigy; peft and kohya-ss files.",
      FluxLoRAJobParams());
}

}  // namespace tunegrid
