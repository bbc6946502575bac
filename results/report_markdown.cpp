// report_markdown.cpp — the Markdown report (the terminal default): progress, one table per
// metric and `tables` value (with published values and differences beside each column
// when [reference] has them), the training-time table, where the figures are, failed and
// unreadable shards, notes.
#include <fmt/format.h>

#include "core/text.h"
#include "results/report.h"
#include "results/report_text.h"

namespace tunegrid {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\n' || ch == '\r') {
      out += ' ';
      continue;
    }
    if (ch == '\\' || ch == '*' || ch == '_' || ch == '|' || ch == '`' || ch == '<' || ch == '>') out += '\\';
    out += ch;
  }
  return out;
}

std::string row_line(const std::vector<std::string>& cells) { return "| " + join(cells, " | ") + " |\n"; }

std::string rule(std::size_t columns) {
  std::vector<std::string> cells(columns, "---:");
  cells[0] = "---";
  return row_line(cells);
}

// The per-GPU and per-node tables of one bench.devices job, and its chart.
std::string devices_markdown(const DeviceBenchmarkData& devices, const ChartFiles& chart, bool beside_report) {
  std::string out = fmt::format("\n## Devices — bench.devices job `{}`\n", devices.job_id);
  for (const auto& line : device_group_lines(devices)) out += "\n" + escape(line) + "\n";
  for (const DeviceReportTable& table : device_report_tables(devices)) {
    out += fmt::format("\n{}:\n\n", table.title);
    std::vector<std::string> header;
    for (const auto& name : table.header) header.push_back(escape(name));
    out += row_line(header) + rule(header.size());
    for (const auto& cells : table.cells) {
      std::vector<std::string> line;
      for (const auto& cell : cells) line.push_back(escape(cell));
      out += row_line(line);
    }
  }
  out += "\n" + escape(device_outlier_legend()) + "\n";
  if (!chart.svg.empty())
    out += fmt::format("\n![devices relative to their peers]({})\n",
                       beside_report ? chart.svg.filename().string() : chart.svg.string());
  return out;
}

// [[report.checks]]: the pass/fail table (✓ / ✗ after each cell) and what each check covers.
std::string checks_markdown(const ReportData& data) {
  if (data.checks.rows.empty()) return "";
  std::string out = fmt::format("\n## Checks — {}\n\n", escape(checks_summary(data.checks)));
  const CheckTable table = check_table(data.checks);
  std::vector<std::string> header;
  for (const auto& name : table.header) header.push_back(escape(name));
  out += row_line(header) + rule(header.size());
  for (const auto& line : table.lines) {
    std::vector<std::string> cells = {escape(line.name), escape(line.bound)};
    for (std::size_t c = 0; c < line.values.size(); ++c)
      cells.push_back(escape(line.values[c]) + (line.values[c].empty() ? "" : " ") + (line.passed[c] ? "✓" : "✗"));
    out += row_line(cells);
  }
  out += "\n";
  for (const auto& row : data.checks.rows)
    out += fmt::format("- {}: {}\n", escape(row.check.name), escape(check_scope_text(row.check, data.settings.report.kind)));
  return out;
}

}  // namespace

std::string format_markdown(const ReportData& data, const ReportFigures& figures) {
  const ReportConfig& config = data.settings.report;
  std::string out = fmt::format("# Report: {}\n\nStore `{}`: {}.\n", escape(data.experiment), data.store,
                                report_text::progress(data));
  if (!figures.directory.empty()) out += fmt::format("Figures are in `{}`.\n", figures.directory.string());
  out += checks_markdown(data);

  for (const auto& table : data.metric_tables) {
    out += fmt::format("\n## {} — {}\n\n", escape(table.metric), escape(config.table_title(table.table)));
    std::vector<std::string> header = {escape(config.row_title(table.row_axis))};
    for (const auto& column : table.columns) {
      header.push_back(escape(config.label(column)));
      if (table.has_reference) {
        header.push_back("published");
        header.push_back("Δ");
      }
    }
    out += row_line(header) + rule(header.size());
    auto add_row = [&](const std::string& name, const std::vector<CellStats>& cells, bool average) {
      std::vector<std::string> line = {name};
      for (const auto& cell : cells) {
        line.push_back(escape(report_text::cell_line(cell, average)));
        if (table.has_reference) {
          line.push_back(report_text::reference_text(cell));
          line.push_back(report_text::difference_text(cell));
        }
      }
      out += row_line(line);
    };
    for (std::size_t r = 0; r < table.rows.size(); ++r) add_row(escape(config.label(table.rows[r])), table.cells[r], false);
    add_row("Average", table.average, true);
    if (table.has_reference)
      out += fmt::format("\npublished: {}; Δ = ours − published.\n",
                         escape(data.settings.reference.source.empty() ? "[reference]" : data.settings.reference.source));
    const std::size_t index = static_cast<std::size_t>(&table - data.metric_tables.data());
    if (index < figures.charts.size() && !figures.charts[index].svg.empty()) {
      const auto& svg = figures.charts[index].svg;
      out += fmt::format("\n![{} vs {}]({})\n", escape(table.metric), escape(config.row_title(table.row_axis)),
                         figures.beside_report ? svg.filename().string() : svg.string());
    }
  }

  if (!data.timing.empty()) {
    out += fmt::format("\n## Training time — timings/{} in seconds\n\n", escape(config.timing_phase));
    std::vector<std::string> header = {escape(config.label(config.rows))};
    for (const auto& series : data.timing) header.push_back(escape(config.label(series.stage)));
    out += row_line(header) + rule(header.size());
    for (std::size_t i = 0; i < data.timing_x.size(); ++i) {
      std::vector<std::string> line = {escape(config.label(data.timing_x[i]))};
      for (const auto& series : data.timing) line.push_back(escape(report_text::cell_line(series.y[i], false, true)));
      out += row_line(line);
    }
    if (!figures.timing_png.empty())
      out += fmt::format("\nFigure: `{}` (SVG: `{}`)\n", figures.timing_png.string(), figures.timing_svg.string());
  }

  for (std::size_t d = 0; d < data.devices.size(); ++d)
    out += devices_markdown(data.devices[d], d < figures.device_charts.size() ? figures.device_charts[d] : ChartFiles{},
                            figures.beside_report);

  bool any_grid = false;
  for (std::size_t g = 0; g < figures.grids.size(); ++g)
    if (!figures.grids[g].empty()) {
      if (!any_grid) out += "\n## Image grids\n\n";
      any_grid = true;
      out += fmt::format("- {}: `{}`\n", escape(config.table_title(data.grids[g].table)),
                         figures.grids[g].string());
    }

  if (!data.failures.empty()) {
    out += fmt::format("\n## Failed jobs ({})\n\n", data.failures.size());
    out += row_line({"job", "stage", "coordinates", "error"}) + row_line({"---", "---", "---", "---"});
    for (const auto& f : data.failures)
      out += row_line({"`" + f.job_id + "`", escape(f.stage), escape(f.coordinates), escape(f.error)});
  }
  if (!data.unreadable.empty()) {
    out += fmt::format("\n## Unreadable shards ({})\n\n", data.unreadable.size());
    out += row_line({"shard", "problem"}) + row_line({"---", "---"});
    for (const auto& [path, why] : data.unreadable) out += row_line({"`" + path + "`", escape(why)});
  }
  if (!data.notes.empty()) {
    out += "\n## Notes\n\n";
    for (const auto& note : data.notes) out += "- " + escape(note) + "\n";
  }
  return out;
}

}  // namespace tunegrid
