// report_data.cpp — see report_data.h. Shards are matched to the plan's jobs by stage and
// coordinates (not by job id, which also hashes the kinds' parameter defaults and so may
// differ on another tunegrid version), which orders them and tells which cells are expected.
#include "results/report_data.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <toml++/toml.h>

#include "core/text.h"

namespace tunegrid {

std::optional<double> CellStats::difference() const {
  if (n == 0 || !reference) return std::nullopt;
  return mean - *reference;
}

void summarize(const std::vector<double>& values, CellStats& cell) {
  cell.n = static_cast<int>(values.size());
  cell.mean = cell.std = 0;
  if (values.empty()) return;
  double sum = 0;
  for (double v : values) sum += v;
  cell.mean = sum / values.size();
  if (values.size() < 2) return;
  double squares = 0;
  for (double v : values) squares += (v - cell.mean) * (v - cell.mean);
  cell.std = std::sqrt(squares / (values.size() - 1));
}

std::string stage_of_spec(const std::string& spec) {
  try {
    const toml::table table = toml::parse(spec);
    if (auto stage = table["stage"].value<std::string>()) return *stage;
  } catch (const toml::parse_error&) {
  }
  return "";
}

namespace {

using Coordinates = std::map<std::string, std::string>;

Coordinates coordinates_of(const Job& job) {
  Coordinates out;
  for (const auto& [axis, value] : job.coordinates) out[axis] = coordinate_text(value);
  return out;
}

std::string key_of(const std::string& stage, const Coordinates& coordinates) {
  std::string key = stage;
  for (const auto& [axis, value] : coordinates) key += "\x1f" + axis + "=" + value;
  return key;
}

std::string coordinates_display(const Coordinates& coordinates) {
  std::vector<std::string> parts;
  for (const auto& [axis, value] : coordinates) parts.push_back(axis + "=" + value);
  return join(parts, " ");
}

// A coordinate's value; an empty name (report.tables or report.columns = "") is one value,
// "all", that every job has: one table, or one column pooling every other coordinate.
const std::string* find(const Coordinates& coordinates, const std::string& name) {
  static const std::string all = "all";
  if (name.empty()) return &all;
  const auto it = coordinates.find(name);
  return it == coordinates.end() ? nullptr : &it->second;
}

bool is_number(const std::string& text, double& value) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && end && *end == '\0';
}

void push_unique(std::vector<std::string>& values, const std::string& value) {
  if (std::find(values.begin(), values.end(), value) == values.end()) values.push_back(value);
}

// The mean of `values` per spread value (`positions`: each value's among K; K: outside them).
std::vector<std::optional<double>> spread_means(const std::vector<double>& values,
                                                const std::vector<std::size_t>& positions, std::size_t K) {
  std::vector<std::optional<double>> means(K);
  std::vector<int> counts(K, 0);
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (positions[i] >= K) continue;
    means[positions[i]] = means[positions[i]].value_or(0.0) + values[i];
    ++counts[positions[i]];
  }
  for (std::size_t k = 0; k < K; ++k)
    if (counts[k]) *means[k] /= counts[k];
  return means;
}

// The Average row's spread in column `c`: each value's mean over the rows that have it.
std::vector<std::optional<double>> average_spread(const std::vector<std::vector<CellStats>>& cells, std::size_t c,
                                                  std::size_t K) {
  std::vector<double> values;
  std::vector<std::size_t> positions;
  for (const auto& row : cells)
    for (std::size_t k = 0; k < K && k < row[c].spread.size(); ++k)
      if (row[c].spread[k]) {
        values.push_back(*row[c].spread[k]);
        positions.push_back(k);
      }
  return spread_means(values, positions, K);
}

std::size_t index_of(const std::vector<std::string>& values, const std::string& value) {
  return static_cast<std::size_t>(std::find(values.begin(), values.end(), value) - values.begin());
}

struct Entry {
  const ShardSummary* shard;
  std::string stage;
  std::size_t order;  // plan position, or past the plan's end
};

}  // namespace

// Values in the order given, then the extra ones: numerically if all are numbers, else as text.
void append_sorted(std::vector<std::string>& ordered, std::set<std::string> extra) {
  for (const auto& v : ordered) extra.erase(v);
  std::vector<std::string> rest(extra.begin(), extra.end());
  bool numeric = true;
  double a = 0, b = 0;
  for (const auto& v : rest) numeric = numeric && is_number(v, a);
  if (numeric)
    std::stable_sort(rest.begin(), rest.end(), [&](const std::string& x, const std::string& y) {
      is_number(x, a);
      is_number(y, b);
      return a < b;
    });
  ordered.insert(ordered.end(), rest.begin(), rest.end());
}

