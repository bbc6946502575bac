// job_specs.cpp — see job_specs.h.
#include "workers/jobs/job_specs.h"

#include <algorithm>

namespace tunegrid {

const std::vector<KindSpec>& job_kind_specs() {
  static const std::vector<KindSpec> specs = [] {
    std::vector<KindSpec> all = {
        bench_allreduce_spec(),  bench_matmul_spec(),    bench_noop_spec(),
        bench_unet_step_spec(),  evaluate_classifier_spec(), pretrain_clip_spec(),
        pretrain_vae_spec(),     pretrain_unet_spec(),   pretrain_oracle_spec(),
        sample_spec(),           finetune_textual_inversion_spec(), finetune_dreambooth_spec(),
        finetune_lora_spec(),    finetune_hypernetwork_spec(), finetune_custom_diffusion_spec(),
        merge_custom_diffusion_spec()};
    std::sort(all.begin(), all.end(), [](const KindSpec& a, const KindSpec& b) { return a.name < b.name; });
    return all;
  }();
  return specs;
}

KindCatalog kind_catalog() {
  KindCatalog catalog;
  for (const auto& spec : job_kind_specs()) catalog[spec.name] = spec;
  return catalog;
}

}  // namespace tunegrid
