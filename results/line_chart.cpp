// line_chart.cpp — the report's line charts (see report_figures.h): markers and ±1 std error
// bars, x = the `rows` values (a linear axis from 0 when they are all non-negative numbers,
// else evenly spaced categories), y from 0 (training time) or over the values' range (a
// metric such as clip_score, whose values lie between 0.2 and 0.3), one line per series with
// a legend on the right.
#include <cairo.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "core/atomic_file.h"
#include "core/image_io.h"
#include "results/cairo_canvas.h"
#include "results/report_figures.h"

namespace tunegrid {

namespace {

constexpr std::size_t kHorizontalLabelLimit = 8;  // more named x values than this: vertical labels
constexpr double kVerticalLabelSize = 9;
constexpr double kXLabelSize = 11;

struct Rgb {
  double r, g, b;
};
const Rgb kPalette[] = {{0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
                        {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50},
                        {0.74, 0.74, 0.13}, {0.09, 0.75, 0.81}};  // matplotlib's tab10

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `ticks` intervals up to `top`.
double tick_step(double top, int ticks) {
  const double raw = top / ticks, power = std::pow(10.0, std::floor(std::log10(raw))), unit = raw / power;
  return power * (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10);
}

std::string tick_label(double value, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", value, decimals);
}

// The y axis: [bottom, top] with a tick every `step`.
struct YAxis {
  double bottom = 0, top = 1, step = 1;
};

YAxis y_axis(const LineChart& chart) {
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const auto& series : chart.series)
    for (const auto& cell : series.y)
      if (cell.n) {
        low = std::min(low, cell.mean - cell.std);
        high = std::max(high, cell.mean + cell.std);
      }
  YAxis axis;
  if (chart.y_from_zero || !std::isfinite(low)) {
    const double top = high > 0 ? high * 1.05 : 1;
    axis.step = tick_step(top, 5);
    axis.top = std::ceil(top / axis.step) * axis.step;
    return axis;
  }
  const double span = std::max(high - low, std::max(std::abs(high), 1e-9) * 0.02);
  axis.step = tick_step(span * 1.2, 5);
  axis.bottom = std::floor((low - span * 0.1) / axis.step) * axis.step;
  axis.top = std::ceil((high + span * 0.1) / axis.step) * axis.step;
  return axis;
}

// The x axis's label of value i.
const std::string& x_label(const LineChart& chart, std::size_t i) {
  return chart.x_labels.empty() ? chart.x[i] : chart.x_labels[i];
}

// Named x values are labelled vertically, below the axis, when there are many (a per-class
// table's classes) or when one is wider than the room between two ticks: the room they take
// (0 for horizontal labels), at most a third of the chart.
double vertical_label_room(cairo_t* cr, const LineChart& chart, bool is_numeric, double plot_width) {
  if (is_numeric || chart.x.empty()) return 0;
  double widest = 0, widest_horizontal = 0;
  for (std::size_t i = 0; i < chart.x.size(); ++i) {
    widest = std::max(widest, canvas::text_width(cr, x_label(chart, i), kVerticalLabelSize));
    widest_horizontal = std::max(widest_horizontal, canvas::text_width(cr, x_label(chart, i), kXLabelSize));
  }
  const double spacing = plot_width / static_cast<double>(chart.x.size());
  if (chart.x.size() <= kHorizontalLabelLimit && widest_horizontal < spacing - 6) return 0;
  return std::min(widest, kLineChartHeight / 3.0);
}

// The legend's width on the right: its longest name, at least 170 and at most half the chart.
double legend_width(cairo_t* cr, const LineChart& chart) {
  double widest = 0;
  for (const auto& series : chart.series) widest = std::max(widest, canvas::text_width(cr, series.name, 11));
  return std::clamp(widest + 56, 170.0, kLineChartWidth / 2.0);
}

void draw(cairo_t* cr, const LineChart& chart) {
  const double W = kLineChartWidth, H = kLineChartHeight;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // x positions: numeric axis when every value is a non-negative number.
  const auto& xs = chart.x;
  std::vector<double> numeric(xs.size());
  bool is_numeric = !xs.empty();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    char* end = nullptr;
    numeric[i] = std::strtod(xs[i].c_str(), &end);
    is_numeric = is_numeric && end && *end == '\0' && numeric[i] >= 0;
  }
  const double left = 70, right = W - legend_width(cr, chart), top = 44;
  const double label_room = vertical_label_room(cr, chart, is_numeric, right - left);
  const double bottom = H - 56 - label_room;
  const double x_max = is_numeric ? std::max(1e-9, *std::max_element(numeric.begin(), numeric.end())) * 1.05 : 0;
  auto x_of = [&](std::size_t i) {
    if (is_numeric) return left + (right - left) * numeric[i] / x_max;
    return left + (right - left) * (i + 0.5) / xs.size();
  };
  const YAxis axis = y_axis(chart);
  auto y_of = [&](double value) { return bottom - (bottom - top) * (value - axis.bottom) / (axis.top - axis.bottom); };

