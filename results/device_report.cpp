// device_report.cpp — see device_report.h.
#include "results/device_report.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/errors.h"
#include "results/report_data.h"
#include "results/report_figures.h"

namespace tunegrid {

namespace {

// "matmul_bfloat16_tflops" -> "matmul bfloat16 TFLOP/s".
std::string column_label(const std::string& column) {
  static const std::vector<std::pair<std::string, std::string>> suffixes = {
      {"_tflops", " TFLOP/s"}, {"_peak_fraction", " of peak"}, {"_busbw_gbs", " busbw GB/s"}, {"_gbs", " GB/s"},
      {"_per_second", "/s"},   {"_mb", " MB"}};
  std::string label = column;
  for (const auto& [suffix, unit] : suffixes)
    if (label.size() > suffix.size() && label.compare(label.size() - suffix.size(), suffix.size(), suffix) == 0) {
      label = label.substr(0, label.size() - suffix.size()) + unit;
      break;
    }
  std::replace(label.begin(), label.end(), '_', ' ');
  return label;
}

std::string value_text(const std::string& column, double value) {
  if (column.find("_peak_fraction") != std::string::npos) return fmt::format("{:.0f} %", 100.0 * value);
  return fmt::format("{:.3g}", value);
}

DeviceReportTable table_of(const std::string& title, const std::vector<DeviceRow>& rows, const DeviceBenchmark& table) {
  DeviceReportTable out;
  out.title = title;
  out.header = {"host", "device", "GPU"};  // the device names the rank's GPU (cuda:N) or says how many a node has
  for (const auto& column : table.columns) out.header.push_back(column_label(column));
  for (const auto& column : table.info_columns) out.header.push_back(column_label(column));
  std::vector<std::optional<double>> medians;
  for (const auto& column : table.columns) medians.push_back(column_median(rows, column));
  for (const DeviceRow& row : rows) {
    std::vector<std::string> line = {row.host, row.device, row.gpu.empty() ? "—" : row.gpu};
    std::vector<bool> marks(3, false);
    for (std::size_t c = 0; c < table.columns.size() + table.info_columns.size(); ++c) {
      const bool compared = c < table.columns.size();
      const std::string& column = compared ? table.columns[c] : table.info_columns[c - table.columns.size()];
      const auto found = row.values.find(column);
      const bool outlier = compared && found != row.values.end() && medians[c] && is_outlier(found->second, *medians[c]);
      line.push_back(found == row.values.end() ? "—" : value_text(column, found->second) + (outlier ? " ▼" : ""));
      marks.push_back(outlier);
    }
    out.cells.push_back(std::move(line));
    out.outliers.push_back(std::move(marks));
  }
  return out;
}

}  // namespace

void collect_device_benchmarks(const std::string& store, const StoreScan& scan, ReportData& data) {
  for (const ShardSummary& shard : scan.shards) {
    if (shard.kind != "bench.devices" || shard.status != "done") continue;
    const auto file = std::filesystem::path(store) / "artifacts" / shard.job_id / device_benchmark_file_name();
    try {
      data.devices.push_back({shard.job_id, read_device_benchmark(file)});
    } catch (const InputError& problem) {
      data.notes.push_back(fmt::format("bench.devices job {}: its table cannot be read: {}", shard.job_id,
                                       problem.what()));
    }
  }
}

std::vector<DeviceReportTable> device_report_tables(const DeviceBenchmarkData& data) {
  return {table_of("Per GPU", data.table.rows, data.table), table_of("Per node", node_means(data.table), data.table)};
}

std::vector<std::string> device_group_lines(const DeviceBenchmarkData& data) {
  std::vector<std::string> lines;
  for (const auto& [column, value] : data.table.group)
    lines.push_back(fmt::format("{} over all {} devices: {}", column_label(column), data.table.rows.size(),
                                value_text(column, value)));
  return lines;
}

LineChart device_chart(const DeviceBenchmarkData& data) {
  LineChart chart;
  chart.title = "Devices relative to the median of their peers";
  chart.x_title = "device (rank)";
  chart.y_title = "value ÷ median";
  chart.y_from_zero = false;
  for (const DeviceRow& row : data.table.rows) {
    chart.x.push_back(std::to_string(row.rank));
    chart.x_labels.push_back(fmt::format("{}: {} {}", row.rank, row.host, row.device));
  }
  for (const auto& column : data.table.columns) {
    const auto middle = column_median(data.table.rows, column);
    if (!middle || *middle <= 0) continue;
    LineSeries series;
    series.name = column_label(column);
    for (const DeviceRow& row : data.table.rows) {
      CellStats cell;
      if (const auto found = row.values.find(column); found != row.values.end()) summarize({found->second / *middle}, cell);
      series.y.push_back(cell);
    }
    chart.series.push_back(std::move(series));
  }
  LineSeries threshold;
  threshold.name = fmt::format("outlier below {:g}", kOutlierFraction);
  for (std::size_t i = 0; i < data.table.rows.size(); ++i) {
    CellStats cell;
    summarize({kOutlierFraction}, cell);
    threshold.y.push_back(cell);
  }
  chart.series.push_back(std::move(threshold));
  return chart;
}

std::string device_outlier_legend() {
  return fmt::format("▼: more than {:g} % below the median of its peers (every device of the job; every node).",
                     100.0 * (1.0 - kOutlierFraction));
}

}  // namespace tunegrid
