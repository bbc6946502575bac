// device_benchmark.cpp — see device_benchmark.h.
#include "core/device_benchmark.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json_file.h"
#include "core/median.h"

namespace tunegrid {

std::string device_benchmark_file_name() { return "devices.json"; }

void write_device_benchmark(const std::filesystem::path& file, const DeviceBenchmark& table) {
  nlohmann::json rows = nlohmann::json::array();
  for (const DeviceRow& row : table.rows)
    rows.push_back({{"rank", row.rank}, {"host", row.host}, {"device", row.device}, {"gpu", row.gpu},
                    {"values", row.values}});
  const nlohmann::json document = {
      {"format", "tunegrid-devices"}, {"format_version", kDeviceBenchmarkFormatVersion},
      {"columns", table.columns},     {"info_columns", table.info_columns},
      {"group", table.group},         {"rows", rows}};
  write_file_atomically(file, document.dump(1) + "\n");
}

namespace {

template <class T>
T field(const nlohmann::json& object, const char* key, const std::filesystem::path& file) {
  const auto found = object.find(key);
  if (found == object.end()) throw InputError(fmt::format("{}: missing key '{}'", file.string(), key));
  try {
    return found->get<T>();
  } catch (const nlohmann::json::exception&) {
    throw InputError(fmt::format("{}: key '{}' has the wrong type", file.string(), key));
  }
}

}  // namespace

DeviceBenchmark read_device_benchmark(const std::filesystem::path& file) {
  const nlohmann::json document = read_json_file(file, "device benchmark table");
  if (!document.is_object() || field<std::string>(document, "format", file) != "tunegrid-devices")
    throw InputError(fmt::format("{}: not a tunegrid device benchmark table (format 'tunegrid-devices')", file.string()));
  if (const int version = field<int>(document, "format_version", file); version > kDeviceBenchmarkFormatVersion)
    throw InputError(fmt::format("{}: format_version {} is newer than this tunegrid reads ({})", file.string(), version,
                                 kDeviceBenchmarkFormatVersion));
  DeviceBenchmark table;
  table.columns = field<std::vector<std::string>>(document, "columns", file);
  table.info_columns = field<std::vector<std::string>>(document, "info_columns", file);
  table.group = field<std::map<std::string, double>>(document, "group", file);
  for (const nlohmann::json& row : field<nlohmann::json>(document, "rows", file)) {
    if (!row.is_object()) throw InputError(fmt::format("{}: a row of 'rows' is not an object", file.string()));
    table.rows.push_back({field<int>(row, "rank", file), field<std::string>(row, "host", file),
                          field<std::string>(row, "device", file), field<std::string>(row, "gpu", file),
                          field<std::map<std::string, double>>(row, "values", file)});
  }
  return table;
}

std::vector<DeviceRow> node_means(const DeviceBenchmark& table) {
  std::vector<DeviceRow> nodes;
  std::vector<std::map<std::string, int>> counts;  // per node: its devices that measured each column
  for (const DeviceRow& row : table.rows) {
    auto node = std::find_if(nodes.begin(), nodes.end(), [&](const DeviceRow& n) { return n.host == row.host; });
    if (node == nodes.end()) {
      nodes.push_back({row.rank, row.host, "", row.gpu, {}, 0});
      counts.emplace_back();
      node = nodes.end() - 1;
    }
    ++node->devices;
    if (node->gpu != row.gpu) node->gpu = "mixed";
    auto& count = counts[static_cast<std::size_t>(node - nodes.begin())];
    for (const auto& [column, value] : row.values) {
      node->values[column] += value;
      ++count[column];
    }
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    nodes[i].device = fmt::format("{} device{}", nodes[i].devices, nodes[i].devices == 1 ? "" : "s");
    for (auto& [column, sum] : nodes[i].values) sum /= counts[i][column];
  }
  return nodes;
}

std::optional<double> column_median(const std::vector<DeviceRow>& rows, const std::string& column) {
  std::vector<double> values;
  for (const DeviceRow& row : rows)
    if (const auto found = row.values.find(column); found != row.values.end()) values.push_back(found->second);
  if (values.empty()) return std::nullopt;
  return median(std::move(values));
}

bool is_outlier(double value, double median) { return value < kOutlierFraction * median; }

}  // namespace tunegrid
