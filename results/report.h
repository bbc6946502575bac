// report.h — `tunegrid report DIR [--format md|csv|tex|html] [--out PATH]` (docs/reports.md
// "Reports"): tables shaped like the papers' (per `tables` value and metric: rows ×
// columns of mean ± std over seeds, an Average row, the published values and the
// difference) each with its chart (the metric against `rows`, one line per column), the
// training-time figure (PNG and SVG) and image grids (PNG), in Markdown
// (default, to stdout), CSV, LaTeX or one self-contained HTML file. Reads only the store;
// the plan (rebuilt from DIR/plan.toml by the caller, which holds the kind catalog) says
// which cells should exist. Figures go next to `--out` (<stem>-timing.png, …) or, without
// it, into DIR/report/.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "results/report_data.h"

namespace tunegrid {

enum class ReportFormat { markdown, csv, latex, html };

// "md" | "markdown" | "csv" | "tex" | "latex" | "html"; anything else is an InputError.
ReportFormat parse_report_format(const std::string& name);

struct ChartFiles {
  std::filesystem::path png, svg;  // empty: not drawn (fewer than two rows, or no value)
};

struct ReportFigures {
  std::filesystem::path directory;        // where they are
  bool beside_report = false;             // in the folder of --out: the report links them by file name
  std::filesystem::path timing_png, timing_svg;  // empty: not written (nothing to plot)
  std::vector<ChartFiles> charts;                // per ReportData::metric_tables
  std::vector<std::filesystem::path> grids;      // per ReportData::grids; empty: not written
  std::vector<ChartFiles> device_charts;         // per ReportData::devices
};

// Writes every figure; failures become notes in `data`.
ReportFigures write_report_figures(ReportData& data, const std::string& out);

std::string format_markdown(const ReportData& data, const ReportFigures& figures);
std::string format_csv(const ReportData& data);
// `relative_to`: the .tex file's folder, so figures beside it are included; empty: none.
std::string format_latex(const ReportData& data, const ReportFigures& figures, const std::filesystem::path& relative_to);
std::string format_html(const ReportData& data, const ReportFigures& figures);

struct ReportRequest {
  std::string dir;
  std::string format = "md";
  std::string out;  // empty: stdout
};

// Collects, draws and formats; writes the report to `request.out` (atomically) when set and
// returns its text either way.
std::string make_report(const ReportRequest& request, const StoreScan& scan, const Plan* plan,
                        const ReportSettings& settings, const std::string& experiment);

}  // namespace tunegrid
