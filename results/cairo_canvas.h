// cairo_canvas.h — the few Cairo helpers the report's figures share: an RGB image surface
// turned into the store's ImageBatch (and so into a PNG by core/image_io.h), a store image
// as a Cairo surface, an SVG surface captured into a string, and text in one sans-serif
// face (Cairo's toy text API through fontconfig). Cairo: https://www.cairographics.org/
#pragma once
#include <cairo.h>

#include <memory>
#include <string>

#include "core/shard.h"

namespace tunegrid::canvas {

struct SurfaceDeleter {
  void operator()(cairo_surface_t* surface) const { cairo_surface_destroy(surface); }
};
struct ContextDeleter {
  void operator()(cairo_t* context) const { cairo_destroy(context); }
};
using Surface = std::unique_ptr<cairo_surface_t, SurfaceDeleter>;
using Context = std::unique_ptr<cairo_t, ContextDeleter>;

// A white RGB24 image surface; throws StoreError when Cairo cannot make it.
Surface image_surface(int width, int height);
// An SVG surface of `width` × `height` points whose bytes go to `out` (complete after
// cairo_surface_finish).
Surface svg_surface(double width, double height, std::string& out);
Context context_for(cairo_surface_t* surface);

// The pixels of an RGB24 image surface.
ImageBatch to_image(cairo_surface_t* surface);
// Image `index` of `batch` as an RGB24 surface.
Surface from_image(const ImageBatch& batch, int index = 0);

// Text with its left end of the baseline at (x, y); `align` 0 left, 0.5 centre, 1 right;
// `bold` selects the bold face. Returns the text's advance width.
double text(cairo_t* context, const std::string& utf8, double x, double y, double size, double align = 0,
            bool bold = false);
double text_width(cairo_t* context, const std::string& utf8, double size, bool bold = false);

}  // namespace tunegrid::canvas
