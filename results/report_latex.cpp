// report_latex.cpp — the report as a LaTeX document that pdflatex compiles with only
// texlive-latex-base (article, fontenc, inputenc, graphicx): one tabular per metric and
// `tables` value (published value and Δ beside each column when [reference] has them),
// the training-time tabular and figure, the image grids, failed jobs. Non-floating, so a
// long report never runs out of float slots; wide tables shrink to the line width.
#include <fmt/format.h>

#include "core/text.h"
#include "results/report.h"
#include "results/report_text.h"

namespace tunegrid {

namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    auto starts = [&](const char* s) { return text.compare(i, std::char_traits<char>::length(s), s) == 0; };
    if (starts("±")) { out += "$\\pm$"; i += 1; continue; }
    if (starts("—")) { out += "---"; i += 2; continue; }
    if (starts("–")) { out += "--"; i += 2; continue; }
    if (starts("Δ")) { out += "$\\Delta$"; i += 1; continue; }
    if (starts("−")) { out += "$-$"; i += 2; continue; }
    if (starts("≥")) { out += "$\\geq$"; i += 2; continue; }
    if (starts("≤")) { out += "$\\leq$"; i += 2; continue; }
    switch (ch) {
      case '\\': out += "\\textbackslash{}"; break;
      case '{': case '}': case '$': case '&': case '#': case '_': case '%': out += '\\'; out += ch; break;
      case '^': out += "\\^{}"; break;
      case '~': out += "\\textasciitilde{}"; break;
      case '<': out += "\\textless{}"; break;
      case '>': out += "\\textgreater{}"; break;
      case '|': out += "\\textbar{}"; break;
      case '\n': case '\r': out += ' '; break;
      default: out += ch;
    }
  }
  return out;
}

std::string row_line(const std::vector<std::string>& cells) { return join(cells, " & ") + " \\\\\n"; }

// A tabular shrunk to the line width when wider.
std::string fitted(const std::string& columns, const std::string& body) {
  return fmt::format("\\begin{{center}}\\small\n\\resizebox{{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}}{{!}}{{%\n"
                     "\\begin{{tabular}}{{{}}}\n\\hline\n{}\\hline\n\\end{{tabular}}}}\n\\end{{center}}\n",
                     columns, body);
}

std::string figure(const std::filesystem::path& file, const std::filesystem::path& relative_to, const char* width) {
  if (file.empty() || relative_to.empty()) return "";
  const std::string name = std::filesystem::relative(file, relative_to).generic_string();
  if (name.find_first_of(" %#{}\\$&~^") != std::string::npos) return "";
  return fmt::format("\\IfFileExists{{{0}}}{{\\begin{{center}}\\includegraphics[width={1}]{{{0}}}\\end{{center}}}}{{}}\n",
                     name, width);
}

// The per-GPU and per-node tables of one bench.devices job (outliers in bold), and its chart.
std::string devices_latex(const DeviceBenchmarkData& devices, const ChartFiles& chart,
                          const std::filesystem::path& relative_to) {
  std::string out;
  out += fmt::format("\\subsection*{{Devices --- bench.devices job \\texttt{{{}}}}}\n", escape(devices.job_id));
  for (const auto& line : device_group_lines(devices)) out += escape(line) + "\n\n";
  for (const DeviceReportTable& table : device_report_tables(devices)) {
    std::vector<std::string> header;
    for (const auto& name : table.header) header.push_back(escape(name));
    std::string body = row_line(header) + "\\hline\n";
    for (std::size_t r = 0; r < table.cells.size(); ++r) {
      std::vector<std::string> line;
      for (std::size_t c = 0; c < table.cells[r].size(); ++c) {
        std::string text = table.cells[r][c];
        if (table.outliers[r][c]) text = text.substr(0, text.rfind(" ▼"));  // outliers in bold instead
        line.push_back(table.outliers[r][c] ? "\\textbf{" + escape(text) + "}" : escape(text));
      }
      body += row_line(line);
    }
    out += escape(table.title) + ":\n" + fitted("lll|" + std::string(table.header.size() - 3, 'r'), body);
  }
  out += "Bold: more than " + escape(fmt::format("{:g}", 100.0 * (1.0 - kOutlierFraction))) +
         "\\% below the median of its peers (every device of the job; every node).\n\n";
  out += figure(chart.png, relative_to, "0.8\\linewidth");
  return out;
}

// [[report.checks]]: the pass/fail table (failing cells in bold, marked FAIL) and what each
// check covers.
std::string checks_latex(const ReportData& data) {
  if (data.checks.rows.empty()) return "";
  std::string out = "\\subsection*{Checks --- " + escape(checks_summary(data.checks)) + "}\n";
  const CheckTable table = check_table(data.checks);
  std::vector<std::string> header;
  for (const auto& name : table.header) header.push_back(escape(name));
  std::string body = row_line(header) + "\\hline\n";
  for (const auto& line : table.lines) {
    if (&line == &table.lines.back()) body += "\\hline\n";
    std::vector<std::string> cells = {escape(line.name), escape(line.bound)};
    for (std::size_t c = 0; c < line.values.size(); ++c) {
      const std::string text = escape(line.values[c]) + (line.values[c].empty() ? "" : " ");
      cells.push_back(line.passed[c] ? text + "pass" : "\\textbf{" + text + "FAIL}");
    }
    body += row_line(cells);
  }
  out += fitted("ll|" + std::string(table.header.size() - 2, 'r'), body);
  out += "\\begin{itemize}\n";
  for (const auto& row : data.checks.rows)
    out += "\\item " + escape(row.check.name + ": " + check_scope_text(row.check, data.settings.report.kind)) + "\n";
  return out + "\\end{itemize}\n";
}

}  // namespace

