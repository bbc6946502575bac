// aerial_land.cpp — the aerial classes about land cover and sport: baseball field,
// basketball court, beach, cemetery, chaparral, christmas tree farm, football field,
// forest, golf course, river, tennis court (aerial_parts.h).
#include <cmath>

#include "workers/data/aerial_parts.h"

namespace tunegrid::aerial {

namespace {
constexpr float kPi = 3.14159265f;

std::vector<Point> arc_points(float cx, float cy, float r, float from, float to, int count) {
  std::vector<Point> points;
  for (int k = 0; k <= count; ++k) {
    const float a = from + (to - from) * k / count;
    points.push_back({cx + r * std::cos(a), cy + r * std::sin(a)});
  }
  return points;
}

// A stadium (rectangle with semicircular ends) centred on (cx, cy), long along x.
std::vector<Point> stadium(float cx, float cy, float straight, float r) {
  auto right = arc_points(cx + straight / 2, cy, r, -kPi / 2, kPi / 2, 16);
  auto left = arc_points(cx - straight / 2, cy, r, kPi / 2, 3 * kPi / 2, 16);
  right.insert(right.end(), left.begin(), left.end());
  return right;
}
}  // namespace

void baseball_field(Painter& p, Rng& rng) {
  const Rgb grass = vary({86, 140, 64}, rng, 8);
  background(p, grass);
  for (float x = -0.5f; x < 1.5f; x += 0.12f) p.rect(x, -0.5f, x + 0.06f, 1.5f, raster::scaled(grass, 1.08f));
  const Point home{0.22f + rng.uniform(-0.05f, 0.05f), 0.78f + rng.uniform(-0.05f, 0.05f)};
  const float d = rng.uniform(0.26f, 0.32f), reach = 1.75f * d;
  const Rgb dirt = vary({178, 128, 84}, rng, 8);
  auto fan = arc_points(home.x, home.y, reach, -kPi / 2, 0, 16);
  fan.insert(fan.begin(), home);
  p.polygon(fan, dirt);
  p.rect(home.x + 0.03f, home.y - d + 0.03f, home.x + d - 0.03f, home.y - 0.03f, grass);  // infield grass
  p.ellipse(home.x + d / 2, home.y - d / 2, 0.03f, 0.03f, dirt);                            // mound
  p.ellipse(home.x, home.y, 0.05f, 0.05f, dirt);
  p.segment(home, {home.x + 1.2f, home.y}, 0.008f, kWhite);
  p.segment(home, {home.x, home.y - 1.2f}, 0.008f, kWhite);
  for (const Point& b : {Point{home.x + d, home.y}, Point{home.x + d, home.y - d}, Point{home.x, home.y - d}})
    p.rect(b.x - 0.012f, b.y - 0.012f, b.x + 0.012f, b.y + 0.012f, kWhite);
}

void basketball_court(Painter& p, Rng& rng) {
  background(p, vary(rng.chance(0.5) ? Rgb{124, 126, 120} : kGrass, rng, 10));
  static const Rgb surfaces[] = {{200, 156, 100}, {56, 108, 160}, {150, 58, 58}};  // wood, blue, maroon
  const Rgb court = vary(surfaces[rng.below(3)], rng, 8);
  const float hw = rng.uniform(0.36f, 0.42f), hh = hw * 15 / 28, cx = 0.5f, cy = 0.5f;
  p.rect(cx - hw - 0.05f, cy - hh - 0.05f, cx + hw + 0.05f, cy + hh + 0.05f, raster::scaled(court, 0.78f));
  p.rect(cx - hw, cy - hh, cx + hw, cy + hh, court);
  const float lw = 0.01f;
  outline(p, cx - hw, cy - hh, cx + hw, cy + hh, lw, kWhite);
  p.rect(cx - lw / 2, cy - hh, cx + lw / 2, cy + hh, kWhite);
  ring(p, cx, cy, 0.065f, lw, kWhite);
  for (float side : {-1.0f, 1.0f}) {
    const float end = cx + side * hw, key = end - side * 0.2f;
    outline(p, std::fmin(end, key), cy - 0.07f, std::fmax(end, key), cy + 0.07f, lw, kWhite);
    const float basket = end - side * 0.05f;
    p.polyline(arc_points(basket, cy, 0.24f, side > 0 ? kPi / 2 : -kPi / 2, side > 0 ? 3 * kPi / 2 : kPi / 2, 20), lw, kWhite);
  }
}

void beach(Painter& p, Rng& rng) {
  background(p, vary({222, 206, 164}, rng, 8));
  speckle(p, rng, {206, 190, 150}, 20, 0.02f, 0.06f, 0.4f);
  const float shore = rng.uniform(0.38f, 0.55f), phase = rng.uniform(0, 2 * kPi);
  std::vector<Point> edge;
  for (int k = 0; k <= 30; ++k) {
    const float y = -0.5f + 2.0f * k / 30;
    edge.push_back({shore + 0.04f * std::sin(phase + 6 * y), y});
  }
  auto sea = edge;
  sea.push_back({-0.5f, 1.5f});
  sea.push_back({-0.5f, -0.5f});
  auto wet = edge;
  for (auto& e : wet) e.x += 0.05f;
  auto wet_band = edge;
  wet_band.insert(wet_band.end(), wet.rbegin(), wet.rend());
  p.polygon(wet_band, {192, 174, 132});
  p.polygon(sea, vary({40, 112, 160}, rng, 8));
  auto shallow = edge;
  for (auto& e : shallow) e.x -= 0.07f;
  auto shallow_band = edge;
  shallow_band.insert(shallow_band.end(), shallow.rbegin(), shallow.rend());
  p.polygon(shallow_band, {90, 172, 190});
  p.polyline(edge, 0.018f, {244, 246, 246});
  for (int i = 0, n = rng.between(3, 8); i < n; ++i) {
    static const Rgb umbrellas[] = {{220, 60, 50}, {240, 200, 60}, {60, 120, 200}, {240, 240, 240}};
    const float x = shore + rng.uniform(0.12f, 0.45f), y = rng.uniform(0, 1);
    p.ellipse(x, y, 0.018f, 0.018f, umbrellas[rng.below(4)]);
  }
}

void cemetery(Painter& p, Rng& rng) {
  background(p, vary({104, 138, 78}, rng, 8));
  const Rgb path{196, 190, 176}, stone{212, 212, 206};
  const float block = rng.uniform(0.3f, 0.36f);
  for (float b = -0.4f; b < 1.4f; b += block) {
    p.rect(b - 0.015f, -0.5f, b + 0.015f, 1.5f, path);
    p.rect(-0.5f, b - 0.015f, 1.5f, b + 0.015f, path);
    for (float bx = b + 0.04f; bx < b + block - 0.04f; bx += 0.035f)
      for (float c = -0.4f; c < 1.4f; c += block)
        for (float by = c + 0.04f; by < c + block - 0.03f; by += 0.05f)
          if (rng.chance(0.85)) p.rect(bx - 0.01f, by - 0.006f, bx + 0.01f, by + 0.006f, stone);
  }
  for (int i = 0, n = rng.between(2, 5); i < n; ++i) {
    const float x = rng.uniform(0, 1), y = rng.uniform(0, 1), r = rng.uniform(0.04f, 0.07f);
    tree(p, x, y, r, kTree);
  }
}

void chaparral(Painter& p, Rng& rng) {
  background(p, vary({176, 156, 118}, rng, 10));
  speckle(p, rng, {192, 174, 136}, 30, 0.02f, 0.06f, 0.5f);
  const int clusters = rng.between(6, 10);
  for (int c = 0; c < clusters; ++c) {
    const float x = rng.uniform(-0.3f, 1.3f), y = rng.uniform(-0.3f, 1.3f);
    for (int i = 0, n = rng.between(6, 14); i < n; ++i) {
      const float r = rng.uniform(0.015f, 0.045f);
      const float dx = rng.uniform(-0.15f, 0.15f), dy = rng.uniform(-0.15f, 0.15f), ry = r * rng.uniform(0.7f, 1.0f);
      p.ellipse(x + dx, y + dy, r, ry, vary({92, 98, 62}, rng, 12));
    }
  }
}

void christmas_tree_farm(Painter& p, Rng& rng) {
  background(p, vary({156, 150, 104}, rng, 10));
  const float pitch = rng.uniform(0.055f, 0.07f);
  for (float y = -0.4f; y < 1.4f; y += pitch)
    for (float x = -0.4f + (static_cast<int>((y + 0.4f) / pitch) % 2) * pitch / 2; x < 1.4f; x += pitch) {
      if (!rng.chance(0.9)) continue;
      const float r = pitch * rng.uniform(0.3f, 0.4f);
      p.ellipse(x + 0.3f * r, y + 0.3f * r, r, r, {40, 44, 30}, 0.4f);
      p.ellipse(x, y, r, r, vary({38, 86, 48}, rng, 8));
    }
}

void football_field(Painter& p, Rng& rng) {
  background(p, vary(rng.chance(0.5) ? Rgb{150, 150, 144} : Rgb{82, 120, 62}, rng, 8));
  const float r = rng.uniform(0.27f, 0.31f), straight = rng.uniform(0.36f, 0.44f);
  p.polygon(stadium(0.5f, 0.5f, straight, r), vary({176, 84, 62}, rng, 8));
  for (float lane = 0.02f; lane < 0.06f; lane += 0.02f) p.polyline(stadium(0.5f, 0.5f, straight, r - lane), 0.004f, kWhite, 0.8f);
  const Rgb grass = vary({70, 142, 64}, rng, 8);
  p.polygon(stadium(0.5f, 0.5f, straight, r - 0.07f), grass);
  const float hw = straight / 2 + 0.08f, hh = r - 0.12f;
  p.rect(0.5f - hw, 0.5f - hh, 0.5f - hw + 0.07f, 0.5f + hh, raster::scaled(grass, 0.85f));
  p.rect(0.5f + hw - 0.07f, 0.5f - hh, 0.5f + hw, 0.5f + hh, raster::scaled(grass, 0.85f));
  outline(p, 0.5f - hw, 0.5f - hh, 0.5f + hw, 0.5f + hh, 0.008f, kWhite);
  for (float x = 0.5f - hw + 0.07f; x <= 0.5f + hw - 0.06f; x += (2 * hw - 0.14f) / 10) p.rect(x - 0.003f, 0.5f - hh, x + 0.003f, 0.5f + hh, kWhite);
}

void forest(Painter& p, Rng& rng) {
  background(p, vary({40, 70, 38}, rng, 8));
  const int crowns = rng.between(110, 150);
  for (int i = 0; i < crowns; ++i) {
    const float r = rng.uniform(0.03f, 0.065f);
    const float x = rng.uniform(-0.3f, 1.3f), y = rng.uniform(-0.3f, 1.3f);
    tree(p, x, y, r, vary({52, 92, 46}, rng, 14));
  }
}

void golf_course(Painter& p, Rng& rng) {
  background(p, vary({92, 140, 68}, rng, 8));
  const float phase = rng.uniform(0, 2 * kPi);
  std::vector<Point> fairway;
  for (int k = 0; k <= 20; ++k) {
    const float y = -0.3f + 1.6f * k / 20;
    fairway.push_back({0.5f + 0.18f * std::sin(phase + 3 * y), y});
  }
  const float fairway_width = rng.uniform(0.24f, 0.3f);
  p.polyline(fairway, fairway_width, vary({130, 182, 90}, rng, 6));
  const Point green = fairway[rng.between(8, 12)];
  p.ellipse(green.x, green.y, 0.09f, 0.075f, {146, 200, 104});
  for (int i = 0, n = rng.between(2, 3); i < n; ++i) {
    const float x = green.x + rng.uniform(-0.16f, 0.16f), side = rng.sign(), y = green.y + side * rng.uniform(0.09f, 0.16f);
    p.ellipse(x, y, rng.uniform(0.03f, 0.05f), 0.03f, {232, 218, 176});
  }
  const Point pond{rng.chance(0.5) ? 0.12f : 0.88f, rng.uniform(0.15f, 0.85f)};
  const float pond_rx = rng.uniform(0.07f, 0.12f), pond_ry = rng.uniform(0.06f, 0.1f);
  p.ellipse(pond.x, pond.y, pond_rx, pond_ry, vary({58, 108, 140}, rng, 6));
  for (int i = 0, n = rng.between(10, 18); i < n; ++i) {
    const float side = rng.sign();
    const float x = 0.5f + side * rng.uniform(0.35f, 0.7f), y = rng.uniform(-0.2f, 1.2f), r = rng.uniform(0.03f, 0.05f);
    tree(p, x, y, r, kTree);
  }
}

void river(Painter& p, Rng& rng) {
  background(p, vary({104, 136, 78}, rng, 8));
  for (int i = 0; i < 8; ++i) {  // fields
    const float x = rng.uniform(-0.3f, 1.1f), y = rng.uniform(-0.3f, 1.1f);
    const float w = rng.uniform(0.15f, 0.35f), h = rng.uniform(0.15f, 0.35f);
    p.rect(x, y, x + w, y + h, vary({128, 150, 88}, rng, 20), 0.7f);
  }
  const float phase = rng.uniform(0, 2 * kPi), amplitude = rng.uniform(0.1f, 0.18f), width = rng.uniform(0.13f, 0.2f);
  std::vector<Point> course;
  for (int k = 0; k <= 30; ++k) {
    const float y = -0.4f + 1.8f * k / 30;
    course.push_back({0.5f + amplitude * std::sin(phase + 4 * y), y});
  }
  p.polyline(course, width + 0.04f, {170, 160, 120});
  p.polyline(course, width, vary({52, 98, 132}, rng, 8));
}

void tennis_court(Painter& p, Rng& rng) {
  background(p, vary(rng.chance(0.5) ? Rgb{128, 130, 122} : kGrass, rng, 10));
  static const Rgb surfaces[][2] = {{{70, 130, 82}, {50, 104, 66}}, {{52, 96, 150}, {70, 130, 90}}, {{186, 100, 62}, {160, 86, 56}}};
  const int kind = rng.below(3), courts = rng.between(1, 2);
  const float hw = 0.14f, hh = 0.3f;
  for (int c = 0; c < courts; ++c) {
    const float cx = courts == 1 ? 0.5f : 0.5f + (c ? 1 : -1) * (hw + 0.04f);
    p.rect(cx - hw - 0.05f, 0.5f - hh - 0.08f, cx + hw + 0.05f, 0.5f + hh + 0.08f, surfaces[kind][1]);
    p.rect(cx - hw, 0.5f - hh, cx + hw, 0.5f + hh, surfaces[kind][0]);
    const float lw = 0.008f;
    outline(p, cx - hw, 0.5f - hh, cx + hw, 0.5f + hh, lw, kWhite);
    p.rect(cx - hw * 0.75f - lw / 2, 0.5f - hh, cx - hw * 0.75f + lw / 2, 0.5f + hh, kWhite);
    p.rect(cx + hw * 0.75f - lw / 2, 0.5f - hh, cx + hw * 0.75f + lw / 2, 0.5f + hh, kWhite);
    for (float side : {-1.0f, 1.0f}) p.rect(cx - hw * 0.75f, 0.5f + side * hh * 0.54f - lw / 2, cx + hw * 0.75f, 0.5f + side * hh * 0.54f + lw / 2, kWhite);
    p.rect(cx - lw / 2, 0.5f - hh * 0.54f, cx + lw / 2, 0.5f + hh * 0.54f, kWhite);
    p.rect(cx - hw - 0.02f, 0.5f - 0.006f, cx + hw + 0.02f, 0.5f + 0.006f, {30, 30, 34});  // net
  }
}

}  // namespace tunegrid::aerial
