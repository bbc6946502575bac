// scene_buildings.cpp — the five building styles of the scene world, each drawn large
// (40–70 % of the image width) with its traits from scene_world.h as strong colour and
// shape signatures that survive at 32 px:
//   hanok     wide dark-grey roof, concave slopes, upturned eave tips; white walls; brown posts
//   chinese   red walls and pillars, teal bracket bands, two-tier gold or green roof
//   japanese  dark wood, two storeys, skirt roof, steep straight charcoal roof, green shrubs
//   western   brick walls, white-framed windows, triangular blue-grey slate gable roof, chimney
//   apartment tall grey block, regular window grid, flat roof
#include <algorithm>
#include <cmath>

#include "workers/data/scene_parts.h"

namespace tunegrid::scene {

namespace {

constexpr float kHalfPi = 1.5707963f;

void lit_or(const SceneFrame& frame, Painter& painter, float x0, float y0, float x1, float y1, Rgb day, float alpha = 1) {
  if (frame.night && frame.lights) frame.lights->rect(x0, y0, x1, y1, kLitWindow, 0.95f);
  else painter.rect(x0, y0, x1, y1, day, alpha);
}

// Evenly spaced posts of width `w` whose outer edges touch x0 and x1.
void posts(Painter& p, int count, float x0, float x1, float y0, float y1, float w, Rgb colour) {
  for (int i = 0; i < count; ++i) {
    const float x = x0 + w / 2 + i * (x1 - x0 - w) / (count - 1);
    p.rect(x - w / 2, y0, x + w / 2, y1, colour);
  }
}

// A curved East Asian roof seen from the front: the eave (bottom edge) rises towards the
// tips by `lift` (sharpness `power`), the slopes sag between the ridge (|x| <= ridge_half)
// and the tips. Draws the roof and returns its upper edge (left to right).
std::vector<Point> curved_roof(Painter& p, float cx, float eave_y, float tip, float ridge_half, float height,
                               float lift, float power, Rgb colour, float u) {
  constexpr int kSamples = 14;
  const float ridge_y = eave_y - height, tip_top = eave_y - lift - 0.02f * u;
  std::vector<Point> outline, top;
  for (int i = 0; i <= kSamples; ++i) {
    const float t = -1 + 2.0f * i / kSamples;
    outline.push_back({cx + t * tip, eave_y + 0.006f * u - lift * std::pow(std::fabs(t), power)});
  }
  for (int i = 0; i <= kSamples; ++i) {
    const float t = -1 + 2.0f * i / kSamples, a = std::fabs(t) * tip;
    float y = ridge_y;
    if (a > ridge_half) {
      const float s = (a - ridge_half) / (tip - ridge_half);
      y = ridge_y + (tip_top - ridge_y) * std::sin(s * kHalfPi);
    }
    top.push_back({cx + t * tip, y});
  }
  outline.insert(outline.end(), top.rbegin(), top.rend());
  p.polygon(outline, colour);
  return top;
}

// A ridge beam with upturned ornaments at both ends.
void ridge(Painter& p, float cx, float y, float half, Rgb colour, float u) {
  p.rect(cx - half, y - 0.017f * u, cx + half, y + 0.007f * u, colour);
  for (float side : {-1.0f, 1.0f}) {
    p.polygon({{cx + side * (half - 0.01f * u), y - 0.017f * u},
               {cx + side * (half + 0.03f * u), y - 0.042f * u},
               {cx + side * (half + 0.012f * u), y + 0.007f * u}},
              colour);
  }
}

BuildingBox hanok(Painter& p, const SceneFrame& f, Rng& rng) {
  const float u = f.size, cx = f.cx, gy = f.base;
  const float w = 0.50f * u, x0 = cx - w / 2, x1 = cx + w / 2;
  const Rgb stone = jitter({162, 160, 152}, rng, 10, 3), wall = jitter({238, 235, 226}, rng, 6, 2);
  const Rgb wood = jitter({108, 72, 46}, rng, 12, 4), roof = jitter({70, 73, 80}, rng, 10, 3);
  const float plat = 0.035f * u, wall_h = rng.uniform(0.14f, 0.16f) * u, roof_h = rng.uniform(0.14f, 0.16f) * u;
  p.rect(x0 - 0.03f * u, gy - plat, x1 + 0.03f * u, gy, stone);
  const float wall_top = gy - plat - wall_h;
  p.rect(x0, wall_top, x1, gy - plat, wall);
  const int count = rng.between(4, 5);
  const float post_w = 0.028f * u;
  if (f.night && f.lights)
    for (int i = 0; i + 1 < count; ++i) {
      const float a = x0 + post_w + i * (w - post_w) / (count - 1), b = x0 + (i + 1) * (w - post_w) / (count - 1);
      f.lights->rect(a + 0.01f * u, wall_top + 0.045f * u, b - 0.01f * u, gy - plat - 0.015f * u, kLitWindow, 0.95f);
    }
  posts(p, count, x0, x1, wall_top, gy - plat, post_w, wood);
  p.rect(x0, wall_top, x1, wall_top + 0.026f * u, wood);  // beam
  const float eave = wall_top + 0.012f * u, tip = w / 2 + 0.085f * u, ridge_half = 0.27f * w;
  auto top = curved_roof(p, cx, eave, tip, ridge_half, roof_h, 0.055f * u, 4.0f, roof, u);
  ridge(p, cx, eave - roof_h, ridge_half, scaled(roof, 0.7f), u);
  if (f.snow) snow_cap(p, top, 0.03f * u);
  return {cx - tip, cx + tip, eave - roof_h - 0.04f * u, gy, wall, roof};
}

BuildingBox chinese(Painter& p, const SceneFrame& f, Rng& rng) {
  const float u = f.size, cx = f.cx, gy = f.base;
  const float w = 0.56f * u, x0 = cx - w / 2, x1 = cx + w / 2;
  const Rgb marble = jitter({224, 220, 210}, rng, 8, 2), red = jitter({186, 36, 32}, rng, 14, 4);
  const Rgb pillar = scaled(red, 0.74f), teal = jitter({38, 100, 104}, rng, 8, 4);
  const Rgb roof = rng.chance(0.5) ? jitter({204, 154, 44}, rng, 10, 4) : jitter({44, 128, 76}, rng, 10, 4);
  const float plat = 0.045f * u;
  p.rect(x0 - 0.05f * u, gy - plat, x1 + 0.05f * u, gy, marble);
  p.rect(cx - 0.08f * u, gy - plat, cx + 0.08f * u, gy, scaled(marble, 0.86f));  // steps
  const float wall1 = gy - plat - 0.15f * u * rng.uniform(0.95f, 1.05f);
  p.rect(x0, wall1, x1, gy - plat, red);
  posts(p, 6, x0, x1, wall1, gy - plat, 0.024f * u, pillar);
  lit_or(f, p, cx - 0.055f * u, wall1 + 0.04f * u, cx + 0.055f * u, gy - plat, scaled(red, 0.62f));
  p.rect(x0 - 0.01f * u, wall1 - 0.02f * u, x1 + 0.01f * u, wall1, teal);
  // Lower tier: wide, low, sharply upturned corners.
  const float eave1 = wall1 - 0.012f * u, tip1 = w / 2 + 0.085f * u, h1 = 0.085f * u;
  auto top1 = curved_roof(p, cx, eave1, tip1, 0.36f * w, h1, 0.05f * u, 6.0f, roof, u);
  // Upper storey and tier.
  const float w2 = 0.6f * w, wall2 = eave1 - h1 - 0.075f * u;
  p.rect(cx - w2 / 2, wall2, cx + w2 / 2, eave1 - h1 + 0.01f * u, red);
  posts(p, 4, cx - w2 / 2, cx + w2 / 2, wall2, eave1 - h1 + 0.01f * u, 0.022f * u, pillar);
  p.rect(cx - w2 / 2 - 0.01f * u, wall2 - 0.018f * u, cx + w2 / 2 + 0.01f * u, wall2, teal);
  const float eave2 = wall2 - 0.01f * u, tip2 = w2 / 2 + 0.09f * u, h2 = 0.12f * u * rng.uniform(0.93f, 1.07f);
  auto top2 = curved_roof(p, cx, eave2, tip2, 0.3f * w2, h2, 0.055f * u, 6.0f, roof, u);
  ridge(p, cx, eave2 - h2, 0.3f * w2, scaled(roof, 0.72f), u);
  if (f.snow) {
    snow_cap(p, top1, 0.028f * u);
    snow_cap(p, top2, 0.03f * u);
  }
  return {cx - tip1, cx + tip1, eave2 - h2 - 0.04f * u, gy, red, roof};
}

BuildingBox japanese(Painter& p, const SceneFrame& f, Rng& rng) {
  const float u = f.size, cx = f.cx, gy = f.base;
  const float w = 0.46f * u, x0 = cx - w / 2, x1 = cx + w / 2;
  const Rgb wood = jitter({88, 58, 38}, rng, 10, 4), frame = scaled(wood, 0.66f);
  const Rgb shoji = jitter({196, 186, 156}, rng, 8, 3), roof = jitter({54, 52, 56}, rng, 8, 2);
  const Rgb stone = jitter({135, 132, 125}, rng, 8, 3);
  p.rect(x0 - 0.012f * u, gy - 0.022f * u, x1 + 0.012f * u, gy, stone);
  const float floor1 = gy - 0.022f * u - 0.15f * u * rng.uniform(0.95f, 1.05f);
  p.rect(x0, floor1, x1, gy - 0.022f * u, wood);
  posts(p, 4, x0, x1, floor1, gy - 0.022f * u, 0.016f * u, frame);
  lit_or(f, p, x0 + 0.05f * u, floor1 + 0.045f * u, cx - 0.03f * u, floor1 + 0.1f * u, shoji);
  lit_or(f, p, cx + 0.03f * u, floor1 + 0.045f * u, x1 - 0.05f * u, floor1 + 0.1f * u, shoji);
  const float w2 = 0.76f * w, floor2 = floor1 - 0.02f * u - 0.1f * u;
  p.rect(cx - w2 / 2, floor2, cx + w2 / 2, floor1, wood);
  lit_or(f, p, cx - 0.3f * w2, floor2 + 0.035f * u, cx + 0.3f * w2, floor2 + 0.075f * u, shoji);
  // Skirt roof between the storeys: straight, sloped.
  const std::vector<Point> skirt{{x0 - 0.055f * u, floor1 + 0.035f * u}, {x0 + 0.02f * u, floor1 - 0.02f * u},
                                 {x1 - 0.02f * u, floor1 - 0.02f * u}, {x1 + 0.055f * u, floor1 + 0.035f * u}};
  p.polygon(skirt, roof);
  // Top roof: steep and straight.
  const float eave = floor2 + 0.03f * u, eave_half = w2 / 2 + 0.065f * u, ridge_half = 0.07f * u;
  const float ridge_y = floor2 - 0.17f * u * rng.uniform(0.95f, 1.08f);
  const std::vector<Point> top{{cx - eave_half, eave}, {cx - ridge_half, ridge_y}, {cx + ridge_half, ridge_y}, {cx + eave_half, eave}};
  p.polygon(top, roof);
  p.rect(cx - ridge_half - 0.012f * u, ridge_y - 0.014f * u, cx + ridge_half + 0.012f * u, ridge_y + 0.006f * u,
         scaled(roof, 0.7f));
  if (f.snow) {
    snow_cap(p, skirt, 0.022f * u);
    snow_cap(p, top, 0.03f * u);
  }
  // Garden shrubs at the corners.
  const int shrubs = rng.between(2, 4);
  for (int i = 0; i < shrubs; ++i) {
    const float side = i % 2 ? 1.0f : -1.0f;
    const float x = cx + side * (w / 2 + rng.uniform(-0.03f, 0.04f) * u), y = gy - rng.uniform(0.015f, 0.035f) * u;
    const float rx = rng.uniform(0.05f, 0.075f) * u, ry = rng.uniform(0.04f, 0.055f) * u;
    const Rgb green = jitter({48, 108, 52}, rng, 10, 5);
    p.ellipse(x, y, rx, ry, green);
    p.ellipse(x - 0.2f * rx, y - 0.3f * ry, 0.55f * rx, 0.5f * ry, f.snow ? kSnowWhite : scaled(green, 1.25f), 0.9f);
  }
  return {cx - eave_half - 0.03f * u, cx + eave_half + 0.03f * u, ridge_y - 0.03f * u, gy, wood, roof};
}

BuildingBox western(Painter& p, const SceneFrame& f, Rng& rng) {
  const float u = f.size, cx = f.cx, gy = f.base;
  const float w = 0.46f * u, x0 = cx - w / 2, x1 = cx + w / 2;
  const Rgb brick = jitter({170, 82, 60}, rng, 12, 4), trim = jitter({236, 234, 228}, rng, 5, 2);
  // Blue-grey slate: a dark brown or grey gable was drawn like the japanese charcoal roof
  // and a terracotta one merged with the flames (world versions 3 and 4, docs/builtin-world.md).
  const Rgb roof = jitter({76, 100, 150}, rng, 10, 4);
  const Rgb glass{140, 176, 206}, door{92, 58, 38};
  const float wall_top = gy - 0.23f * u * rng.uniform(0.95f, 1.05f);
  p.rect(x0, wall_top, x1, gy, brick);
  for (int i = 1; i <= 4; ++i) {  // mortar courses
    const float y = wall_top + i * (gy - wall_top) / 5;
    p.rect(x0, y - 0.003f * u, x1, y + 0.003f * u, scaled(brick, 0.78f), 0.5f);
  }
  for (float side : {-1.0f, 1.0f}) {
    const float wx = cx + side * 0.13f * u, wy = wall_top + 0.085f * u;
    p.rect(wx - 0.052f * u, wy - 0.052f * u, wx + 0.052f * u, wy + 0.052f * u, trim);
    lit_or(f, p, wx - 0.038f * u, wy - 0.038f * u, wx + 0.038f * u, wy + 0.038f * u, glass);
    p.rect(wx - 0.006f * u, wy - 0.038f * u, wx + 0.006f * u, wy + 0.038f * u, trim);
  }
  p.rect(cx - 0.048f * u, gy - 0.14f * u, cx + 0.048f * u, gy, trim);
  p.rect(cx - 0.036f * u, gy - 0.128f * u, cx + 0.036f * u, gy, door);
  const float chimney_x = cx + rng.sign() * 0.12f * u;
  p.rect(chimney_x - 0.028f * u, wall_top - 0.22f * u, chimney_x + 0.028f * u, wall_top, brick);
  p.rect(chimney_x - 0.035f * u, wall_top - 0.235f * u, chimney_x + 0.035f * u, wall_top - 0.21f * u, scaled(brick, 0.7f));
  const float apex = wall_top - 0.24f * u * rng.uniform(0.95f, 1.05f), eave = 0.045f * u;
  const std::vector<Point> gable{{x0 - eave, wall_top + 0.012f * u}, {cx, apex}, {x1 + eave, wall_top + 0.012f * u}};
  p.polygon(gable, roof);
  p.ellipse(cx, wall_top - 0.065f * u, 0.027f * u, 0.027f * u, trim);
  if (f.night && f.lights) f.lights->ellipse(cx, wall_top - 0.065f * u, 0.018f * u, 0.018f * u, kLitWindow);
  else p.ellipse(cx, wall_top - 0.065f * u, 0.018f * u, 0.018f * u, glass);
  if (f.snow) {
    snow_cap(p, gable, 0.03f * u);
    snow_cap(p, {{chimney_x - 0.035f * u, wall_top - 0.235f * u}, {chimney_x + 0.035f * u, wall_top - 0.235f * u}}, 0.015f * u);
  }
  return {x0 - eave, x1 + eave, apex, gy, brick, roof};
}

BuildingBox apartment(Painter& p, const SceneFrame& f, Rng& rng) {
  const float u = f.size, cx = f.cx, gy = f.base;
  const float w = 0.38f * u * rng.uniform(0.95f, 1.05f), x0 = cx - w / 2, x1 = cx + w / 2;
  const float top = std::max(0.09f, gy - 0.64f * u * rng.uniform(0.95f, 1.05f));
  const Rgb concrete = jitter({154, 156, 162}, rng, 12, 3), window{58, 72, 94}, dark{34, 38, 50};
  p.rect(x0, top, x1, gy, concrete);
  p.rect(x1 - 0.05f * u, top, x1, gy, scaled(concrete, 0.8f));  // the side in shade
  const int columns = 4, rows = rng.between(7, 9);
  const float margin = 0.035f * u, ground = 0.09f * u;
  const float cell_w = (w - 2 * margin) / columns, cell_h = (gy - top - ground - margin) / rows;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < columns; ++c) {
      const float wx = x0 + margin + (c + 0.2f) * cell_w, wy = top + margin + (r + 0.2f) * cell_h;
      const float ww = 0.6f * cell_w, wh = 0.58f * cell_h;
      if (f.night && f.lights && rng.chance(0.65)) f.lights->rect(wx, wy, wx + ww, wy + wh, kLitWindow, 0.95f);
      else p.rect(wx, wy, wx + ww, wy + wh, f.night ? dark : window);
    }
  lit_or(f, p, cx - 0.04f * u, gy - 0.07f * u, cx + 0.04f * u, gy, {70, 75, 85});
  p.rect(x0 - 0.008f * u, top - 0.018f * u, x1 + 0.008f * u, top + 0.008f * u, scaled(concrete, 0.72f));
  if (f.snow) snow_cap(p, {{x0 - 0.008f * u, top - 0.018f * u}, {x1 + 0.008f * u, top - 0.018f * u}}, 0.022f * u);
  return {x0, x1, top - 0.02f * u, gy, concrete, scaled(concrete, 0.72f)};
}

}  // namespace

