// raster.cpp — see raster.h.
#include "workers/data/raster.h"

#include <algorithm>
#include <cmath>

namespace tunegrid::raster {

namespace {
constexpr int kSubRows = 4;  // vertical samples a pixel row; horizontal coverage is exact
}

Rgb mix(Rgb a, Rgb b, float t) { return {a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t}; }
Rgb scaled(Rgb c, float k) { return {c.r * k, c.g * k, c.b * k}; }

Paint Paint::vertical(Rgb top, float y_top, Rgb bottom, float y_bottom) {
  Paint paint(top);
  paint.bottom = bottom;
  paint.y_top = y_top;
  paint.y_bottom = y_bottom;
  return paint;
}

Rgb Paint::at(float y) const {
  if (y_bottom == y_top) return top;
  const float t = std::clamp((y - y_top) / (y_bottom - y_top), 0.0f, 1.0f);
  return mix(top, bottom, t);
}

HalfPlane HalfPlane::through(Point from, Point to, Point inside) {
  float a = -(to.y - from.y), b = to.x - from.x;
  const float length = std::hypot(a, b);
  if (length == 0) return {0, 0, 1};  // degenerate: keeps everything
  a /= length;
  b /= length;
  float c = -(a * from.x + b * from.y);
  if (a * inside.x + b * inside.y + c < 0) {
    a = -a;
    b = -b;
    c = -c;
  }
  return {a, b, c};
}

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), rgb_(static_cast<std::size_t>(width) * height * 3), coverage_(width + 1, 0.0f) {
  for (std::size_t i = 0; i < rgb_.size(); i += 3) {
    rgb_[i] = background.r;
    rgb_[i + 1] = background.g;
    rgb_[i + 2] = background.b;
  }
}

void Canvas::accumulate(float x0, float x1, float weight, int& low, int& high) {
  x0 = std::max(x0, 0.0f);
  x1 = std::min(x1, static_cast<float>(width_));
  if (!(x1 > x0)) return;
  const int i0 = static_cast<int>(x0);
  const int i1 = std::min(static_cast<int>(x1), width_ - 1);
  low = std::min(low, i0);
  high = std::max(high, i1);
  if (i0 == i1) {
    coverage_[i0] += (x1 - x0) * weight;
    return;
  }
  coverage_[i0] += (i0 + 1 - x0) * weight;
  for (int i = i0 + 1; i < i1; ++i) coverage_[i] += weight;
  coverage_[i1] += std::min(x1 - i1, 1.0f) * weight;
}

float Canvas::clip_factor(float x, float y) const {
  float factor = 1;
  for (const auto& plane : clip_) factor *= std::clamp(plane.a * x + plane.b * y + plane.c + 0.5f, 0.0f, 1.0f);
  return factor;
}

template <typename SpanFunction>
void Canvas::fill(float y0, float y1, const SpanFunction& spans_at, const Paint& paint, float alpha) {
  if (alpha <= 0 || !(y1 > y0)) return;
  const int row0 = std::max(0, static_cast<int>(std::floor(y0)));
  const int row1 = std::min(height_ - 1, static_cast<int>(std::ceil(y1)) - 1);
  for (int row = row0; row <= row1; ++row) {
    int low = width_, high = -1;
    for (int k = 0; k < kSubRows; ++k) {
      const float y = row + (k + 0.5f) / kSubRows;
      if (y < y0 || y >= y1) continue;
      spans_.clear();
      spans_at(y, spans_);
      for (const auto& [x0, x1] : spans_) accumulate(x0, x1, 1.0f / kSubRows, low, high);
    }
    if (high < low) continue;
    const Rgb colour = paint.at(row + 0.5f);
    float* px = &rgb_[(static_cast<std::size_t>(row) * width_ + low) * 3];
    for (int x = low; x <= high; ++x, px += 3) {
      float a = std::min(coverage_[x], 1.0f) * alpha;
      coverage_[x] = 0;
      if (!clip_.empty() && a > 0) a *= clip_factor(x + 0.5f, row + 0.5f);
      if (a <= 0) continue;
      px[0] += (colour.r - px[0]) * a;
      px[1] += (colour.g - px[1]) * a;
      px[2] += (colour.b - px[2]) * a;
    }
  }
}

