// report_html.cpp — one self-contained, well-formed (XHTML-compatible: every element closed,
// only XML's predefined entities) HTML file: the tables of the Markdown report, the timing
// figure's SVG inline, the image grids and the timing PNG as base64 data URIs.
#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "results/report.h"
#include "results/report_text.h"

namespace tunegrid {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char ch : text) switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  return out;
}

std::string base64(const std::string& bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += alphabet[(v >> shift) & 63];
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::string png_image(const std::filesystem::path& path, const std::string& alt) {
  const std::string bytes = file_bytes(path);
  if (bytes.empty()) return "";
  return fmt::format("<p><img alt=\"{}\" src=\"data:image/png;base64,{}\"/></p>\n", escape(alt), base64(bytes));
}

// The SVG document without its XML declaration, to sit inside the HTML.
std::string inline_svg(const std::filesystem::path& path) {
  std::string svg = file_bytes(path);
  const auto start = svg.find("<svg");
  return start == std::string::npos ? "" : svg.substr(start);
}

std::string cell_html(const report_text::CellParts& parts, const char* extra_class = "") {
  return fmt::format("<td class=\"num{}\">{}{}</td>", extra_class, escape(parts.value),
                     parts.count.empty() ? "" : " <small>(" + escape(parts.count) + ")</small>");
}

// Nothing may be wider than the page: wide tables scroll inside their own box, figures and
// images shrink to the page's width (checked in a browser by tests/e2e/report_browser.sh).
const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:75em}"
    "div.scroll{overflow-x:auto;max-width:100%;margin:0.5em 0 1.5em}table{border-collapse:collapse}"
    "th,td{border:1px solid #bbb;padding:0.25em 0.6em;white-space:nowrap}th{background:#eee}td.num{text-align:right}"
    "td.ref{color:#555}tr.avg td,tr.avg th{font-weight:bold;border-top:2px solid #555}small{color:#666}"
    "td pre{white-space:pre-wrap;margin:0}img{image-rendering:pixelated;max-width:100%;height:auto}"
    "div.figure svg{max-width:100%;height:auto}td.outlier{background:#fdd;font-weight:bold}";

// The per-GPU and per-node tables of one bench.devices job, outliers highlighted, and its chart.
std::string devices_html(const DeviceBenchmarkData& devices, const ChartFiles& chart) {
  std::string out = fmt::format("<h2>Devices — bench.devices job <code>{}</code></h2>\n", escape(devices.job_id));
  for (const auto& line : device_group_lines(devices)) out += "<p>" + escape(line) + "</p>\n";
  for (const DeviceReportTable& table : device_report_tables(devices)) {
    out += "<h3>" + escape(table.title) + "</h3>\n<div class=\"scroll\"><table>\n<tr>";
    for (const auto& name : table.header) out += "<th>" + escape(name) + "</th>";
    out += "</tr>\n";
    for (std::size_t r = 0; r < table.cells.size(); ++r) {
      out += "<tr>";
      for (std::size_t c = 0; c < table.cells[r].size(); ++c)
        out += fmt::format("<td class=\"{}\">{}</td>", c < 3 ? "" : table.outliers[r][c] ? "num outlier" : "num",
                           escape(table.cells[r][c]));
      out += "</tr>\n";
    }
    out += "</table></div>\n";
  }
  out += "<p>" + escape(device_outlier_legend()) + "</p>\n";
  if (!chart.svg.empty()) out += "<div class=\"figure\">\n" + inline_svg(chart.svg) + "\n</div>\n";
  return out;
}

// [[report.checks]]: the pass/fail table, failing cells highlighted, and what each check covers.
std::string checks_html(const ReportData& data) {
  if (data.checks.rows.empty()) return "";
  std::string out = "<h2>Checks — " + escape(checks_summary(data.checks)) + "</h2>\n<div class=\"scroll\"><table>\n<tr>";
  const CheckTable table = check_table(data.checks);
  for (const auto& name : table.header) out += "<th>" + escape(name) + "</th>";
  out += "</tr>\n";
  for (const auto& line : table.lines) {
    out += fmt::format("<tr{}><th>{}</th><td>{}</td>", &line == &table.lines.back() ? " class=\"avg\"" : "",
                       escape(line.name), escape(line.bound));
    for (std::size_t c = 0; c < line.values.size(); ++c)
      out += fmt::format("<td class=\"{}\">{}{}</td>", line.passed[c] ? "num" : "num outlier", escape(line.values[c]),
                         line.passed[c] ? " ✓" : " ✗");
    out += "</tr>\n";
  }
  out += "</table></div>\n<ul>\n";
  for (const auto& row : data.checks.rows)
    out += "<li>" + escape(row.check.name + ": " + check_scope_text(row.check, data.settings.report.kind)) + "</li>\n";
  return out + "</ul>\n";
}

}  // namespace

