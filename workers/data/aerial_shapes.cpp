// aerial_shapes.cpp — the small shapes the aerial class painters share (aerial_parts.h).
#include <algorithm>
#include <cmath>

#include "workers/data/aerial_parts.h"

namespace tunegrid::aerial {

namespace {
constexpr float kTwoPi = 6.2831853f;
}

Rgb vary(Rgb colour, Rng& rng, float amount) {
  const float shift = rng.uniform(-amount, amount);
  auto channel = [&](float v) { return std::clamp(v + shift + rng.uniform(-amount, amount) * 0.3f, 0.0f, 255.0f); };
  return {channel(colour.r), channel(colour.g), channel(colour.b)};
}

void background(Painter& p, Rgb colour) { p.rect(-0.5f, -0.5f, 1.5f, 1.5f, colour); }

void speckle(Painter& p, Rng& rng, Rgb colour, int count, float r_low, float r_high, float alpha) {
  for (int i = 0; i < count; ++i) {
    const float r = rng.uniform(r_low, r_high);
    const float x = rng.uniform(-0.35f, 1.35f), y = rng.uniform(-0.35f, 1.35f), ry = r * rng.uniform(0.6f, 1.0f);
    p.ellipse(x, y, r, ry, vary(colour, rng, 14), alpha);
  }
}

void tree(Painter& p, float x, float y, float r, Rgb colour) {
  p.ellipse(x + 0.3f * r, y + 0.3f * r, r, r, {20, 30, 20}, 0.35f);  // shadow
  p.ellipse(x, y, r, r, colour);
  p.ellipse(x - 0.25f * r, y - 0.25f * r, 0.5f * r, 0.5f * r, raster::scaled(colour, 1.25f), 0.7f);
}

Rgb car_colour(Rng& rng) {
  static const Rgb palette[] = {{225, 225, 225}, {40, 40, 44}, {150, 150, 155}, {170, 40, 40},
                                {40, 70, 150},   {200, 200, 205}, {90, 90, 96},  {30, 100, 70}};
  return vary(palette[rng.below(8)], rng, 8);
}

void car(Painter& p, float x, float y, float w, float l, bool vertical, Rgb colour) {
  const float hx = vertical ? w / 2 : l / 2, hy = vertical ? l / 2 : w / 2;
  p.rect(x - hx, y - hy, x + hx, y + hy, colour);
  // windscreen: a darker band across, a third from one end
  if (vertical) p.rect(x - hx, y - hy + 0.25f * l, x + hx, y - hy + 0.4f * l, {40, 48, 60}, 0.8f);
  else p.rect(x - hx + 0.25f * l, y - hy, x - hx + 0.4f * l, y + hy, {40, 48, 60}, 0.8f);
}

void roof(Painter& p, float x0, float y0, float x1, float y1, Rgb colour) {
  p.rect(x0, y0, x1, y1, colour);
  if (x1 - x0 >= y1 - y0) p.rect(x0, (y0 + y1) / 2, x1, y1, raster::scaled(colour, 0.78f));
  else p.rect((x0 + x1) / 2, y0, x1, y1, raster::scaled(colour, 0.78f));
}

void ring(Painter& p, float cx, float cy, float r, float w, Rgb colour, float alpha) {
  constexpr int kSides = 40;
  std::vector<Point> outer, inner;
  for (int i = 0; i <= kSides; ++i) {
    const float a = kTwoPi * i / kSides;
    outer.push_back({cx + (r + w / 2) * std::cos(a), cy + (r + w / 2) * std::sin(a)});
    inner.push_back({cx + (r - w / 2) * std::cos(a), cy + (r - w / 2) * std::sin(a)});
  }
  // outer counter-clockwise, inner the other way: non-zero winding leaves the hole empty
  outer.insert(outer.end(), inner.rbegin(), inner.rend());
  p.polygon(outer, colour, alpha);
}

std::vector<Point> rounded_rect(float x0, float y0, float x1, float y1, float radius) {
  radius = std::min({radius, (x1 - x0) / 2, (y1 - y0) / 2});
  std::vector<Point> points;
  const Point corners[4] = {{x1 - radius, y0 + radius}, {x1 - radius, y1 - radius}, {x0 + radius, y1 - radius},
                            {x0 + radius, y0 + radius}};
  for (int c = 0; c < 4; ++c)
    for (int k = 0; k <= 5; ++k) {
      const float a = kTwoPi * (c - 1) / 4 + kTwoPi / 4 * k / 5;
      points.push_back({corners[c].x + radius * std::cos(a), corners[c].y + radius * std::sin(a)});
    }
  return points;
}

void outline(Painter& p, float x0, float y0, float x1, float y1, float w, Rgb colour) {
  p.rect(x0 - w / 2, y0 - w / 2, x1 + w / 2, y0 + w / 2, colour);
  p.rect(x0 - w / 2, y1 - w / 2, x1 + w / 2, y1 + w / 2, colour);
  p.rect(x0 - w / 2, y0 + w / 2, x0 + w / 2, y1 - w / 2, colour);
  p.rect(x1 - w / 2, y0 + w / 2, x1 + w / 2, y1 - w / 2, colour);
}

}  // namespace tunegrid::aerial
