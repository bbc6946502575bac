// device_benchmark.h — the table a `bench.devices` job leaves (the cluster GPU benchmark,
// experiments/bench/cluster-gpu.toml): one row per rank of its group — host, device, GPU
// name and the values it measured by column (matrix-product TFLOP/s per dtype, UNet training
// samples/s, copy and all-reduce GB/s: every column higher-is-better) — in
// DIR/artifacts/<job_id>/devices.json; and what `tunegrid report` makes of it: the mean of
// each node's devices, and outliers, a device (or node) more than 10 % below the median of
// its peers in a column.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tunegrid {

constexpr double kOutlierFraction = 0.9;  // below this fraction of the peers' median: an outlier
constexpr int kDeviceBenchmarkFormatVersion = 1;

struct DeviceRow {
  int rank = 0;                           // in the job's group (nodes: the first rank of the node)
  std::string host, device, gpu;          // gpu: the GPU's name, or "" on a CPU
  std::map<std::string, double> values;   // by column; a column a device could not measure is absent
  int devices = 1;                        // the devices it stands for (node_means: the node's)
};

struct DeviceBenchmark {
  std::vector<std::string> columns;       // compared columns (higher is better), display order
  std::vector<std::string> info_columns;  // shown beside them, not compared (peak memory)
  std::vector<DeviceRow> rows;            // rank order
  std::map<std::string, double> group;    // measured over the whole group (all-reduce across nodes)
};

std::string device_benchmark_file_name();  // "devices.json"
void write_device_benchmark(const std::filesystem::path& file, const DeviceBenchmark& table);
// InputError naming the file and the key on anything malformed or of a newer format.
DeviceBenchmark read_device_benchmark(const std::filesystem::path& file);

// One row per host (first-seen order): the mean of its devices' values per column, `devices`
// how many they are and `device` says so ("2 devices").
std::vector<DeviceRow> node_means(const DeviceBenchmark& table);

// The median of `column` over the rows that have it (none when none has it).
std::optional<double> column_median(const std::vector<DeviceRow>& rows, const std::string& column);
// Whether `value` lies more than 10 % below `median` (kOutlierFraction).
bool is_outlier(double value, double median);

}  // namespace tunegrid