std::string format_html(const ReportData& data, const ReportFigures& figures) {
  const ReportConfig& config = data.settings.report;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>Report: {0}</title>\n"
      "<style>{1}</style>\n</head>\n<body>\n<h1>Report: {0}</h1>\n<p>Store <code>{2}</code>: {3}.</p>\n",
      escape(data.experiment), kStyle, escape(data.store), escape(report_text::progress(data)));
  out += checks_html(data);

  for (const auto& table : data.metric_tables) {
    out += fmt::format("<h2>{} — {}</h2>\n<div class=\"scroll\"><table>\n<tr><th>{}</th>", escape(table.metric),
                       escape(config.table_title(table.table)), escape(config.row_title(table.row_axis)));
    for (const auto& column : table.columns) {
      out += "<th>" + escape(config.label(column)) + "</th>";
      if (table.has_reference) out += "<th>published</th><th>Δ</th>";
    }
    out += "</tr>\n";
    auto add_row = [&](const std::string& name, const std::vector<CellStats>& cells, bool average) {
      out += fmt::format("<tr{}><th>{}</th>", average ? " class=\"avg\"" : "", escape(name));
      for (const auto& cell : cells) {
        out += cell_html(report_text::cell(cell, average));
        if (table.has_reference)
          out += fmt::format("<td class=\"num ref\">{}</td><td class=\"num ref\">{}</td>",
                             escape(report_text::reference_text(cell)), escape(report_text::difference_text(cell)));
      }
      out += "</tr>\n";
    };
    for (std::size_t r = 0; r < table.rows.size(); ++r) add_row(config.label(table.rows[r]), table.cells[r], false);
    add_row("Average", table.average, true);
    out += "</table></div>\n";
    if (table.has_reference)
      out += fmt::format("<p>published: {}; Δ = ours − published.</p>\n",
                         escape(data.settings.reference.source.empty() ? "[reference]" : data.settings.reference.source));
    const std::size_t index = static_cast<std::size_t>(&table - data.metric_tables.data());
    if (index < figures.charts.size() && !figures.charts[index].svg.empty())
      out += "<div class=\"figure\">\n" + inline_svg(figures.charts[index].svg) + "\n</div>\n";
  }

  if (!data.timing.empty()) {
    out += fmt::format("<h2>Training time — timings/{} in seconds</h2>\n<div class=\"scroll\"><table>\n<tr><th>{}</th>",
                       escape(config.timing_phase), escape(config.label(config.rows)));
    for (const auto& series : data.timing) out += "<th>" + escape(config.label(series.stage)) + "</th>";
    out += "</tr>\n";
    for (std::size_t i = 0; i < data.timing_x.size(); ++i) {
      out += "<tr><th>" + escape(config.label(data.timing_x[i])) + "</th>";
      for (const auto& series : data.timing) out += cell_html(report_text::cell(series.y[i], false, true));
      out += "</tr>\n";
    }
    out += "</table></div>\n";
    if (!figures.timing_svg.empty()) out += "<div class=\"figure\">\n" + inline_svg(figures.timing_svg) + "\n</div>\n";
  }

  for (std::size_t d = 0; d < data.devices.size(); ++d)
    out += devices_html(data.devices[d], d < figures.device_charts.size() ? figures.device_charts[d] : ChartFiles{});

  for (std::size_t g = 0; g < figures.grids.size(); ++g) {
    if (figures.grids[g].empty()) continue;
    const std::string title = config.table_title(data.grids[g].table);
    out += "<h2>Images — " + escape(title) + "</h2>\n" + png_image(figures.grids[g], title);
  }

  if (!data.failures.empty()) {
    out += fmt::format("<h2>Failed jobs ({})</h2>\n<div class=\"scroll\"><table>\n<tr><th>job</th><th>stage</th>"
                       "<th>coordinates</th><th>error</th></tr>\n",
                       data.failures.size());
    for (const auto& f : data.failures)
      out += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>\n",
                         escape(f.job_id), escape(f.stage), escape(f.coordinates), escape(f.error));
    out += "</table></div>\n";
  }
  if (!data.unreadable.empty()) {
    out += fmt::format("<h2>Unreadable shards ({})</h2>\n<ul>\n", data.unreadable.size());
    for (const auto& [path, why] : data.unreadable) out += "<li>" + escape(why) + "</li>\n";
    out += "</ul>\n";
  }
  if (!data.notes.empty()) {
    out += "<h2>Notes</h2>\n<ul>\n";
    for (const auto& note : data.notes) out += "<li>" + escape(note) + "</li>\n";
    out += "</ul>\n";
  }
  return out + "</body>\n</html>\n";
}

}  // namespace tunegrid
