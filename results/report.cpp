// report.cpp — see report.h: the format names, where the figures go, and the whole report.
#include "results/report.h"

#include <fmt/format.h>

#include <cctype>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "results/report_figures.h"

namespace tunegrid {

ReportFormat parse_report_format(const std::string& name) {
  if (name == "md" || name == "markdown") return ReportFormat::markdown;
  if (name == "csv") return ReportFormat::csv;
  if (name == "tex" || name == "latex") return ReportFormat::latex;
  if (name == "html") return ReportFormat::html;
  throw InputError(fmt::format("--format {}: unknown report format; expected md, csv, tex or html", name));
}

namespace {

// "{} in the fire" -> "in-the-fire": lower-case letters and digits, other runs as '-'.
std::string slug(const std::string& text) {
  std::string out;
  for (unsigned char ch : text) {
    if (std::isalnum(ch)) out += static_cast<char>(std::tolower(ch));
    else if (!out.empty() && out.back() != '-') out += '-';
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "table" : out;
}

// Per bench.devices job: its devices relative to their peers (at least two to compare).
void write_device_charts(ReportData& data, const std::string& prefix, ReportFigures& figures) {
  for (std::size_t d = 0; d < data.devices.size(); ++d) {
    figures.device_charts.emplace_back();
    if (data.devices[d].table.rows.size() < 2) continue;
    const std::string stem = fmt::format("{}devices-{}", prefix, d + 1);
    try {
      if (write_line_chart(device_chart(data.devices[d]), figures.directory / (stem + ".png"),
                           figures.directory / (stem + ".svg")))
        figures.device_charts.back() = {figures.directory / (stem + ".png"), figures.directory / (stem + ".svg")};
    } catch (const StoreError& problem) {
      data.notes.push_back(fmt::format("device chart not written: {}", problem.what()));
    }
  }
}

}  // namespace

ReportFigures write_report_figures(ReportData& data, const std::string& out) {
  ReportFigures figures;
  std::string prefix;
  if (out.empty()) {
    figures.directory = std::filesystem::path(data.store) / "report";
  } else {
    const std::filesystem::path path(out);
    figures.directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    figures.beside_report = true;
    prefix = path.stem().string() + "-";
  }
  std::error_code error;
  std::filesystem::create_directories(figures.directory, error);
  if (error) {
    data.notes.push_back(fmt::format("figures not written: cannot create {}: {}", figures.directory.string(), error.message()));
    figures.directory.clear();
    figures.grids.assign(data.grids.size(), {});
    figures.charts.assign(data.metric_tables.size(), {});
    figures.device_charts.assign(data.devices.size(), {});
    return figures;
  }
  const auto png = figures.directory / (prefix + "timing.png"), svg = figures.directory / (prefix + "timing.svg");
  try {
    if (write_line_chart(timing_chart(data), png, svg)) {
      figures.timing_png = png;
      figures.timing_svg = svg;
    } else if (!data.timing.empty()) {
      data.notes.push_back("no training time to plot yet");
    }
  } catch (const StoreError& problem) {
    data.notes.push_back(fmt::format("timing figure not written: {}", problem.what()));
  }
  // A chart per metric table with at least two `rows` values to draw a line through.
  for (std::size_t t = 0; t < data.metric_tables.size(); ++t) {
    const MetricTable& table = data.metric_tables[t];
    figures.charts.emplace_back();
    if (table.rows.size() < 2) continue;
    const std::string stem = fmt::format("{}chart-{}-{}-{}", prefix, t + 1, slug(table.metric), slug(table.table));
    try {
      if (write_line_chart(metric_chart(table, data.settings.report), figures.directory / (stem + ".png"),
                           figures.directory / (stem + ".svg")))
        figures.charts.back() = {figures.directory / (stem + ".png"), figures.directory / (stem + ".svg")};
    } catch (const StoreError& problem) {
      data.notes.push_back(fmt::format("chart not written: {}", problem.what()));
    }
  }
  write_device_charts(data, prefix, figures);
  for (std::size_t g = 0; g < data.grids.size(); ++g) {
    const auto path = figures.directory / fmt::format("{}grid-{}-{}.png", prefix, g + 1, slug(data.grids[g].table));
    try {
      const GridLayout layout = write_image_grid(data.grids[g], data.settings.report, path, data.notes);
      figures.grids.push_back(layout.images ? path : std::filesystem::path());
      if (!layout.images)
        data.notes.push_back(fmt::format("no '{}' images yet for {}", data.settings.report.images,
                                         data.settings.report.table_title(data.grids[g].table)));
    } catch (const StoreError& problem) {
      figures.grids.emplace_back();
      data.notes.push_back(fmt::format("image grid not written: {}", problem.what()));
    }
  }
  return figures;
}

std::string make_report(const ReportRequest& request, const StoreScan& scan, const Plan* plan,
                        const ReportSettings& settings, const std::string& experiment) {
  const ReportFormat format = parse_report_format(request.format);
  ReportData data = collect_report(request.dir, experiment, scan, plan, settings);
  const ReportFigures figures = write_report_figures(data, request.out);
  std::string text;
  switch (format) {
    case ReportFormat::markdown: text = format_markdown(data, figures); break;
    case ReportFormat::csv: text = format_csv(data); break;
    case ReportFormat::latex:
      text = format_latex(data, figures, request.out.empty() ? std::filesystem::path() : figures.directory);
      break;
    case ReportFormat::html: text = format_html(data, figures); break;
  }
  if (!request.out.empty()) write_file_atomically(request.out, text);
  return text;
}

}  // namespace tunegrid
