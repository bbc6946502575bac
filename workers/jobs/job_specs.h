// job_specs.h — what every job kind accepts (core/kind_spec.h), without libtorch: the command
// line validates experiment files, plans and prints `tunegrid kinds` from these alone, and a
// rank loads the torch-linked kinds (job_kind.h's registry, in libtunegrid_torch.so) only when it
// runs one. Adding a kind: its <kind>_spec.cpp here and its runner in job_registry.cpp.
#pragma once
#include <vector>

#include "core/kind_spec.h"

namespace tunegrid {

// Every kind's spec, in name order.
const std::vector<KindSpec>& job_kind_specs();
KindCatalog kind_catalog();

KindSpec bench_noop_spec();
KindSpec bench_allreduce_spec();
KindSpec bench_matmul_spec();
KindSpec bench_unet_step_spec();
KindSpec evaluate_classifier_spec();
KindSpec pretrain_clip_spec();
KindSpec pretrain_vae_spec();
KindSpec pretrain_unet_spec();
KindSpec pretrain_oracle_spec();
KindSpec sample_spec();
KindSpec finetune_textual_inversion_spec();
KindSpec finetune_dreambooth_spec();
KindSpec finetune_lora_spec();
KindSpec finetune_hypernetwork_spec();
KindSpec finetune_custom_diffusion_spec();
KindSpec merge_custom_diffusion_spec();

}  // namespace tunegrid
