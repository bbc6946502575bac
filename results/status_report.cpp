// status_report.cpp — see status_report.h.
#include "results/status_report.h"

#include <fmt/format.h>

#include <map>

namespace tunegrid {

std::string format_status(const std::string& store, const StoreScan& scan) {
  struct Counts {
    int done = 0, failed = 0;
    double seconds = 0;
  };
  std::map<std::string, Counts> per_kind;
  int done = 0, failed = 0;
  for (const auto& shard : scan.shards) {
    Counts& counts = per_kind[shard.kind];
    const auto total = shard.timings.find("total");
    if (total != shard.timings.end()) counts.seconds += total->second;
    if (shard.status == "done") {
      ++counts.done;
      ++done;
    } else {
      ++counts.failed;
      ++failed;
    }
  }
  std::string out = fmt::format("{}: {} shards — {} done, {} failed, {} unreadable\n", store, scan.shards.size(), done,
                                failed, scan.unreadable.size());
  if (!per_kind.empty()) {
    out += fmt::format("\n{:<24} {:>6} {:>6} {:>12}\n", "kind", "done", "failed", "job seconds");
    for (const auto& [kind, counts] : per_kind)
      out += fmt::format("{:<24} {:>6} {:>6} {:>12.3f}\n", kind, counts.done, counts.failed, counts.seconds);
  }
  if (failed) {
    out += "\nfailed jobs:\n";
    for (const auto& shard : scan.shards)
      if (shard.status == "failed")
        out += fmt::format("  {} {} (attempt {}): {}\n", shard.job_id, shard.kind, shard.attempt, shard.error);
  }
  if (!scan.unreadable.empty()) {
    out += "\nunreadable shards (their jobs run again on the next `tunegrid run`):\n";
    for (const auto& [path, why] : scan.unreadable) out += fmt::format("  {}: {}\n", path.string(), why);
  }
  return out;
}

}  // namespace tunegrid
