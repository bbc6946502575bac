// report_csv.cpp — the report as CSV (RFC 4180): one row per table cell, with the columns
// metric, table, row, column, mean, std, n, reference, difference. Rows of the Average row
// have row "Average" (n = rows averaged); the training times follow with metric
// "timings/<phase>", an empty table and column = the stage. Missing values are empty; std
// is empty below n = 2. Coordinate values are raw (not labels); numbers in full precision.
// bench.devices tables follow, one line per device and per node and measured column, then
// the [[report.checks]] (see the end of format_csv).
#include <fmt/format.h>

#include <algorithm>

#include "results/report.h"

namespace tunegrid {

namespace {

std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

std::string line(const std::string& metric, const std::string& table, const std::string& row,
                 const std::string& column, const CellStats& cell, bool average) {
  auto number = [](double v) { return fmt::format("{}", v); };
  const auto difference = cell.difference();
  return fmt::format("{},{},{},{},{},{},{},{},{}\n", field(metric), field(table), field(row), field(column),
                     cell.n ? number(cell.mean) : "", cell.n >= 2 && !average ? number(cell.std) : "", cell.n,
                     cell.reference ? number(*cell.reference) : "", difference ? number(*difference) : "");
}

// [[report.checks]]: metric "check:<name>", table "checks", row = the column (a [report] spread
// value, or "all"), column = "min" or "max" (the bound's kind); mean = the worst matched value
// (the lowest for min, the highest for max), n = matched jobs, reference = the bound,
// difference = worst − bound (≥ 0 passes a min, ≤ 0 passes a max).
std::string checks_csv(const ReportChecksData& checks) {
  std::string out;
  for (const auto& row : checks.rows)
    for (std::size_t c = 0; c < checks.columns.size(); ++c) {
      const auto& values = row.values[c];
      CellStats cell;
      cell.n = static_cast<int>(values.size());
      if (!values.empty())
        cell.mean = row.check.min ? *std::min_element(values.begin(), values.end())
                                  : *std::max_element(values.begin(), values.end());
      cell.reference = row.check.min ? row.check.min : row.check.max;
      out += line("check:" + row.check.name, "checks", checks.columns[c], row.check.min ? "min" : "max", cell, true);
    }
  return out;
}

}  // namespace

std::string format_csv(const ReportData& data) {
  std::string out = "metric,table,row,column,mean,std,n,reference,difference\n";
  for (const auto& table : data.metric_tables) {
    for (std::size_t r = 0; r < table.rows.size(); ++r)
      for (std::size_t c = 0; c < table.columns.size(); ++c)
        out += line(table.metric, table.table, table.rows[r], table.columns[c], table.cells[r][c], false);
    for (std::size_t c = 0; c < table.columns.size(); ++c)
      out += line(table.metric, table.table, "Average", table.columns[c], table.average[c], true);
  }
  const std::string timing = "timings/" + data.settings.report.timing_phase;
  for (const auto& series : data.timing)
    for (std::size_t i = 0; i < series.x.size(); ++i) out += line(timing, "", series.x[i], series.stage, series.y[i], false);
  // bench.devices tables: metric = the measured column, table "devices:<job>", row = host,
  // column = device; n = 1 per device (per node: its devices, mean as the value).
  for (const auto& devices : data.devices) {
    // A node's line is a mean over its devices, like an Average row: no std.
    auto add = [&](const std::vector<DeviceRow>& rows, bool means) {
      for (const DeviceRow& row : rows)
        for (const auto& [column, value] : row.values) {
          CellStats cell;
          summarize({value}, cell);
          cell.n = row.devices;
          out += line(column, "devices:" + devices.job_id, row.host, row.device, cell, means);
        }
    };
    add(devices.table.rows, false);
    add(node_means(devices.table), true);
  }
  return out + checks_csv(data.checks);
}

}  // namespace tunegrid
