// job_registry.cpp — the list of job kinds. Adding a kind: write jobs/<kind>.cpp with a
// `JobKind <kind>_kind()` and add it below.
#include <algorithm>

#include "workers/jobs/job_kind.h"

namespace tunegrid {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = [] {
    std::vector<JobKind> all = {bench_allreduce_kind(),     bench_matmul_kind(),       bench_noop_kind(),
                                bench_unet_step_kind(),     evaluate_classifier_kind(), pretrain_clip_kind(),      pretrain_vae_kind(),
                                pretrain_unet_kind(),       pretrain_oracle_kind(),    sample_kind(),
                                finetune_textual_inversion_kind(), finetune_dreambooth_kind(), finetune_lora_kind(),
                                finetune_hypernetwork_kind(), finetune_custom_diffusion_kind(),
                                merge_custom_diffusion_kind()};
    std::sort(all.begin(), all.end(), [](const JobKind& a, const JobKind& b) { return a.spec.name < b.spec.name; });
    return all;
  }();
  return kinds;
}

const JobKind* find_job_kind(const std::string& name) {
  for (const auto& kind : job_kinds())
    if (kind.spec.name == name) return &kind;
  return nullptr;
}

KindCatalog kind_catalog() {
  KindCatalog catalog;
  for (const auto& kind : job_kinds()) catalog[kind.spec.name] = kind.spec;
  return catalog;
}

}  // namespace tunegrid
