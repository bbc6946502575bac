// report_figures.h — the report's figures, drawn with Cairo: line charts against the `rows`
// coordinate with ±1 std error bars — training time, one line per stage (the Hanok paper's
// Fig. 6), and each metric table, one line per column (the seed paper's figures: x =
// training images, y = the metric, one line per method) — as PNG and SVG from one drawing;
// and per `tables` value an image grid, up to `grid_samples` images of each cell (rows =
// `rows` values, columns = `columns` values, labelled; the paper's Figs. 3–5) as PNG. PNGs
// go through core/image_io.h (atomic); so does the SVG.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "results/report_data.h"

namespace tunegrid {

constexpr int kLineChartWidth = 640, kLineChartHeight = 420;

struct LineSeries {
  std::string name;           // legend
  std::vector<CellStats> y;   // one per x: mean ± std, n = 0 for no value
};

struct LineChart {
  std::string title, x_title, y_title;
  std::vector<std::string> x;         // the x values (a numeric axis when all are numbers >= 0)
  std::vector<std::string> x_labels;  // what the axis shows for each (empty: the values)
  std::vector<LineSeries> series;
  bool y_from_zero = true;            // else the values' range
};

// Writes the chart; returns false (writing nothing) when no series has a value.
bool write_line_chart(const LineChart& chart, const std::filesystem::path& png, const std::filesystem::path& svg);

// Training time vs `rows`, one line per stage.
LineChart timing_chart(const ReportData& data);
// A metric table's means vs `rows`, one line per column.
LineChart metric_chart(const MetricTable& table, const ReportConfig& config);

// Where the cells of a written grid are (pixels): cell (r, c) starts at
// (x0 + c * pitch_x, y0 + r * pitch_y) and is cell_width × cell_height.
struct GridLayout {
  int width = 0, height = 0;
  int x0 = 0, y0 = 0, pitch_x = 0, pitch_y = 0, cell_width = 0, cell_height = 0;
  int images = 0;  // cells drawn with an image
  int samples = 0;  // the most images one cell shows (a block of them, row-major)
};

// Writes one image grid; cells without a shard, or whose images cannot be read, are drawn
// as missing ("—"; unreadable ones are added to `notes`). Returns images = 0 and writes
// nothing when no cell has an image.
GridLayout write_image_grid(const ImageGridData& grid, const ReportConfig& config, const std::filesystem::path& png,
                            std::vector<std::string>& notes);

}  // namespace tunegrid
