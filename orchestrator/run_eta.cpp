// run_eta.cpp — see run_eta.h.
#include "orchestrator/run_eta.h"

#include <algorithm>

namespace tunegrid {

Eta estimate_eta(const EtaInput& input) {
  Eta eta;
  auto mean = [&](const std::string& kind) -> std::optional<double> {
    const auto it = input.finished.find(kind);
    if (it == input.finished.end() || it->second.jobs == 0) return std::nullopt;
    return it->second.seconds / static_cast<double>(it->second.jobs);
  };
  double work = 0, longest_running = 0;
  bool known = false;
  for (const auto& [kind, count] : input.pending) {
    if (count == 0) continue;
    if (const auto m = mean(kind)) {
      work += *m * static_cast<double>(count);
      known = true;
    } else {
      eta.lower_bound = true;
    }
  }
  for (const auto& job : input.running) {
    std::optional<double> left = job.reported_remaining;
    if (!left)
      if (const auto m = mean(job.kind)) left = std::max(0.0, *m - job.elapsed);
    if (!left) {
      eta.lower_bound = true;
      continue;
    }
    work += *left;
    longest_running = std::max(longest_running, *left);
    known = true;
  }
  if (input.pending.empty() && input.running.empty()) return {0.0, false};
  if (!known) return eta;
  // Groups work side by side; no estimate is shorter than the longest running job's remainder.
  eta.seconds = std::max(work / std::max(1, input.groups), longest_running);
  return eta;
}

}  // namespace tunegrid
