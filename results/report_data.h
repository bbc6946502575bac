// report_data.h — what `tunegrid report` shows, computed from the store alone (the shards
// and, when there is one, the plan rebuilt from DIR/plan.toml): per metric and per value of
// the `tables` coordinate a rows × columns table of mean ± sample std over the jobs of a
// cell (the seeds), an Average row (mean of the row means), the published values and our
// difference; training time per stage and `rows` value (Fig. 6); the first image of each
// cell for the image grids; progress against the plan; failed and unreadable shards.
// Cells the plan expects but no done shard fills stay empty (n = 0), so a partial store
// reports what it has.
#pragma once
#include <cstddef>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/shard_reader.h"
#include "results/device_report.h"
#include "results/report_checks.h"
#include "results/report_config.h"

namespace tunegrid {

struct CellStats {
  int n = 0;            // jobs (or, in the Average row, rows) that gave a value
  int expected = 0;     // jobs the plan expects here (0 without a plan)
  int failed = 0;       // failed shards here
  double mean = 0, std = 0;  // std: sample std (n - 1); 0 when n < 2
  std::optional<double> reference;  // the published value
  // With [report] spread: the mean per value of that coordinate (ReportData::spread_values
  // order; none where the cell has no job of that value). The Average row: each value's mean
  // over the rows that have it.
  std::vector<std::optional<double>> spread;
  std::optional<double> difference() const;  // mean - reference, when both exist
};

// Mean and sample standard deviation of `values` into `cell` (n = values.size()).
void summarize(const std::vector<double>& values, CellStats& cell);

struct MetricTable {
  std::string metric, table;         // table: the `tables` coordinate value
  std::string row_axis;              // what the rows are: "" for [report] rows; "class" for per-class tables
  std::vector<std::string> rows, columns;  // coordinate values, plan order
  std::vector<std::vector<CellStats>> cells;  // [row][column]
  std::vector<CellStats> average;             // per column: mean of the row means
  bool has_reference = false;
};

struct TimingSeries {
  std::string stage;                // one line of the figure
  std::vector<std::string> x;       // `rows` values that have data, plan order
  std::vector<CellStats> y;         // seconds, per x
};

struct GridCell {
  std::filesystem::path shard;  // empty: no done job with images here
};

struct ImageGridData {
  std::string table;                        // the `tables` value
  std::vector<std::string> rows, columns;
  std::vector<std::vector<GridCell>> cells;  // [row][column]
};

struct FailedJob {
  std::string job_id, stage, kind, coordinates, error;
};

struct ReportData {
  std::string store, experiment;
  ReportSettings settings;
  bool has_plan = false;
  std::size_t planned = 0, done = 0, failed = 0, not_run = 0;  // planned jobs (with a plan)
  std::size_t shards = 0;
  std::vector<std::string> rows, columns, tables;  // plan (or shard) order
  std::vector<std::string> spread_values;          // values of [report] spread, plan (or shard) order
  std::vector<MetricTable> metric_tables;          // metric-major, then table
  std::vector<TimingSeries> timing;
  std::vector<std::string> timing_x;               // `rows` values on the figure's x axis
  std::vector<ImageGridData> grids;
  std::vector<DeviceBenchmarkData> devices;        // bench.devices jobs' tables (device_report.h)
  ReportChecksData checks;                         // [[report.checks]] (report_checks.h); no rows without any
  std::vector<FailedJob> failures;
  std::vector<std::pair<std::string, std::string>> unreadable;  // path, why
  std::vector<std::string> notes;                  // warnings worth showing in the report
};

// `ordered`, then the values of `extra` it lacks: numerically when all are numbers, else as
// text (the coordinate values only the shards hold, after the plan's).
void append_sorted(std::vector<std::string>& ordered, std::set<std::string> extra);

// `plan` may be null (no plan.toml, or one that no longer builds).
ReportData collect_report(const std::string& store, const std::string& experiment, const StoreScan& scan,
                          const Plan* plan, const ReportSettings& settings);

// The stage a shard's spec names (its `stage` key), else "".
std::string stage_of_spec(const std::string& spec);

}  // namespace tunegrid