namespace {

// With [report] per_class = "accuracy": per `tables` value, a table of the `kind` jobs'
// accuracy.<class> metrics, rows = the classes (sorted), columns = the main table's cells that
// hold jobs (its `rows` values, or "row, column" pairs), each cell pooled over every other
// coordinate; its Average row is the mean over the classes.
bool is_done_of_kind(const ShardSummary& shard, const ReportConfig& config) {
  return shard.kind == config.kind && shard.status == "done";
}

// The classes named by the done `kind` jobs' <per_class>.<class> metrics, sorted.
std::vector<std::string> per_class_names(const ReportConfig& config, const std::vector<Entry>& entries) {
  const std::string prefix = config.per_class + ".";
  std::set<std::string> classes;
  for (const auto& e : entries)
    if (is_done_of_kind(*e.shard, config))
      for (const auto& [name, value] : e.shard->metrics)
        if (name.size() > prefix.size() && name.rfind(prefix, 0) == 0) classes.insert(name.substr(prefix.size()));
  return {classes.begin(), classes.end()};
}

// A done `kind` job's table and (row, column) cell in the main table; nullopt for another job or
// one without those coordinates.
struct JobCell {
  std::string table;
  std::pair<std::size_t, std::size_t> cell;
};

std::optional<JobCell> job_cell(const Entry& e, const ReportData& data, const ReportConfig& config) {
  const std::string *t = find(e.shard->params, config.tables), *r = find(e.shard->params, config.rows),
                    *col = find(e.shard->params, config.columns);
  if (!is_done_of_kind(*e.shard, config) || !t || !r || !col) return std::nullopt;
  const std::size_t row = index_of(data.rows, *r), column = index_of(data.columns, *col);
  if (row >= data.rows.size() || column >= data.columns.size()) return std::nullopt;
  return JobCell{*t, {row, column}};
}

// The per-class tables' columns: the (rows, columns) cells that hold a done `kind` job, in table
// order, each named by its `rows` value, or "row, column" (their labels) when `columns` takes
// several values.
std::vector<std::pair<std::size_t, std::size_t>> per_class_cells(const ReportData& data, const ReportConfig& config,
                                                                 const std::vector<Entry>& entries,
                                                                 std::vector<std::string>& names) {
  std::set<std::pair<std::size_t, std::size_t>> present;
  for (const auto& e : entries)
    if (const auto job = job_cell(e, data, config)) present.insert(job->cell);
  std::vector<std::pair<std::size_t, std::size_t>> cells(present.begin(), present.end());
  for (const auto& [r, c] : cells)
    names.push_back(data.columns.size() > 1 ? config.label(data.rows[r]) + ", " + config.label(data.columns[c])
                                            : data.rows[r]);
  return cells;
}

// values[k][c]: <per_class>.<classes[k]> of the done `kind` jobs of table `value` in per-class cell c.
std::vector<std::vector<std::vector<double>>> per_class_values(
    const ReportData& data, const ReportConfig& config, const std::vector<Entry>& entries, const std::string& value,
    const std::vector<std::string>& classes, const std::vector<std::pair<std::size_t, std::size_t>>& cells) {
  const std::string prefix = config.per_class + ".";
  std::vector<std::vector<std::vector<double>>> values(classes.size(), std::vector<std::vector<double>>(cells.size()));
  for (const auto& e : entries) {
    const auto job = job_cell(e, data, config);
    if (!job || job->table != value) continue;
    const auto cell = std::find(cells.begin(), cells.end(), job->cell);  // every job's cell is among them
    for (std::size_t k = 0; k < classes.size(); ++k)
      if (const auto it = e.shard->metrics.find(prefix + classes[k]); it != e.shard->metrics.end())
        values[k][static_cast<std::size_t>(cell - cells.begin())].push_back(it->second);
  }
  return values;
}

void add_per_class_tables(ReportData& data, const ReportConfig& config, const std::vector<Entry>& entries) {
  const std::string prefix = config.per_class + ".";
  const std::vector<std::string> classes = per_class_names(config, entries);
  if (classes.empty()) {
    data.notes.push_back(fmt::format("report.per_class: no '{}' job has {}<class> metrics yet", config.kind, prefix));
    return;
  }
  std::vector<std::string> names;
  const auto cells = per_class_cells(data, config, entries, names);
  for (const auto& value : data.tables) {
    MetricTable table;
    table.metric = config.per_class + " per class";
    table.table = value;
    table.row_axis = "class";
    table.rows = classes;
    table.columns = names;
    const auto values = per_class_values(data, config, entries, value, classes, cells);
    table.cells.assign(classes.size(), std::vector<CellStats>(cells.size()));
    table.average.assign(cells.size(), CellStats{});
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::vector<double> class_means;
      for (std::size_t k = 0; k < classes.size(); ++k) {
        summarize(values[k][c], table.cells[k][c]);
        if (table.cells[k][c].n) class_means.push_back(table.cells[k][c].mean);
      }
      summarize(class_means, table.average[c]);
      table.average[c].std = 0;
      table.average[c].expected = static_cast<int>(classes.size());
    }
    data.metric_tables.push_back(std::move(table));
  }
}

}  // namespace