Rgb jitter(Rgb colour, Rng& rng, float brightness, float channel) {
  const float shift = rng.uniform(-brightness, brightness);
  const float r = colour.r + shift + rng.uniform(-channel, channel);
  const float g = colour.g + shift + rng.uniform(-channel, channel);
  const float b = colour.b + shift + rng.uniform(-channel, channel);
  return {std::clamp(r, 0.0f, 255.0f), std::clamp(g, 0.0f, 255.0f), std::clamp(b, 0.0f, 255.0f)};
}

void snow_cap(Painter& painter, const std::vector<Point>& top_edge, float thickness) {
  std::vector<Point> outline;
  for (const auto& p : top_edge) outline.push_back({p.x, p.y - 0.25f * thickness});
  for (auto it = top_edge.rbegin(); it != top_edge.rend(); ++it) outline.push_back({it->x, it->y + thickness});
  painter.polygon(outline, kSnowWhite);
}

BuildingBox draw_building(Painter& painter, const SceneFrame& frame, Rng& rng) {
  switch (frame.labels.style) {
    case SceneStyle::hanok: return hanok(painter, frame, rng);
    case SceneStyle::chinese: return chinese(painter, frame, rng);
    case SceneStyle::japanese: return japanese(painter, frame, rng);
    case SceneStyle::western: return western(painter, frame, rng);
    case SceneStyle::apartment: return apartment(painter, frame, rng);
    case SceneStyle::none: break;
  }
  const float u = frame.size;
  return {frame.cx - 0.2f * u, frame.cx + 0.2f * u, frame.base - 0.16f * u, frame.base, {150, 130, 105}, {110, 100, 90}};
}

}  // namespace tunegrid::scene