void Canvas::fill_rect(float x0, float y0, float x1, float y1, const Paint& paint, float alpha) {
  if (x1 < x0) std::swap(x0, x1);
  if (y1 < y0) std::swap(y0, y1);
  fill(y0, y1, [&](float, std::vector<std::pair<float, float>>& spans) { spans.emplace_back(x0, x1); }, paint, alpha);
}

void Canvas::fill_ellipse(Point center, float rx, float ry, const Paint& paint, float alpha) {
  if (rx <= 0 || ry <= 0) return;
  fill(
      center.y - ry, center.y + ry,
      [&](float y, std::vector<std::pair<float, float>>& spans) {
        const float dy = (y - center.y) / ry;
        const float q = 1 - dy * dy;
        if (q <= 0) return;
        const float half = rx * std::sqrt(q);
        spans.emplace_back(center.x - half, center.x + half);
      },
      paint, alpha);
}

void Canvas::fill_polygon(const std::vector<Point>& points, const Paint& paint, float alpha) {
  if (points.size() < 3) return;
  float y0 = points[0].y, y1 = points[0].y;
  for (const auto& p : points) {
    y0 = std::min(y0, p.y);
    y1 = std::max(y1, p.y);
  }
  const std::size_t n = points.size();
  fill(
      y0, y1,
      [&](float y, std::vector<std::pair<float, float>>& spans) {
        crossings_.clear();
        for (std::size_t i = 0; i < n; ++i) {
          const Point& p = points[i];
          const Point& q = points[(i + 1) % n];
          if (p.y == q.y) continue;
          const bool down = q.y > p.y;
          const float top = down ? p.y : q.y, bottom = down ? q.y : p.y;
          if (y < top || y >= bottom) continue;
          const float x = p.x + (y - p.y) * (q.x - p.x) / (q.y - p.y);
          crossings_.emplace_back(x, down ? 1 : -1);
        }
        std::sort(crossings_.begin(), crossings_.end());
        int winding = 0;
        float start = 0;
        for (const auto& [x, direction] : crossings_) {
          const int before = winding;
          winding += direction;
          if (before == 0 && winding != 0) start = x;
          if (before != 0 && winding == 0) spans.emplace_back(start, x);
        }
      },
      paint, alpha);
}

Rgb Canvas::pixel(int x, int y) const {
  const float* px = &rgb_[(static_cast<std::size_t>(y) * width_ + x) * 3];
  return {px[0], px[1], px[2]};
}

ImageBatch Canvas::to_image() const {
  ImageBatch image;
  image.count = 1;
  image.height = height_;
  image.width = width_;
  image.pixels.resize(rgb_.size());
  for (std::size_t i = 0; i < rgb_.size(); ++i)
    image.pixels[i] = static_cast<std::uint8_t>(std::clamp(std::lround(rgb_[i]), 0L, 255L));
  return image;
}

Affine Affine::then(const Affine& n) const {
  return {n.a * a + n.b * d, n.a * b + n.b * e, n.a * c + n.b * f + n.c,
          n.d * a + n.e * d, n.d * b + n.e * e, n.d * c + n.e * f + n.f};
}
float Affine::linear_scale() const { return std::sqrt(std::fabs(a * e - b * d)); }
Affine Affine::scale(float sx, float sy) { return {sx, 0, 0, 0, sy, 0}; }
Affine Affine::translate(float dx, float dy) { return {1, 0, dx, 0, 1, dy}; }
Affine Affine::rotate(float radians, Point about) {
  const float c = std::cos(radians), s = std::sin(radians);
  // p' = R (p - about) + about
  return {c, -s, about.x - c * about.x + s * about.y, s, c, about.y - s * about.x - c * about.y};
}

Rgb Tint::operator()(Rgb c) const {
  return {c.r * mul.r + add.r, c.g * mul.g + add.g, c.b * mul.b + add.b};
}

