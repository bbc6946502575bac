// status_report.cpp — see status_report.h.
#include "results/status_report.h"

#include <fmt/format.h>

#include <map>

#include "core/errors.h"
#include "core/shard.h"
#include "core/shard_reader.h"

namespace tunegrid {

namespace {

// The error a failed shard records (read from the shard: the catalog does not hold it).
std::string error_of(const std::filesystem::path& store, const std::string& job_id) {
  try {
    return read_shard(shard_path(store, job_id)).error;
  } catch (const StoreError& problem) {
    return std::string("(its error cannot be read: ") + problem.what() + ")";
  }
}

}  // namespace

std::string format_status(const std::filesystem::path& store, const StoreListing& scan) {
  struct Counts {
    int done = 0, failed = 0;
    double seconds = 0;
  };
  std::map<std::string, Counts> per_kind;
  int done = 0, failed = 0;
  for (const auto& shard : scan.shards) {
    Counts& counts = per_kind[shard.kind];
    counts.seconds += shard.seconds;
    if (shard.status == "done") {
      ++counts.done;
      ++done;
    } else {
      ++counts.failed;
      ++failed;
    }
  }
  std::string out = fmt::format("{}: {} shards — {} done, {} failed, {} unreadable\n", store.string(), scan.shards.size(), done,
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
        out += fmt::format("  {} {} (attempt {}): {}\n", shard.job_id, shard.kind, shard.attempt,
                           error_of(store, shard.job_id));
  }
  if (!scan.unreadable.empty()) {
    out += "\nunreadable shards (their jobs run again on the next `tunegrid run`):\n";
    for (const auto& [path, why] : scan.unreadable) out += fmt::format("  {}: {}\n", path.string(), why);
  }
  return out;
}

}  // namespace tunegrid
