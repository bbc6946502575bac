// job_registry.cpp — every job kind with its runner (libtunegrid_torch.so): the torch-free
// kinds and the lines of job_kind_list.h marked torch.
#include <algorithm>
#include <utility>

#include "workers/job_kind.h"
#include "workers/job_specs.h"

namespace tunegrid {

const std::vector<JobKind>& job_kinds() {
  static const std::vector<JobKind> kinds = [] {
    std::vector<JobKind> all = torch_free_job_kinds();
#define TUNEGRID_ADD_IF_torch(name) all.push_back(name##_kind());
#define TUNEGRID_ADD_IF_torch_free(name)
#define TUNEGRID_ADD_KIND(name, runs_on) TUNEGRID_ADD_IF_##runs_on(name)
    TUNEGRID_JOB_KINDS(TUNEGRID_ADD_KIND)
#undef TUNEGRID_ADD_KIND
#undef TUNEGRID_ADD_IF_torch_free
#undef TUNEGRID_ADD_IF_torch
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
