// job_specs.cpp — see job_specs.h.
#include "workers/job_specs.h"

#include <algorithm>

namespace tunegrid {

const std::vector<KindSpec>& job_kind_specs() {
  static const std::vector<KindSpec> specs = [] {
#define TUNEGRID_KIND_SPEC(name, runs_on) name##_spec(),
    std::vector<KindSpec> all = {TUNEGRID_JOB_KINDS(TUNEGRID_KIND_SPEC)};
#undef TUNEGRID_KIND_SPEC
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