std::string format_latex(const ReportData& data, const ReportFigures& figures, const std::filesystem::path& relative_to) {
  const ReportConfig& config = data.settings.report;
  std::string out =
      "\\documentclass[10pt]{article}\n\\usepackage[T1]{fontenc}\n\\usepackage[utf8]{inputenc}\n"
      "\\usepackage{graphicx}\n\\setlength{\\parindent}{0pt}\n\\begin{document}\n";
  out += fmt::format("\\section*{{Report: {}}}\n{}.\n", escape(data.experiment), escape(report_text::progress(data)));
  out += checks_latex(data);

  for (const auto& table : data.metric_tables) {
    out += fmt::format("\\subsection*{{{} --- {}}}\n", escape(table.metric), escape(config.table_title(table.table)));
    std::string columns = "l|";
    std::vector<std::string> header = {escape(config.row_title(table.row_axis))};
    for (const auto& column : table.columns) {
      columns += table.has_reference ? "ccc|" : "c";
      header.push_back(escape(config.label(column)));
      if (table.has_reference) {
        header.push_back("published");
        header.push_back("$\\Delta$");
      }
    }
    std::string body = row_line(header) + "\\hline\n";
    auto add_row = [&](const std::string& name, const std::vector<CellStats>& cells, bool average) {
      std::vector<std::string> line = {name};
      for (const auto& cell : cells) {
        const auto parts = report_text::cell(cell, average);
        line.push_back(escape(parts.value) + (parts.count.empty() ? "" : " {\\scriptsize(" + escape(parts.count) + ")}"));
        if (table.has_reference) {
          line.push_back(escape(report_text::reference_text(cell)));
          line.push_back(escape(report_text::difference_text(cell)));
        }
      }
      body += row_line(line);
    };
    for (std::size_t r = 0; r < table.rows.size(); ++r) add_row(escape(config.label(table.rows[r])), table.cells[r], false);
    body += "\\hline\n";
    add_row("Average", table.average, true);
    out += fitted(columns, body);
    if (table.has_reference)
      out += fmt::format("Published: {}; $\\Delta$ = ours $-$ published.\n\n",
                         escape(data.settings.reference.source.empty() ? "[reference]" : data.settings.reference.source));
  }

  if (!data.timing.empty()) {
    out += fmt::format("\\subsection*{{Training time --- timings/{} (s)}}\n", escape(config.timing_phase));
    std::string columns = "l|";
    std::vector<std::string> header = {escape(config.label(config.rows))};
    for (const auto& series : data.timing) {
      columns += "c";
      header.push_back(escape(config.label(series.stage)));
    }
    std::string body = row_line(header) + "\\hline\n";
    for (std::size_t i = 0; i < data.timing_x.size(); ++i) {
      std::vector<std::string> line = {escape(config.label(data.timing_x[i]))};
      for (const auto& series : data.timing) line.push_back(escape(report_text::cell_line(series.y[i], false, true)));
      body += row_line(line);
    }
    out += fitted(columns, body);
    out += figure(figures.timing_png, relative_to, "0.8\\linewidth");
  }
  for (std::size_t d = 0; d < data.devices.size(); ++d)
    out += devices_latex(data.devices[d], d < figures.device_charts.size() ? figures.device_charts[d] : ChartFiles{},
                         relative_to);
  for (std::size_t g = 0; g < figures.grids.size(); ++g) {
    const std::string include = figure(figures.grids[g], relative_to, "\\linewidth");
    if (include.empty()) continue;
    out += fmt::format("\\subsection*{{Images --- {}}}\n{}", escape(config.table_title(data.grids[g].table)), include);
  }

  if (!data.failures.empty()) {
    out += fmt::format("\\subsection*{{Failed jobs ({})}}\n", data.failures.size());
    std::string body = row_line({"job", "stage", "coordinates", "error"}) + "\\hline\n";
    for (const auto& f : data.failures) {
      std::string error = f.error.size() > 400 ? f.error.substr(0, 400) + " ..." : f.error;
      body += row_line({"\\texttt{" + escape(f.job_id) + "}", escape(f.stage), escape(f.coordinates), escape(error)});
    }
    out += fitted("llp{0.3\\linewidth}p{0.4\\linewidth}", body);
  }
  if (!data.unreadable.empty()) {
    out += fmt::format("\\subsection*{{Unreadable shards ({})}}\n\\begin{{itemize}}\n", data.unreadable.size());
    for (const auto& [path, why] : data.unreadable) out += "\\item " + escape(why) + "\n";
    out += "\\end{itemize}\n";
  }
  if (!data.notes.empty()) {
    out += "\\subsection*{Notes}\n\\begin{itemize}\n";
    for (const auto& note : data.notes) out += "\\item " + escape(note) + "\n";
    out += "\\end{itemize}\n";
  }
  return out + "\\end{document}\n";
}

}  // namespace tunegrid
