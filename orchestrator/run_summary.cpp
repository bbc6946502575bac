// run_summary.cpp — see run_summary.h.
#include "orchestrator/run_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/log.h"
#include "core/progress.h"

namespace tunegrid {

namespace {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(q * (values.size() - 1) + 0.5)];
}

}  // namespace

void report_summary(const RunStats& stats, const IndexWrites& index, const std::filesystem::path& out, int world_size,
                    int groups) {
  const double median = percentile(stats.dispatch_seconds, 0.5), p90 = percentile(stats.dispatch_seconds, 0.9);
  const double longest = percentile(stats.dispatch_seconds, 1.0);
  const std::size_t ran = stats.done_here + stats.failed;
  const double rate = stats.wall_seconds > 0 ? ran / stats.wall_seconds : 0;
  std::string text = fmt::format(
      "tunegrid run: {} jobs — {} done now, {} kept from earlier runs, {} failed, {} skipped\n"
      "wall {} ({:.3f} s) on {} ranks in {} groups · {:.1f} jobs/s · dispatch overhead median {:.3f} ms, p90 {:.3f} ms, "
      "max {:.3f} ms\n",
      stats.total, stats.done_here, stats.kept, stats.failed, stats.skipped, format_duration(stats.wall_seconds),
      stats.wall_seconds, world_size, groups, rate, median * 1e3, p90 * 1e3, longest * 1e3);
  if (!stats.kinds.empty()) {
    text += fmt::format("{:<20} {:>6} {:>12} {:>10}\n", "kind", "jobs", "seconds", "mean s");
    for (const auto& [kind, entry] : stats.kinds)
      text += fmt::format("{:<20} {:>6} {:>12.3f} {:>10.4f}\n", kind, entry.first, entry.second,
                          entry.first ? entry.second / entry.first : 0.0);
  }
  for (const auto& failure : stats.failures) text += "failed: " + failure + "\n";
  if (!stats.stopped_by.empty() && stats.unfinished > 0)
    text += fmt::format("stopped by {}: {} job(s) stopped at a step boundary, {} not finished — run the same command "
                        "again to carry on (exit {})\n",
                        stats.stopped_by, stats.preempted, stats.unfinished, static_cast<int>(ExitCode::stopped));
  text += fmt::format("store: {}\n", out.string());
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);

  nlohmann::json summary = {{"jobs", stats.total},
                            {"done_now", stats.done_here},
                            {"kept", stats.kept},
                            {"failed", stats.failed},
                            {"skipped", stats.skipped},
                            {"failed_attempts", stats.attempts_failed},
                            {"wall_seconds", stats.wall_seconds},
                            {"jobs_per_second", rate},
                            {"dispatch_median_seconds", median},
                            {"dispatch_p90_seconds", p90},
                            {"dispatch_max_seconds", longest},
                            {"index_writes", index.count},
                            {"index_write_max_seconds", index.longest_seconds},
                            {"index_write_seconds", index.total_seconds},
                            {"ranks", world_size},
                            {"groups", groups},
                            {"stopped_by", stats.stopped_by},
                            {"preempted", stats.preempted},
                            {"unfinished", stats.unfinished}};
  for (const auto& [kind, entry] : stats.kinds) summary["kinds"][kind] = {{"jobs", entry.first}, {"seconds", entry.second}};
  try {
    write_file_atomically(out / "logs" / "run-summary.json", summary.dump(2) + "\n");
  } catch (const std::exception& problem) {
    log::warn("run", "could not write the run summary: {}", problem.what());
  }
}

int exit_code_of(const RunStats& stats) {
  if (!stats.stopped_by.empty() && stats.unfinished > 0) return static_cast<int>(ExitCode::stopped);
  return static_cast<int>(stats.failed + stats.skipped > 0 ? ExitCode::some_failed : ExitCode::all_done);
}

}  // namespace tunegrid
