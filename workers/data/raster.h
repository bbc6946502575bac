// raster.h — the anti-aliased 2-D drawing the builtin worlds paint with: a float RGB
// canvas; polygons (non-zero winding), ellipses and rectangles filled by scanline with
// exact horizontal coverage and 4 sub-rows a pixel (the coverage-accumulation scheme of
// stb_truetype's and libart's rasterizers, simplified); alpha blending; optional
// anti-aliased half-plane clipping; and a Painter that draws in unit coordinates
// ([0,1]², y down) through an affine transform and a colour tint (time of day).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "core/shard.h"

namespace tunegrid::raster {

// Colour channels in 0..255 (float, so tints and blends do not round).
struct Rgb {
  float r = 0, g = 0, b = 0;
};
Rgb mix(Rgb a, Rgb b, float t);  // a + (b - a) t
Rgb scaled(Rgb c, float k);      // c k (brightness)

struct Point {
  float x = 0, y = 0;
};

// A solid colour, or a vertical gradient from `top` at y_top to `bottom` at y_bottom
// (pixel rows, clamped outside).
struct Paint {
  Rgb top, bottom;
  float y_top = 0, y_bottom = 1;
  Paint(Rgb colour) : top(colour), bottom(colour) {}  // NOLINT: a colour is a paint
  static Paint vertical(Rgb top, float y_top, Rgb bottom, float y_bottom);
  Rgb at(float y) const;
};

// Keeps the side where a·x + b·y + c >= 0 (pixel units; (a, b) has unit length), with a
// one-pixel anti-aliased edge.
struct HalfPlane {
  float a = 0, b = 0, c = 0;
  static HalfPlane through(Point from, Point to, Point inside);  // the line from-to, `inside` kept
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = {});
  int width() const { return width_; }
  int height() const { return height_; }

  // Pixel units: pixel (x, y) covers [x, x+1) × [y, y+1).
  void fill_rect(float x0, float y0, float x1, float y1, const Paint& paint, float alpha = 1);
  void fill_polygon(const std::vector<Point>& points, const Paint& paint, float alpha = 1);
  void fill_ellipse(Point center, float rx, float ry, const Paint& paint, float alpha = 1);

  // Every later fill is limited to the intersection of these half-planes (empty: none).
  void set_clip(std::vector<HalfPlane> clip) { clip_ = std::move(clip); }

  Rgb pixel(int x, int y) const;
  ImageBatch to_image() const;  // count 1, rounded and clamped to 0..255

 private:
  template <typename SpanFunction>
  void fill(float y0, float y1, const SpanFunction& spans_at, const Paint& paint, float alpha);
  void accumulate(float x0, float x1, float weight, int& low, int& high);
  float clip_factor(float x, float y) const;

  int width_, height_;
  std::vector<float> rgb_;
  std::vector<float> coverage_;  // one pixel row
  std::vector<std::pair<float, float>> spans_;
  std::vector<std::pair<float, int>> crossings_;
  std::vector<HalfPlane> clip_;
};

// x' = a x + b y + c, y' = d x + e y + f.
struct Affine {
  float a = 1, b = 0, c = 0, d = 0, e = 1, f = 0;
  Point operator()(Point p) const { return {a * p.x + b * p.y + c, d * p.x + e * p.y + f}; }
  Affine then(const Affine& next) const;  // this first, then `next`
  bool axis_aligned() const { return b == 0 && d == 0; }
  float linear_scale() const;  // sqrt(|det|)
  static Affine scale(float sx, float sy);
  static Affine translate(float dx, float dy);
  static Affine rotate(float radians, Point about);
};

// Multiplies then offsets every colour: the light of a time of day.
struct Tint {
  Rgb mul{1, 1, 1}, add{0, 0, 0};
  Rgb operator()(Rgb c) const;
};

// Draws in its own units through `transform` (units -> pixels) with `tint`.
class Painter {
 public:
  Painter(Canvas& canvas, Affine transform, Tint tint = {}) : canvas(canvas), transform(transform), tint(tint) {}

  void polygon(const std::vector<Point>& points, Rgb colour, float alpha = 1);
  // A polygon with a vertical gradient between units y_top and y_bottom.
  void polygon_gradient(const std::vector<Point>& points, Rgb top, float y_top, Rgb bottom, float y_bottom,
                        float alpha = 1);
  void rect(float x0, float y0, float x1, float y1, Rgb colour, float alpha = 1);
  void ellipse(float cx, float cy, float rx, float ry, Rgb colour, float alpha = 1);
  void segment(Point from, Point to, float width, Rgb colour, float alpha = 1);
  void polyline(const std::vector<Point>& points, float width, Rgb colour, float alpha = 1);
  // A clip in units (see Canvas::set_clip); call with {} to clear.
  void clip(const std::vector<std::pair<Point, Point>>& lines, Point inside);
  void clear_clip() { canvas.set_clip({}); }

  Canvas& canvas;
  Affine transform;
  Tint tint;
};

// Samples of a quadratic Bézier curve, `count` >= 2 points including both ends.
std::vector<Point> bezier(Point p0, Point p1, Point p2, int count);

}  // namespace tunegrid::raster
