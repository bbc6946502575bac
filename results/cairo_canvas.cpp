// cairo_canvas.cpp — see cairo_canvas.h.
#include "results/cairo_canvas.h"

#include <cairo-svg.h>

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

#include "core/errors.h"

namespace tunegrid::canvas {

namespace {
void check(cairo_surface_t* surface, const char* what) {
  if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS)
    throw StoreError(fmt::format("cairo: cannot create {}: {}", what, cairo_status_to_string(cairo_surface_status(surface))));
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void select_font(cairo_t* context, double size, bool bold) {
  cairo_select_font_face(context, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(context, size);
}
}  // namespace

Surface image_surface(int width, int height) {
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height));
  check(surface.get(), fmt::format("a {}x{} image", width, height).c_str());
  Context context = context_for(surface.get());
  cairo_set_source_rgb(context.get(), 1, 1, 1);
  cairo_paint(context.get());
  return surface;
}

Surface svg_surface(double width, double height, std::string& out) {
  Surface surface(cairo_svg_surface_create_for_stream(append, &out, width, height));
  check(surface.get(), "an SVG surface");
  return surface;
}

Context context_for(cairo_surface_t* surface) {
  Context context(cairo_create(surface));
  if (cairo_status(context.get()) != CAIRO_STATUS_SUCCESS) throw StoreError("cairo: cannot create a drawing context");
  return context;
}

ImageBatch to_image(cairo_surface_t* surface) {
  cairo_surface_flush(surface);
  ImageBatch image;
  image.count = 1;
  image.width = cairo_image_surface_get_width(surface);
  image.height = cairo_image_surface_get_height(surface);
  const int stride = cairo_image_surface_get_stride(surface);
  const unsigned char* data = cairo_image_surface_get_data(surface);
  image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 3);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      std::uint32_t pixel;
      std::memcpy(&pixel, data + static_cast<std::size_t>(y) * stride + x * 4, 4);
      std::uint8_t* out = image.pixels.data() + (static_cast<std::size_t>(y) * image.width + x) * 3;
      out[0] = (pixel >> 16) & 0xff;
      out[1] = (pixel >> 8) & 0xff;
      out[2] = pixel & 0xff;
    }
  return image;
}

Surface from_image(const ImageBatch& batch, int index) {
  Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, batch.width, batch.height));
  check(surface.get(), "an image");
  cairo_surface_flush(surface.get());
  const int stride = cairo_image_surface_get_stride(surface.get());
  unsigned char* data = cairo_image_surface_get_data(surface.get());
  const std::uint8_t* first = batch.pixels.data() + static_cast<std::size_t>(index) * batch.height * batch.width * 3;
  for (int y = 0; y < batch.height; ++y)
    for (int x = 0; x < batch.width; ++x) {
      const std::uint8_t* in = first + (static_cast<std::size_t>(y) * batch.width + x) * 3;
      const std::uint32_t pixel = 0xff000000u | (std::uint32_t(in[0]) << 16) | (std::uint32_t(in[1]) << 8) | in[2];
      std::memcpy(data + static_cast<std::size_t>(y) * stride + x * 4, &pixel, 4);
    }
  cairo_surface_mark_dirty(surface.get());
  return surface;
}

double text_width(cairo_t* context, const std::string& utf8, double size, bool bold) {
  select_font(context, size, bold);
  cairo_text_extents_t extents;
  cairo_text_extents(context, utf8.c_str(), &extents);
  return extents.x_advance;
}

double text(cairo_t* context, const std::string& utf8, double x, double y, double size, double align, bool bold) {
  const double width = text_width(context, utf8, size, bold);
  cairo_move_to(context, x - align * width, y);
  cairo_show_text(context, utf8.c_str());
  cairo_new_path(context);
  return width;
}

}  // namespace tunegrid::canvas
