// report_checks.h — acceptance checks in `tunegrid report` (docs/reports.md "Checks"): each
// [[report.checks]] entry bounds one metric over a set of jobs ("hanok style_accuracy ≤ 0.2 in
// every disaster", "zero-shot accuracy ≥ 0.9"), and the report prints a pass/fail table with
// one column per value of [report] spread (the world check's pretraining seeds, issue #24) or
// one column "all" without it: each cell lists the matched jobs' values in plan order and
// passes when every one of them is within the bound (a job without the spread coordinate, such
// as a judge every seed shares, counts in every column); a last row says whether a column
// passes every check. Format-neutral, like device_report.h: every writer prints the same table.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/shard_reader.h"
#include "results/report_config.h"

namespace tunegrid {

// One check's cells: per column, the matched values in plan order and whether all are within
// the bound (false where nothing matched).
struct CheckRowData {
  ReportCheck check;
  std::vector<std::vector<double>> values;  // [column]
  std::vector<bool> passed;                 // [column]
};

struct ReportChecksData {
  std::string by;                      // the column coordinate ([report] spread), "" for one column "all"
  std::vector<std::string> columns;    // its values, plan order
  std::vector<CheckRowData> rows;      // one per check, file order
  std::vector<bool> all_passed;        // [column]: every check passed there
};

// A shard with its stage (the plan's stage, or its kind for a shard without one).
struct StagedShard {
  const ShardSummary* shard;
  std::string stage;
};

// `shards`: the done and failed shards in plan order; `columns`: the spread coordinate's
// values in plan order (more found in the shards are appended, sorted).
ReportChecksData collect_report_checks(const ReportConfig& config, const std::vector<StagedShard>& shards,
                                       const std::vector<std::string>& columns);

// The printed table: header "check", "bound", one heading per column; one line per check and
// a last line "every check"; each column cell's values (check_values_text; "" on the last
// line) and its verdict, which each writer marks its own way (✓ / ✗, bold).
struct CheckTableLine {
  std::string name, bound;
  std::vector<std::string> values;  // [column]
  std::vector<bool> passed;         // [column]
};
struct CheckTable {
  std::vector<std::string> header;
  std::vector<CheckTableLine> lines;
};
CheckTable check_table(const ReportChecksData& data);

// "≥ 0.9" / "≤ 0.2"
std::string check_bound_text(const ReportCheck& check);
// The metric and the jobs a check covers: "style_accuracy, stage samples, style = hanok".
std::string check_scope_text(const ReportCheck& check, const std::string& report_kind);
// A cell's values: "0.000 / 0.062 / 0.812" (3 decimals, so no value shown at a bound fails it), "—".
std::string check_values_text(const std::vector<double>& values);
// "passes every check for 3 of 5 pretrain_seed values (0, 1, 3)"
std::string checks_summary(const ReportChecksData& data);

}  // namespace tunegrid
