// upstream_artifacts.cpp — see upstream_artifacts.h.
#include "workers/jobs/upstream_artifacts.h"

#include <fmt/format.h>

#include <vector>

#include "core/errors.h"

namespace tunegrid {

std::filesystem::path upstream_artifacts(const JobContext& context, const std::string& stage, const std::string& what) {
  std::vector<std::filesystem::path> found;
  for (const UpstreamJob& upstream : context.upstream)
    if (upstream.stage == stage) found.push_back(upstream.artifacts);
  if (found.size() != 1)
    throw InputError(fmt::format("{}: this job needs {} job(s) of stage '{}'; expected exactly one (add the stage to "
                                 "`needs`, with grid coordinates that match this job's)",
                                 what, found.size(), stage));
  return found.front();
}

}  // namespace tunegrid
