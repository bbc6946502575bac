// image_grid.cpp — one image grid of the report (see report_figures.h): a title, column
// labels on top, row labels on the left, the first `grid_samples` images of each cell's
// first done job as a block (⌈√k⌉ per row) scaled to a cell of about 96–256 px (nearest
// neighbour when enlarging, so small samples stay crisp), and "—" on grey where a cell has
// no image.
#include <cairo.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/errors.h"
#include "core/image_io.h"
#include "core/shard_reader.h"
#include "results/cairo_canvas.h"
#include "results/report_figures.h"

namespace tunegrid {

GridLayout write_image_grid(const ImageGridData& grid, const ReportConfig& config, const std::filesystem::path& png,
                            std::vector<std::string>& notes) {
  GridLayout layout;
  const std::size_t R = grid.rows.size(), C = grid.columns.size();
  std::map<std::pair<std::size_t, std::size_t>, ImageBatch> images;
  int image_height = 0, image_width = 0;
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t c = 0; c < C; ++c) {
      const auto& shard = grid.cells[r][c].shard;
      if (shard.empty()) continue;
      try {
        ImageBatch batch = read_shard_images(shard, config.images, config.grid_samples);
        layout.samples = std::max(layout.samples, batch.count);
        image_height = std::max(image_height, batch.height);
        image_width = std::max(image_width, batch.width);
        images.emplace(std::make_pair(r, c), std::move(batch));
      } catch (const StoreError& error) {
        notes.push_back(fmt::format("image grid '{}': {}", grid.table, error.what()));
      }
    }
  layout.images = static_cast<int>(images.size());
  if (images.empty()) return layout;

  // A cell holds a block of up to `samples` images; its size: small blocks enlarged by an
  // integer factor to >= 96 px, large ones reduced to 256.
  const int block_columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(layout.samples))));
  const int block_rows = (layout.samples + block_columns - 1) / block_columns;
  image_width *= block_columns;
  image_height *= block_rows;
  const int largest = std::max(image_height, image_width);
  const double scale = largest < 96 ? std::ceil(96.0 / largest) : largest > 256 ? 256.0 / largest : 1.0;
  const int cell_height = static_cast<int>(std::lround(image_height * scale));
  int cell_width = static_cast<int>(std::lround(image_width * scale));

  const double label_size = 13, title_size = 15;
  canvas::Surface probe = canvas::image_surface(1, 1);
  canvas::Context measure = canvas::context_for(probe.get());
  double row_label_width = canvas::text_width(measure.get(), config.label(config.rows), label_size, true);
  for (const auto& row : grid.rows)
    row_label_width = std::max(row_label_width, canvas::text_width(measure.get(), config.label(row), label_size));
  for (const auto& column : grid.columns)
    cell_width = std::max(cell_width, static_cast<int>(std::ceil(canvas::text_width(measure.get(), config.label(column),
                                                                                      label_size))) + 8);
  const std::string title = config.table_title(grid.table);
  const int gap = 6, margin = 12, title_height = 34, header_height = 24;
  layout.x0 = margin + static_cast<int>(std::ceil(row_label_width)) + 12;
  layout.y0 = margin + title_height + header_height;
  layout.pitch_x = cell_width + gap;
  layout.pitch_y = cell_height + gap;
  layout.cell_width = cell_width;
  layout.cell_height = cell_height;
  layout.width = std::max(layout.x0 + static_cast<int>(C) * layout.pitch_x - gap + margin,
                          2 * margin + static_cast<int>(std::ceil(canvas::text_width(measure.get(), title, title_size, true))));
  layout.height = layout.y0 + static_cast<int>(R) * layout.pitch_y - gap + margin;

  canvas::Surface surface = canvas::image_surface(layout.width, layout.height);
  canvas::Context context = canvas::context_for(surface.get());
  cairo_t* cr = context.get();
  cairo_set_source_rgb(cr, 0, 0, 0);
  canvas::text(cr, title, margin, margin + 18, title_size, 0, true);
  canvas::text(cr, config.label(config.rows), margin, layout.y0 - 8, label_size, 0, true);
  for (std::size_t c = 0; c < C; ++c)
    canvas::text(cr, config.label(grid.columns[c]), layout.x0 + c * layout.pitch_x + cell_width / 2.0, layout.y0 - 8,
                 label_size, 0.5);
  for (std::size_t r = 0; r < R; ++r) {
    const double y = layout.y0 + r * layout.pitch_y;
    cairo_set_source_rgb(cr, 0, 0, 0);
    canvas::text(cr, config.label(grid.rows[r]), layout.x0 - 12, y + cell_height / 2.0 + 5, label_size, 1);
    for (std::size_t c = 0; c < C; ++c) {
      const double x = layout.x0 + c * layout.pitch_x;
      const auto it = images.find({r, c});
      if (it == images.end()) {
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_rectangle(cr, x, y, cell_width, cell_height);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        canvas::text(cr, "—", x + cell_width / 2.0, y + cell_height / 2.0 + 6, 18, 0.5);
        continue;
      }
      const ImageBatch& batch = it->second;
      const double drawn_width = image_width * scale, drawn_height = image_height * scale;
      const double block_x = x + std::floor((cell_width - drawn_width) / 2),
                   block_y = y + std::floor((cell_height - drawn_height) / 2);
      for (int k = 0; k < batch.count; ++k) {
        canvas::Surface picture = canvas::from_image(image_at(batch, k));
        cairo_save(cr);
        cairo_translate(cr, block_x + (k % block_columns) * batch.width * scale,
                        block_y + (k / block_columns) * batch.height * scale);
        cairo_scale(cr, scale, scale);
        cairo_set_source_surface(cr, picture.get(), 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), scale >= 1 ? CAIRO_FILTER_NEAREST : CAIRO_FILTER_GOOD);
        cairo_rectangle(cr, 0, 0, batch.width, batch.height);
        cairo_fill(cr);
        cairo_restore(cr);
      }
    }
  }
  write_png(png, canvas::to_image(surface.get()));
  return layout;
}

}  // namespace tunegrid
