// torch_free_kinds.cpp — the job kinds whose runners need no libtorch (job_kind_list.h: the
// lines marked torch_free).
#include "workers/job_kind.h"

namespace tunegrid {

const std::vector<JobKind>& torch_free_job_kinds() {
  static const std::vector<JobKind> kinds = [] {
    std::vector<JobKind> all;
#define TUNEGRID_ADD_IF_torch_free(name) all.push_back(name##_kind());
#define TUNEGRID_ADD_IF_torch(name)
#define TUNEGRID_ADD_KIND(name, runs_on) TUNEGRID_ADD_IF_##runs_on(name)
    TUNEGRID_JOB_KINDS(TUNEGRID_ADD_KIND)
#undef TUNEGRID_ADD_KIND
#undef TUNEGRID_ADD_IF_torch
#undef TUNEGRID_ADD_IF_torch_free
    return all;
  }();
  return kinds;
}

}  // namespace tunegrid
