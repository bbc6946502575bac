// timing_plot.cpp — the training-time figure (see report_figures.h): a line chart with
// markers and ±1 std error bars, x = the `rows` values (a linear axis from 0 when they are
// all non-negative numbers, else evenly spaced categories), y = seconds from 0.
#include <cairo.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/atomic_file.h"
#include "core/image_io.h"
#include "results/cairo_canvas.h"
#include "results/report_figures.h"

namespace tunegrid {

namespace {

struct Rgb {
  double r, g, b;
};
const Rgb kPalette[] = {{0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17}, {0.84, 0.15, 0.16},
                        {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29}, {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}};

// A "nice" tick step (1, 2 or 5 × 10^k) giving about `ticks` intervals up to `top`.
double tick_step(double top, int ticks) {
  const double raw = top / ticks, power = std::pow(10.0, std::floor(std::log10(raw))), unit = raw / power;
  return power * (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10);
}

std::string tick_label(double value, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fmt::format("{:.{}f}", value, decimals);
}

void draw(cairo_t* cr, const ReportData& data) {
  const ReportConfig& config = data.settings.report;
  const double W = kTimingPlotWidth, H = kTimingPlotHeight;
  const double left = 70, right = W - 170, top = 44, bottom = H - 56;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);

  // x positions: numeric axis when every value is a non-negative number.
  const auto& xs = data.timing_x;
  std::vector<double> numeric(xs.size());
  bool is_numeric = !xs.empty();
  for (std::size_t i = 0; i < xs.size(); ++i) {
    char* end = nullptr;
    numeric[i] = std::strtod(xs[i].c_str(), &end);
    is_numeric = is_numeric && end && *end == '\0' && numeric[i] >= 0;
  }
  const double x_max = is_numeric ? std::max(1e-9, *std::max_element(numeric.begin(), numeric.end())) * 1.05 : 0;
  auto x_of = [&](std::size_t i) {
    if (is_numeric) return left + (right - left) * numeric[i] / x_max;
    return left + (right - left) * (i + 0.5) / xs.size();
  };
  double y_top = 0;
  for (const auto& series : data.timing)
    for (const auto& cell : series.y)
      if (cell.n) y_top = std::max(y_top, cell.mean + cell.std);
  if (y_top <= 0) y_top = 1;
  const double step = tick_step(y_top * 1.05, 5);
  y_top = std::ceil(y_top * 1.05 / step) * step;
  auto y_of = [&](double seconds) { return bottom - (bottom - top) * seconds / y_top; };

  // Axes, grid lines and ticks.
  cairo_set_line_width(cr, 1);
  cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
  for (double v = step; v <= y_top + step * 1e-6; v += step) {
    cairo_move_to(cr, left, y_of(v));
    cairo_line_to(cr, right, y_of(v));
  }
  cairo_stroke(cr);
  cairo_set_source_rgb(cr, 0, 0, 0);
  cairo_move_to(cr, left, top);
  cairo_line_to(cr, left, bottom);
  cairo_line_to(cr, right, bottom);
  cairo_stroke(cr);
  for (double v = 0; v <= y_top + step * 1e-6; v += step) {
    cairo_move_to(cr, left - 4, y_of(v));
    cairo_line_to(cr, left, y_of(v));
    cairo_stroke(cr);
    canvas::text(cr, tick_label(v, step), left - 7, y_of(v) + 4, 11, 1);
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    cairo_move_to(cr, x_of(i), bottom);
    cairo_line_to(cr, x_of(i), bottom + 4);
    cairo_stroke(cr);
    canvas::text(cr, config.label(xs[i]), x_of(i), bottom + 17, 11, 0.5);
  }
  canvas::text(cr, config.label(config.rows), (left + right) / 2, H - 16, 12, 0.5);
  cairo_save(cr);
  cairo_translate(cr, 18, (top + bottom) / 2);
  cairo_rotate(cr, -M_PI / 2);
  canvas::text(cr, fmt::format("{} time (s)", config.timing_phase), 0, 0, 12, 0.5);
  cairo_restore(cr);
  canvas::text(cr, fmt::format("Training time ({}) vs {}", config.timing_phase, config.label(config.rows)),
               (left + right) / 2, 26, 14, 0.5, true);

  // Series: error bars, line, markers; legend on the right.
  for (std::size_t s = 0; s < data.timing.size(); ++s) {
    const auto& series = data.timing[s];
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
    canvas::text(cr, config.label(series.stage), right + 44, ly + 4, 11);
  }
}

}  // namespace

bool write_timing_plot(const ReportData& data, const std::filesystem::path& png, const std::filesystem::path& svg) {
  bool any = false;
  for (const auto& series : data.timing)
    for (const auto& cell : series.y) any = any || cell.n > 0;
  if (!any) return false;
  {
    canvas::Surface surface = canvas::image_surface(kTimingPlotWidth, kTimingPlotHeight);
    canvas::Context context = canvas::context_for(surface.get());
    draw(context.get(), data);
    write_png(png, canvas::to_image(surface.get()));
  }
  std::string text;
  {
    canvas::Surface surface = canvas::svg_surface(kTimingPlotWidth, kTimingPlotHeight, text);
    {
      canvas::Context context = canvas::context_for(surface.get());
      draw(context.get(), data);
    }
    cairo_surface_finish(surface.get());
  }
  write_file_atomically(svg, text);
  return true;
}

}  // namespace tunegrid