void Painter::polygon(const std::vector<Point>& points, Rgb colour, float alpha) {
  std::vector<Point> mapped(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) mapped[i] = transform(points[i]);
  canvas.fill_polygon(mapped, tint(colour), alpha);
}

void Painter::polygon_gradient(const std::vector<Point>& points, Rgb top, float y_top, Rgb bottom, float y_bottom,
                               float alpha) {
  std::vector<Point> mapped(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) mapped[i] = transform(points[i]);
  const float py_top = transform.d * 0.5f + transform.e * y_top + transform.f;  // rows at mid-width
  const float py_bottom = transform.d * 0.5f + transform.e * y_bottom + transform.f;
  canvas.fill_polygon(mapped, Paint::vertical(tint(top), py_top, tint(bottom), py_bottom), alpha);
}

void Painter::rect(float x0, float y0, float x1, float y1, Rgb colour, float alpha) {
  if (transform.axis_aligned()) {
    const Point p = transform({x0, y0}), q = transform({x1, y1});
    canvas.fill_rect(p.x, p.y, q.x, q.y, tint(colour), alpha);
    return;
  }
  polygon({{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, colour, alpha);
}

void Painter::ellipse(float cx, float cy, float rx, float ry, Rgb colour, float alpha) {
  if (transform.axis_aligned()) {
    const Point c = transform({cx, cy});
    canvas.fill_ellipse(c, rx * std::fabs(transform.a), ry * std::fabs(transform.e), tint(colour), alpha);
    return;
  }
  constexpr int kSides = 24;
  std::vector<Point> points(kSides);
  for (int i = 0; i < kSides; ++i) {
    const float angle = 6.2831853f * i / kSides;
    points[i] = {cx + rx * std::cos(angle), cy + ry * std::sin(angle)};
  }
  polygon(points, colour, alpha);
}

void Painter::segment(Point from, Point to, float width, Rgb colour, float alpha) {
  const float dx = to.x - from.x, dy = to.y - from.y;
  const float length = std::hypot(dx, dy);
  if (length == 0) return;
  const float nx = -dy / length * width / 2, ny = dx / length * width / 2;
  polygon({{from.x + nx, from.y + ny}, {to.x + nx, to.y + ny}, {to.x - nx, to.y - ny}, {from.x - nx, from.y - ny}},
          colour, alpha);
}

void Painter::polyline(const std::vector<Point>& points, float width, Rgb colour, float alpha) {
  if (points.size() < 2) return;
  // One outline polygon (left side forward, right side back) so that alpha < 1 does not
  // double-blend at the joints; joints use averaged normals.
  std::vector<Point> left, right;
  const std::size_t n = points.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Point& prev = points[i == 0 ? 0 : i - 1];
    const Point& next = points[i + 1 == n ? n - 1 : i + 1];
    float dx = next.x - prev.x, dy = next.y - prev.y;
    const float length = std::hypot(dx, dy);
    if (length == 0) continue;
    dx /= length;
    dy /= length;
    left.push_back({points[i].x - dy * width / 2, points[i].y + dx * width / 2});
    right.push_back({points[i].x + dy * width / 2, points[i].y - dx * width / 2});
  }
  left.insert(left.end(), right.rbegin(), right.rend());
  polygon(left, colour, alpha);
}

void Painter::clip(const std::vector<std::pair<Point, Point>>& lines, Point inside) {
  std::vector<HalfPlane> planes;
  for (const auto& [from, to] : lines) planes.push_back(HalfPlane::through(transform(from), transform(to), transform(inside)));
  canvas.set_clip(std::move(planes));
}

std::vector<Point> bezier(Point p0, Point p1, Point p2, int count) {
  std::vector<Point> points(count);
  for (int i = 0; i < count; ++i) {
    const float t = static_cast<float>(i) / (count - 1), u = 1 - t;
    points[i] = {u * u * p0.x + 2 * u * t * p1.x + t * t * p2.x, u * u * p0.y + 2 * u * t * p1.y + t * t * p2.y};
  }
  return points;
}

}  // namespace tunegrid::raster