  // Axes, grid lines and ticks.
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  for (double v = axis.bottom + axis.step; v <= axis.top + axis.step * 1e-6; v += axis.step) {
    cairo_move_to(cr, left, y_of(v));
    cairo_line_to(cr, right, y_of(v));
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_move_to(cr, left, top);
  cairo_line_to(cr, left, bottom);
  cairo_line_to(cr, right, bottom);
  cairo_stroke(cr);
  for (double v = axis.bottom; v <= axis.top + axis.step * 1e-6; v += axis.step) {
    cairo_move_to(cr, left - 4, y_of(v));
    cairo_line_to(cr, left, y_of(v));
    cairo_stroke(cr);
    canvas::text(cr, tick_label(v, axis.step), left - 7, y_of(v) + 4, 11, 1);
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    cairo_move_to(cr, x_of(i), bottom);
    cairo_line_to(cr, x_of(i), bottom + 4);
    cairo_stroke(cr);
    if (label_room > 0) {  // vertical, reading upwards, ending at the tick
      cairo_save(cr);
      cairo_translate(cr, x_of(i) + kVerticalLabelSize / 3, bottom + 7);
      cairo_rotate(cr, -M_PI / 2);
      canvas::text(cr, x_label(chart, i), 0, 0, kVerticalLabelSize, 1);
      cairo_restore(cr);
    } else {
      canvas::text(cr, x_label(chart, i), x_of(i), bottom + 17, kXLabelSize, 0.5);
    }
  }
  canvas::text(cr, chart.x_title, (left + right) / 2, H - 16, 12, 0.5);
  cairo_save(cr);
  cairo_translate(cr, 18, (top + bottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  canvas::text(cr, chart.y_title, 0, 0, 12, 0.5);
  cairo_restore(cr);
  canvas::text(cr, chart.title, (left + right) / 2, 26, 14, 0.5, true);

  // Series: error bars, line, markers; legend on the right.
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    const Rgb colour = kPalette[s % (sizeof kPalette / sizeof kPalette[0])];
    cairo_set_source_rgb(cr, colour.r, colour.g, colour.b);
    cairo_set_line_width(cr, 1.2);
    for (std::size_t i = 0; i < series.y.size(); ++i) {
      const CellStats& cell = series.y[i];
      if (cell.n < 2) continue;
      const double x = x_of(i);
      cairo_move_to(cr, x, y_of(cell.mean - cell.std));
      cairo_line_to(cr, x, y_of(cell.mean + cell.std));
      cairo_move_to(cr, x - 4, y_of(cell.mean - cell.std));
      cairo_line_to(cr, x + 4, y_of(cell.mean - cell.std));
      cairo_move_to(cr, x - 4, y_of(cell.mean + cell.std));
      cairo_line_to(cr, x + 4, y_of(cell.mean + cell.std));
    }
    cairo_stroke(cr);
    cairo_set_line_width(cr, 2);
    bool started = false;
    for (std::size_t i = 0; i < series.y.size(); ++i) {
      if (!series.y[i].n) continue;
      (started ? cairo_line_to : cairo_move_to)(cr, x_of(i), y_of(series.y[i].mean));
      started = true;
    }
    cairo_stroke(cr);
    for (std::size_t i = 0; i < series.y.size(); ++i) {
      if (!series.y[i].n) continue;
      cairo_arc(cr, x_of(i), y_of(series.y[i].mean), 3.5, 0, 2 * M_PI);
      cairo_fill(cr);
    }
    const double ly = top + 10 + 20.0 * s;
    cairo_move_to(cr, right + 14, ly);
    cairo_line_to(cr, right + 38, ly);
    cairo_stroke(cr);
    cairo_arc(cr, right + 26, ly, 3.5, 0, 2 * M_PI);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    canvas::text(cr, series.name, right + 44, ly + 4, 11);
  }
}

}  // namespace

bool write_line_chart(const LineChart& chart, const std::filesystem::path& png, const std::filesystem::path& svg) {
  bool any = false;
  for (const auto& series : chart.series)
    for (const auto& cell : series.y) any = any || cell.n > 0;
  if (!any) return false;
  {
    canvas::Surface surface = canvas::image_surface(kLineChartWidth, kLineChartHeight);
    canvas::Context context = canvas::context_for(surface.get());
    draw(context.get(), chart);
    write_png(png, canvas::to_image(surface.get()));
  }
  std::string text;
  {
    canvas::Surface surface = canvas::svg_surface(kLineChartWidth, kLineChartHeight, text);
    {
      canvas::Context context = canvas::context_for(surface.get());
      draw(context.get(), chart);
    }
    cairo_surface_finish(surface.get());
  }
  write_file_atomically(svg, text);
  return true;
}

LineChart timing_chart(const ReportData& data) {
  const ReportConfig& config = data.settings.report;
  LineChart chart;
  chart.title = fmt::format("Training time ({}) vs {}", config.timing_phase, config.label(config.rows));
  chart.x_title = config.label(config.rows);
  chart.y_title = fmt::format("{} time (s)", config.timing_phase);
  chart.x = data.timing_x;
  for (const auto& x : data.timing_x) chart.x_labels.push_back(config.label(x));
  for (const auto& series : data.timing) chart.series.push_back({config.label(series.stage), series.y});
  return chart;
}

LineChart metric_chart(const MetricTable& table, const ReportConfig& config) {
  LineChart chart;
  chart.title = fmt::format("{} — {}", table.metric, config.table_title(table.table));
  chart.y_title = table.metric;
  chart.y_from_zero = false;
  chart.x = table.rows;
  chart.x_title = config.row_title(table.row_axis);
  for (const auto& x : table.rows) chart.x_labels.push_back(config.label(x));
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    LineSeries series{config.label(table.columns[c]), {}};
    for (std::size_t r = 0; r < table.rows.size(); ++r) series.y.push_back(table.cells[r][c]);
    chart.series.push_back(std::move(series));
  }
  return chart;
}

}  // namespace tunegrid