ReportData collect_report(const std::string& store, const std::string& experiment, const StoreScan& scan,
                          const Plan* plan, const ReportSettings& settings) {
  const ReportConfig& config = settings.report;
  ReportData data;
  data.store = store;
  data.experiment = experiment;
  data.settings = settings;
  data.has_plan = plan != nullptr;
  data.shards = scan.shards.size();
  for (const auto& [path, why] : scan.unreadable) data.unreadable.emplace_back(path.string(), why);

  // Shards in plan order, matched by stage and coordinates.
  std::map<std::string, std::size_t> plan_position;
  if (plan)
    for (std::size_t i = 0; i < plan->jobs.size(); ++i)
      plan_position.emplace(key_of(plan->jobs[i].stage, coordinates_of(plan->jobs[i])), i);
  std::vector<Entry> entries;
  std::vector<int> plan_status(plan ? plan->jobs.size() : 0, 0);  // 0 not run, 1 done, 2 failed
  std::size_t outside_plan = 0;
  for (const auto& shard : scan.shards) {
    Entry entry{&shard, stage_of_spec(shard.spec), std::numeric_limits<std::size_t>::max()};
    if (entry.stage.empty()) entry.stage = shard.kind;
    if (plan) {
      const auto it = plan_position.find(key_of(entry.stage, shard.params));
      if (it != plan_position.end()) entry.order = it->second;
      else if (const auto position = plan->position_of(shard.job_id)) entry.order = *position;
      if (entry.order < plan_status.size()) plan_status[entry.order] = shard.status == "done" ? 1 : 2;
      else ++outside_plan;
    }
    entries.push_back(entry);
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.order < b.order; });
  if (plan) {
    data.planned = plan->jobs.size();
    for (int s : plan_status) (s == 1 ? data.done : s == 2 ? data.failed : data.not_run) += 1;
    if (outside_plan)
      data.notes.push_back(fmt::format("{} shard(s) match no job of plan.toml's plan (an earlier plan?); they are "
                                       "included",
                                       outside_plan));
  }

  // Table, row and column values: plan order, then whatever else the shards hold.
  const bool timing_enabled = !config.timing_kinds.empty();
  auto is_timing = [&](const std::string& kind) { return timing_enabled && kind.rfind(config.timing_kinds, 0) == 0; };
  std::set<std::string> extra_tables, extra_rows, extra_columns, extra_x, extra_spread;
  // Baseline jobs: of the report's kind, in the baseline stage, with a table coordinate.
  auto is_baseline = [&](const std::string& stage, const std::string& kind, const Coordinates& c) {
    return !config.baseline.empty() && stage == config.baseline && kind == config.kind && find(c, config.tables);
  };
  bool has_baseline = false;
  // The [report] spread coordinate's value (none without one: find's "" means "all").
  auto spread_value = [&](const Coordinates& c) { return config.spread.empty() ? nullptr : find(c, config.spread); };
  if (plan)
    for (const auto& job : plan->jobs) {
      const Coordinates c = coordinates_of(job);
      const std::string *t = find(c, config.tables), *r = find(c, config.rows), *col = find(c, config.columns);
      if (is_baseline(job.stage, job.kind, c)) {
        has_baseline = true;
        push_unique(data.tables, *t);
      } else if (job.kind == config.kind && t && r && col) {
        push_unique(data.tables, *t);
        push_unique(data.rows, *r);
        push_unique(data.columns, *col);
        if (const std::string* v = spread_value(c)) push_unique(data.spread_values, *v);
      }
      if (is_timing(job.kind) && r) push_unique(data.timing_x, *r);
    }
  for (const auto& e : entries) {
    const Coordinates& c = e.shard->params;
    const std::string *t = find(c, config.tables), *r = find(c, config.rows), *col = find(c, config.columns);
    if (is_baseline(e.stage, e.shard->kind, c)) {
      has_baseline = true;
      extra_tables.insert(*t);
    } else if (e.shard->kind == config.kind && t && r && col) {
      extra_tables.insert(*t);
      extra_rows.insert(*r);
      extra_columns.insert(*col);
      if (const std::string* v = spread_value(c)) extra_spread.insert(*v);
    }
    if (is_timing(e.shard->kind) && r) extra_x.insert(*r);
  }
  append_sorted(data.tables, extra_tables);
  append_sorted(data.rows, extra_rows);
  append_sorted(data.columns, extra_columns);
  append_sorted(data.spread_values, extra_spread);
  if (data.spread_values.size() == 1)
    data.notes.push_back(fmt::format("one value of the spread coordinate '{}' ({}): these numbers belong to one {}; run "
                                     "the study over several (--set 'grid.{}=[0, 1, 2]') before reading a difference "
                                     "between cells as a finding",
                                     config.spread, data.spread_values.front(),
                                     config.spread == "pretrain_seed" ? "pretraining of the base model" : "value",
                                     config.spread));
  append_sorted(data.timing_x, extra_x);
  if (has_baseline) {  // the first column
    data.columns.erase(std::remove(data.columns.begin(), data.columns.end(), config.baseline), data.columns.end());
    data.columns.insert(data.columns.begin(), config.baseline);
  } else if (!config.baseline.empty()) {
    data.notes.push_back(fmt::format("no '{}' jobs in the baseline stage '{}' in the plan or the store", config.kind,
                                     config.baseline));
  }
  const std::size_t T = data.tables.size(), R = data.rows.size(), C = data.columns.size();

  // Expected and failed jobs per cell, metric values per cell, the first image per cell.
  std::vector<int> expected(T * R * C, 0), failed(T * R * C, 0);
  // The cells a job fills: one, or for a baseline job the baseline column of every row.
  auto cell_indices = [&](const std::string& stage, const std::string& kind, const Coordinates& c) {
    std::vector<std::size_t> indices;
    if (kind != config.kind) return indices;
    const std::string *t = find(c, config.tables), *r = find(c, config.rows), *col = find(c, config.columns);
    if (is_baseline(stage, kind, c)) {
      for (std::size_t row = 0; row < R; ++row) indices.push_back((index_of(data.tables, *t) * R + row) * C);
    } else if (t && r && col) {
      indices.push_back((index_of(data.tables, *t) * R + index_of(data.rows, *r)) * C + index_of(data.columns, *col));
    }
    return indices;
  };
  if (plan)
    for (const auto& job : plan->jobs)
      for (std::size_t index : cell_indices(job.stage, job.kind, coordinates_of(job))) ++expected[index];
  std::vector<std::vector<std::vector<double>>> values(config.metrics.size(), std::vector<std::vector<double>>(T * R * C));
  // With [report] spread: each value's position among data.spread_values, beside `values`.
  std::vector<std::vector<std::vector<std::size_t>>> spread_of(config.metrics.size(),
                                                               std::vector<std::vector<std::size_t>>(T * R * C));
  std::vector<std::filesystem::path> first_image(T * R * C);
  for (const auto& e : entries) {
    const ShardSummary& shard = *e.shard;
    for (std::size_t index : cell_indices(e.stage, shard.kind, shard.params)) {
      if (shard.status != "done") {
        ++failed[index];
        continue;
      }
      for (std::size_t m = 0; m < config.metrics.size(); ++m) {
        const auto it = shard.metrics.find(config.metrics[m]);
        if (it == shard.metrics.end()) continue;
        values[m][index].push_back(it->second);
        const std::string* v = spread_value(shard.params);
        spread_of[m][index].push_back(v ? index_of(data.spread_values, *v) : data.spread_values.size());
      }
      if (first_image[index].empty() && !config.images.empty() &&
          std::count(shard.image_keys.begin(), shard.image_keys.end(), config.images))
        first_image[index] = shard.path;
    }
  }

  for (std::size_t m = 0; m < config.metrics.size(); ++m)
    for (std::size_t t = 0; t < T; ++t) {
      MetricTable table;
      table.metric = config.metrics[m];
      table.table = data.tables[t];
      table.rows = data.rows;
      table.columns = data.columns;
      table.has_reference = settings.reference.has(table.metric, table.table);
      table.cells.assign(R, std::vector<CellStats>(C));
      table.average.assign(C, CellStats{});
      for (std::size_t c = 0; c < C; ++c) {
        std::vector<double> row_means, references;
        for (std::size_t r = 0; r < R; ++r) {
          const std::size_t i = (t * R + r) * C + c;
          CellStats& cell = table.cells[r][c];
          summarize(values[m][i], cell);
          cell.spread = spread_means(values[m][i], spread_of[m][i], data.spread_values.size());
          cell.expected = expected[i];
          cell.failed = failed[i];
          cell.reference = settings.reference.find(table.metric, table.table, data.rows[r], data.columns[c]);
          if (cell.n) row_means.push_back(cell.mean);
          if (cell.reference) references.push_back(*cell.reference);
        }
        CellStats& average = table.average[c];
        summarize(row_means, average);
        average.spread = average_spread(table.cells, c, data.spread_values.size());
        average.std = 0;
        average.expected = static_cast<int>(R);
        if (R && references.size() == R) {
          CellStats published;
          summarize(references, published);
          average.reference = published.mean;
        }
      }
      data.metric_tables.push_back(std::move(table));
    }

  if (!config.per_class.empty()) add_per_class_tables(data, config, entries);

  if (!config.images.empty())
    for (std::size_t t = 0; t < T; ++t) {
      ImageGridData grid;
      grid.table = data.tables[t];
      grid.rows = data.rows;
      grid.columns = data.columns;
      grid.cells.assign(R, std::vector<GridCell>(C));
      for (std::size_t r = 0; r < R; ++r)
        for (std::size_t c = 0; c < C; ++c) grid.cells[r][c].shard = first_image[(t * R + r) * C + c];
      data.grids.push_back(std::move(grid));
    }

  // Training time per stage and `rows` value.
  if (timing_enabled) {
    // Stages named like a column first, in column order (the study's methods), then the rest.
    std::vector<std::string> stages, planned_stages;
    if (plan)
      for (const auto& stage : plan->stage_order)
        for (const auto& job : plan->jobs)
          if (job.stage == stage && is_timing(job.kind) && find(coordinates_of(job), config.rows)) {
            push_unique(planned_stages, stage);
            break;
          }
    std::set<std::string> extra_stages;
    for (const auto& e : entries)
      if (is_timing(e.shard->kind) && find(e.shard->params, config.rows)) extra_stages.insert(e.stage);
    append_sorted(planned_stages, extra_stages);
    for (const auto& column : data.columns)
      if (std::count(planned_stages.begin(), planned_stages.end(), column)) stages.push_back(column);
    for (const auto& stage : planned_stages) push_unique(stages, stage);
    for (const auto& stage : stages) {
      TimingSeries series;
      series.stage = stage;
      for (const auto& x : data.timing_x) {
        std::vector<double> seconds;
        CellStats cell;
        if (plan)
          for (const auto& job : plan->jobs) {
            const Coordinates c = coordinates_of(job);
            if (job.stage == stage && is_timing(job.kind) && find(c, config.rows) && *find(c, config.rows) == x)
              ++cell.expected;
          }
        for (const auto& e : entries) {
          const std::string* r = find(e.shard->params, config.rows);
          if (e.stage != stage || !is_timing(e.shard->kind) || !r || *r != x) continue;
          if (e.shard->status != "done") {
            ++cell.failed;
            continue;
          }
          const auto it = e.shard->timings.find(config.timing_phase);
          if (it != e.shard->timings.end()) seconds.push_back(it->second);
        }
        const int expected_here = cell.expected, failed_here = cell.failed;
        summarize(seconds, cell);
        cell.expected = expected_here;
        cell.failed = failed_here;
        series.x.push_back(x);
        series.y.push_back(cell);
      }
      data.timing.push_back(std::move(series));
    }
  }

  for (const auto& e : entries)
    if (e.shard->status == "failed")
      data.failures.push_back(
          {e.shard->job_id, e.stage, e.shard->kind, coordinates_display(e.shard->params), e.shard->error});
  collect_device_benchmarks(store, scan, data);
  std::vector<StagedShard> staged;
  for (const auto& e : entries) staged.push_back({e.shard, e.stage});
  data.checks = collect_report_checks(config, staged, data.spread_values);
  if (T == 0 && data.devices.empty())
    data.notes.push_back(fmt::format("no '{}' jobs with the coordinates '{}', '{}' and '{}' in the plan or the store",
                                     config.kind, config.tables, config.rows, config.columns));
  return data;
}

}  // namespace tunegrid
