// report_text.h — number and cell formatting shared by the report's writers, so Markdown,
// LaTeX and HTML show the same digits: metrics with 4 decimals, differences signed,
// seconds with 2 decimals; a cell as "mean ± std (n=k)", "mean (n=1)", "—" when missing,
// with "of m" when fewer jobs than planned and ", f failed"; with [report] spread (two or more
// values), each value's mean in brackets after the mean ± std: "0.81 ± 0.12 [0.94 / 0.69 / 0.81]".
#pragma once
#include <string>

#include "results/report_data.h"

namespace tunegrid::report_text {

std::string number(double value);      // 0.2512
std::string signed_number(double value);  // +0.0012
std::string seconds(double value);     // 12.35

struct CellParts {
  std::string value;  // "0.2512 ± 0.0031", "0.2512", "—"
  std::string count;  // "n=3", "n=2 of 3, 1 failed", "1 failed", "2 of 3 rows"
};
// `average`: the Average row (count in rows, no std).
CellParts cell(const CellStats& stats, bool average = false, bool as_seconds = false);
// value + " (" + count + ")" when there is a count.
std::string cell_line(const CellStats& stats, bool average = false, bool as_seconds = false);

std::string reference_text(const CellStats& stats);   // "0.2600" or "—"
std::string difference_text(const CellStats& stats);  // "-0.0088" or "—"

// "57 of 60 planned jobs done, 2 failed, 1 not run yet; 59 shards, 1 unreadable"
std::string progress(const ReportData& data);

}  // namespace tunegrid::report_text
