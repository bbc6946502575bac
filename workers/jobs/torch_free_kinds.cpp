// torch_free_kinds.cpp — the job kinds whose runners need no libtorch (job_kind.h).
#include "workers/jobs/job_kind.h"
#include "workers/jobs/job_specs.h"

namespace tunegrid {

const std::vector<JobKind>& torch_free_job_kinds() {
  static const std::vector<JobKind> kinds = {{bench_noop_spec(), run_bench_noop}};
  return kinds;
}

}  // namespace tunegrid
