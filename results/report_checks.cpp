// report_checks.cpp — see report_checks.h.
#include "results/report_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/text.h"
#include "results/report_data.h"

namespace tunegrid {

namespace {

bool matches(const ReportCheck& check, const std::string& report_kind, const StagedShard& entry) {
  if (check.stage.empty() ? entry.shard->kind != report_kind : entry.stage != check.stage) return false;
  for (const auto& [coordinate, accepted] : check.where) {
    const auto it = entry.shard->params.find(coordinate);
    if (it == entry.shard->params.end() || std::find(accepted.begin(), accepted.end(), it->second) == accepted.end())
      return false;
  }
  return true;
}

bool within(const ReportCheck& check, double value) {
  return check.min ? value >= *check.min : value <= *check.max;
}

// The column of a shard: its `by` coordinate (every shard is in "all" without one); "" when
// it has no such coordinate (a stage that does not expand over it, whose jobs every column shares).
std::string column_of(const std::string& by, const ShardSummary& shard) {
  if (by.empty()) return "all";
  const auto it = shard.params.find(by);
  return it == shard.params.end() ? "" : it->second;
}

// Plan order first, then the values only the shards hold (report_data.h, append_sorted).
std::vector<std::string> column_values(const std::string& by, const std::vector<StagedShard>& shards,
                                       const std::vector<std::string>& planned) {
  if (by.empty()) return {"all"};
  std::vector<std::string> columns = planned;
  std::set<std::string> extra;
  for (const auto& entry : shards)
    if (const std::string value = column_of(by, *entry.shard); !value.empty()) extra.insert(value);
  append_sorted(columns, std::move(extra));
  return columns;
}

// Per column, the check's metric of the done jobs it covers, in shard order.
std::vector<std::vector<double>> matched_values(const ReportCheck& check, const std::string& report_kind,
                                                const std::vector<StagedShard>& shards, const std::string& by,
                                                const std::vector<std::string>& columns) {
  std::vector<std::vector<double>> values(columns.size());
  for (const auto& entry : shards) {
    if (entry.shard->status != "done" || !matches(check, report_kind, entry)) continue;
    const auto metric = entry.shard->metrics.find(check.metric);
    if (metric == entry.shard->metrics.end()) continue;
    const std::string column = column_of(by, *entry.shard);
    for (std::size_t c = 0; c < columns.size(); ++c)  // a job without the column coordinate (a shared judge): every column
      if (column.empty() || columns[c] == column) values[c].push_back(metric->second);
  }
  return values;
}

}  // namespace

ReportChecksData collect_report_checks(const ReportConfig& config, const std::vector<StagedShard>& shards,
                                       const std::vector<std::string>& columns) {
  ReportChecksData data;
  if (config.checks.empty()) return data;
  data.by = config.spread;
  data.columns = column_values(data.by, shards, columns);
  const std::size_t C = data.columns.size();
  data.all_passed.assign(C, true);
  for (const ReportCheck& check : config.checks) {
    CheckRowData row;
    row.check = check;
    row.values = matched_values(check, config.kind, shards, data.by, data.columns);
    for (std::size_t c = 0; c < C; ++c) {
      const auto& values = row.values[c];
      const bool passed = !values.empty() &&
                          std::all_of(values.begin(), values.end(), [&](double v) { return within(check, v); });
      row.passed.push_back(passed);
      if (!passed) data.all_passed[c] = false;
    }
    data.rows.push_back(std::move(row));
  }
  return data;
}

CheckTable check_table(const ReportChecksData& data) {
  CheckTable table;
  table.header = {"check", "bound"};
  for (const auto& column : data.columns) table.header.push_back(data.by.empty() ? column : data.by + " = " + column);
  for (const auto& row : data.rows) {
    CheckTableLine line{row.check.name, check_bound_text(row.check), {}, row.passed};
    for (const auto& values : row.values) line.values.push_back(check_values_text(values));
    table.lines.push_back(std::move(line));
  }
  table.lines.push_back({"every check", "", std::vector<std::string>(data.columns.size()), data.all_passed});
  return table;
}

std::string check_bound_text(const ReportCheck& check) {
  return check.min ? fmt::format("≥ {:g}", *check.min) : fmt::format("≤ {:g}", *check.max);
}

std::string check_scope_text(const ReportCheck& check, const std::string& report_kind) {
  std::vector<std::string> parts = {check.metric, check.stage.empty() ? report_kind + " jobs" : "stage " + check.stage};
  for (const auto& [coordinate, values] : check.where) parts.push_back(coordinate + " = " + join(values, ", "));
  return join(parts, "; ");
}

std::string check_values_text(const std::vector<double>& values) {
  if (values.empty()) return "—";
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(fmt::format("{:.3f}", v));
  return join(parts, " / ");
}

std::string checks_summary(const ReportChecksData& data) {
  std::vector<std::string> passing;
  for (std::size_t c = 0; c < data.columns.size(); ++c)
    if (data.all_passed[c]) passing.push_back(data.columns[c]);
  if (data.by.empty()) return passing.empty() ? "fails at least one check" : "passes every check";
  return fmt::format("passes every check for {} of {} {} values{}", passing.size(), data.columns.size(), data.by,
                     passing.empty() ? "" : " (" + join(passing, ", ") + ")");
}

}  // namespace tunegrid
