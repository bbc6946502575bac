// device_report.h — the cluster GPU benchmark in `tunegrid report`: every done bench.devices
// job's table (core/device_benchmark.h, read from DIR/artifacts/<job>/devices.json) as a
// per-GPU and a per-node table, each value marked when it lies more than 10 % below the
// median of its peers (every GPU of the job, every node), and a chart of each GPU's values
// relative to those medians. Format-neutral: the Markdown, HTML, CSV and LaTeX writers print
// the same tables.
#pragma once
#include <string>
#include <vector>

#include "core/device_benchmark.h"
#include "core/shard_reader.h"

namespace tunegrid {

struct ReportData;
struct LineChart;

struct DeviceBenchmarkData {
  std::string job_id;
  DeviceBenchmark table;
};

// One printed table: "host", "device", "GPU", then a column per value.
struct DeviceReportTable {
  std::string title;                          // "Per GPU" / "Per node"
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> cells;  // [row][column] text
  std::vector<std::vector<bool>> outliers;       // [row][column]: more than 10 % below the peers' median
};

// Reads the table of every done bench.devices shard of `scan` into data.devices (problems
// become notes).
void collect_device_benchmarks(const std::string& store, const StoreScan& scan, ReportData& data);

// The per-GPU and the per-node table of one job.
std::vector<DeviceReportTable> device_report_tables(const DeviceBenchmarkData& data);
// "group all-reduce busbw: 42.1 GB/s" and the like, for the lines above the tables.
std::vector<std::string> device_group_lines(const DeviceBenchmarkData& data);
// Each GPU's compared values ÷ the median of its peers, one line per column, x = the GPUs.
LineChart device_chart(const DeviceBenchmarkData& data);

// The legend under the tables.
std::string device_outlier_legend();

}  // namespace tunegrid
