// report_figures.h — the report's figures, drawn with Cairo: training time against the
// `rows` coordinate, one line per stage with ±1 std error bars (the Hanok paper's Fig. 6),
// as PNG and SVG from one drawing; and per `tables` value an image grid of the first image
// of each cell (rows = `rows` values, columns = `columns` values, labelled; the paper's
// Figs. 3–5) as PNG. PNGs go through core/image_io.h (atomic); so does the SVG.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "results/report_data.h"

namespace tunegrid {

constexpr int kTimingPlotWidth = 640, kTimingPlotHeight = 420;

// Writes the timing figure; returns false (writing nothing) when no series has a value.
bool write_timing_plot(const ReportData& data, const std::filesystem::path& png, const std::filesystem::path& svg);

// Where the cells of a written grid are (pixels): cell (r, c) starts at
// (x0 + c * pitch_x, y0 + r * pitch_y) and is cell_width × cell_height.
struct GridLayout {
  int width = 0, height = 0;
  int x0 = 0, y0 = 0, pitch_x = 0, pitch_y = 0, cell_width = 0, cell_height = 0;
  int images = 0;  // cells drawn with an image
};

// Writes one image grid; cells without a shard, or whose images cannot be read, are drawn
// as missing ("—"; unreadable ones are added to `notes`). Returns images = 0 and writes
// nothing when no cell has an image.
GridLayout write_image_grid(const ImageGridData& grid, const ReportConfig& config, const std::filesystem::path& png,
                            std::vector<std::string>& notes);

}  // namespace tunegrid
