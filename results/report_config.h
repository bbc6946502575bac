// report_config.h — the experiment's [report] and [reference] tables, which shape
// `tunegrid report DIR` (docs/reports.md): which jobs fill the tables, which coordinates
// make tables, rows and columns, which metrics, the image key of the grids, the timing
// figure (the Hanok paper's Fig. 6), display labels, and the published numbers to set
// beside ours. Both tables are optional; every key has the default written below.
//
//   [report]
//   kind = "sample"            tables = "prompt"   rows = "train_images"   columns = "finetuned"
//   metrics = ["clip_score", "style_accuracy", "disaster_accuracy"]   images = "samples"   grid_samples = 4
//   timing_kinds = "finetune." timing_phase = "train"   baseline = ""   spread = ""   per_class = ""
//   [[report.checks]]          name = "..."  stage = ""  metric = "..."  where = { coordinate = value or [values] }
//                              min = number or max = number
//   [report.labels]            "<coordinate value>" = "<display name>"
//   [reference]
//   source = "..."             rows = [5, 50, 100]
//   [reference.<metric>.<tables value>]   <columns value> = [one number per reference row]
//
// Unknown keys and wrong types are InputErrors naming the file, line, key and what was
// expected.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/value.h"

namespace toml {
inline namespace v3 {
class table;
}  // namespace v3
}  // namespace toml

namespace tunegrid {

// One [[report.checks]] entry (results/report_checks.h): `metric` of the jobs of `stage` (""
// for the jobs of [report] kind) whose coordinates match every `where` entry (coordinate ->
// accepted values as text) must be ≥ `min` or ≤ `max` (exactly one is set).
struct ReportCheck {
  std::string name;
  std::string stage;
  std::string metric;
  std::map<std::string, std::vector<std::string>> where;
  std::optional<double> min, max;
};

struct ReportConfig {
  std::string kind = "sample";        // jobs whose metrics fill the tables (exact kind)
  // tables / columns = "": a single table / a single column "all" pooling every other
  // coordinate (e.g. a method's cell over all its prompts and seeds, as Custom Diffusion
  // reports them).
  std::string tables = "prompt";      // one table per value of this coordinate, per metric
  std::string rows = "train_images";  // rows (plan order), then an "Average" row
  std::string columns = "finetuned";  // columns (plan order)
  std::vector<std::string> metrics = {"clip_score", "style_accuracy", "disaster_accuracy"};
  std::string images = "samples";        // image key of the grids
  int grid_samples = 4;                  // images per grid cell (the cell's first job's first ones), 1 to 64
  std::string timing_kinds = "finetune.";  // timing figure: jobs whose kind starts with this
  std::string timing_phase = "train";      // y = timings/<timing_phase>
  // A stage whose jobs (of `kind`, without the rows and columns coordinates: the base model
  // before fine-tuning) fill an extra first column, named by the stage, with the same
  // value in every row of their table; "" for none.
  std::string baseline;
  std::map<std::string, std::string> labels;  // coordinate value -> display name
  // A coordinate pooled in every cell (e.g. "pretrain_seed") whose values the cells also show
  // one by one: each value's mean after the cell's mean ± std, "0.81 ± 0.12 [0.94 / 0.69 /
  // 0.81]", so that a difference between cells smaller than this spread is not read as a
  // finding; "" for none.
  std::string spread;
  // A metric whose per-class values (`<per_class>.<class>`, e.g. train.classifier's
  // accuracy.<class>) make one more table per `tables` value: rows = the classes, columns =
  // the `rows` values (or the (row, column) cells holding jobs when `columns` takes several
  // values), each cell pooled over every other coordinate; "" for none.
  std::string per_class;
  // Pass/fail checks, one column per `spread` value (or one column "all").
  std::vector<ReportCheck> checks;

  // The display name of a coordinate value (the value itself without a label).
  std::string label(const std::string& value) const;
  // The heading of a table's rows: the label of `rows`, or of the table's own row axis.
  std::string row_title(const std::string& table_row_axis) const;
  // The heading of the table (and grid) for one `tables` value: "prompt = A: *, fire", or
  // only the value's label when tables = "".
  std::string table_title(const std::string& value) const;
};

struct ReferenceConfig {
  bool present = false;
  std::string source;
  std::vector<std::string> rows;  // `rows` coordinate values as text (coordinate_text)
  // metric -> tables value -> columns value -> one number per reference row
  std::map<std::string, std::map<std::string, std::map<std::string, std::vector<double>>>> values;

  std::optional<double> find(const std::string& metric, const std::string& table, const std::string& row,
                             const std::string& column) const;
  // Whether any number exists for this metric and table.
  bool has(const std::string& metric, const std::string& table) const;
};

struct ReportSettings {
  ReportConfig report;
  ReferenceConfig reference;
};

// Reads [report] and [reference] from an experiment document; `file` names it in messages.
ReportSettings read_report_settings(const toml::table& root, const std::string& file);

// A coordinate value as shards keep it in /params (core/shard_reader.h: integers in
// decimal, floats as fmt's shortest form, booleans 1/0, strings as they are).
std::string coordinate_text(const Value& value);

// plan.toml split in two: the experiment without [report] and [reference] (to rebuild the
// plan from), and the settings those tables give. Throws InputError for invalid TOML or a
// bad [report] / [reference].
struct PlanDocument {
  std::string experiment_toml;
  ReportSettings settings;
};
PlanDocument split_plan_document(const std::string& text, const std::string& file);

}  // namespace tunegrid
