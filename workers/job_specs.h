// job_specs.h — what every job kind accepts (core/kind_spec.h), without libtorch: the command
// line validates experiment files, plans and prints `tunegrid kinds` from these alone, and a
// rank loads the torch-linked kinds (job_kind.h's registry, in libtunegrid_torch.so) only when it
// runs one. Adding a kind: its files and one line in job_kind_list.h.
#pragma once
#include <vector>

#include "core/kind_spec.h"
#include "workers/job_kind_list.h"

namespace tunegrid {

// Every kind's spec, in name order.
const std::vector<KindSpec>& job_kind_specs();
KindCatalog kind_catalog();

// Each kind's spec (job_kind_list.h).
#define TUNEGRID_DECLARE_KIND_SPEC(name, runs_on) KindSpec name##_spec();
TUNEGRID_JOB_KINDS(TUNEGRID_DECLARE_KIND_SPEC)
#undef TUNEGRID_DECLARE_KIND_SPEC

}  // namespace tunegrid
