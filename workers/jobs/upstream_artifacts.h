// upstream_artifacts.h — the artifact folder of the one job of a given stage that a job
// needs (a `sample` of a fine-tuned model, a merge of several fine-tuning results).
#pragma once
#include <filesystem>
#include <string>

#include "workers/job_kind.h"

namespace tunegrid {

// InputError naming `what` (e.g. "sample param 'finetuned' = 'lora'") unless exactly one job
// of `stage` is among the job's `needs`.
std::filesystem::path upstream_artifacts(const JobContext& context, const std::string& stage, const std::string& what);

}  // namespace tunegrid
