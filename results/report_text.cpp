// report_text.cpp — see report_text.h.
#include "results/report_text.h"

#include <fmt/format.h>

namespace tunegrid::report_text {

std::string number(double value) { return fmt::format("{:.4f}", value); }
std::string signed_number(double value) { return fmt::format("{:+.4f}", value); }
std::string seconds(double value) { return fmt::format("{:.2f}", value); }

CellParts cell(const CellStats& stats, bool average, bool as_seconds) {
  CellParts parts;
  auto show = [&](double v) { return as_seconds ? seconds(v) : number(v); };
  if (stats.n == 0) parts.value = "—";
  else if (stats.n >= 2 && !average) parts.value = show(stats.mean) + " ± " + show(stats.std);
  else parts.value = show(stats.mean);
  if (stats.spread.size() >= 2 && stats.n > 0) {  // one value per [report] spread value: "[0.94 / — / 0.81]"
    std::string values;
    for (const auto& value : stats.spread) values += (values.empty() ? "" : " / ") + (value ? show(*value) : "—");
    parts.value += " [" + values + "]";
  }
  if (average) {
    if (stats.n > 0 && stats.n < stats.expected) parts.count = fmt::format("{} of {} rows", stats.n, stats.expected);
    return parts;
  }
  if (stats.n > 0) {
    parts.count = fmt::format("n={}", stats.n);
    if (stats.expected > stats.n) parts.count += fmt::format(" of {}", stats.expected);
  }
  if (stats.failed) parts.count += fmt::format("{}{} failed", parts.count.empty() ? "" : ", ", stats.failed);
  return parts;
}

std::string cell_line(const CellStats& stats, bool average, bool as_seconds) {
  const CellParts parts = cell(stats, average, as_seconds);
  return parts.count.empty() ? parts.value : parts.value + " (" + parts.count + ")";
}

std::string reference_text(const CellStats& stats) { return stats.reference ? number(*stats.reference) : "—"; }

std::string difference_text(const CellStats& stats) {
  const auto difference = stats.difference();
  return difference ? signed_number(*difference) : "—";
}

std::string progress(const ReportData& data) {
  std::string text;
  if (data.has_plan)
    text = fmt::format("{} of {} planned jobs done, {} failed, {} not run yet; ", data.done, data.planned, data.failed,
                       data.not_run);
  else
    text = "no plan (plan.toml missing or not rebuildable): the tables show what the shards hold; ";
  text += fmt::format("{} shard(s), {} unreadable", data.shards, data.unreadable.size());
  return text;
}

}  // namespace tunegrid::report_text
