// job_registry.cpp — the list of job kinds with their runners (libtorch). Adding a kind:
// jobs/<kind>_spec.cpp (job_specs.h) and jobs/<kind>.cpp with a `JobKind <kind>_kind()`,
// added below (or, for a kind that needs no libtorch, to torch_free_kinds.cpp).
#include <algorithm>
#include <utility>

#include "workers/jobs/job_kind.h"
#include "workers/jobs/job_specs.h"

namespace tunegrid {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = [] {
    std::vector<JobKind> all = torch_free_job_kinds();
    for (JobKind kind : {bench_allreduce_kind(), bench_matmul_kind(), bench_unet_step_kind(), evaluate_classifier_kind(),
                         pretrain_clip_kind(), pretrain_vae_kind(), pretrain_unet_kind(), pretrain_oracle_kind(),
                         sample_kind(), finetune_textual_inversion_kind(), finetune_dreambooth_kind(),
                         finetune_lora_kind(), finetune_hypernetwork_kind(), finetune_custom_diffusion_kind(),
                         merge_custom_diffusion_kind()})
      all.push_back(std::move(kind));
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

}  // namespace tunegrid
