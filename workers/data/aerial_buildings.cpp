// aerial_buildings.cpp — the aerial classes about buildings and industry: coastal
// mansion, dense residential, mobile home park, nursing home, oil and gas field, oil well,
// shipping yard, solar panel, sparse residential, storage tank, swimming pool, transformer
// station, wastewater treatment plant (aerial_parts.h).
#include <cmath>

#include "workers/data/aerial_parts.h"

namespace tunegrid::aerial {

namespace {
constexpr float kPi = 3.14159265f;
constexpr Rgb kPool{66, 190, 214};

Rgb roof_colour(Rng& rng) {
  static const Rgb palette[] = {{150, 80, 60}, {112, 110, 106}, {80, 80, 86}, {172, 152, 122}, {122, 70, 60}, {190, 186, 178}};
  return vary(palette[rng.below(6)], rng, 8);
}
}  // namespace

void coastal_mansion(Painter& p, Rng& rng) {
  background(p, vary({100, 142, 72}, rng, 8));
  const float coast = rng.uniform(0.1f, 0.22f);
  p.rect(-0.5f, -0.5f, coast, 1.5f, vary(kWater, rng, 8));
  p.rect(coast, -0.5f, coast + 0.05f, 1.5f, {206, 192, 152});
  p.rect(coast - 0.01f, -0.5f, coast + 0.005f, 1.5f, {236, 240, 240});
  const Rgb colour = rng.chance(0.6) ? vary({178, 98, 66}, rng, 8) : vary({128, 126, 122}, rng, 8);
  const float x0 = rng.uniform(0.36f, 0.44f), y0 = rng.uniform(0.25f, 0.35f);
  roof(p, x0, y0, x0 + 0.36f, y0 + 0.2f, colour);
  roof(p, x0 + 0.22f, y0 + 0.2f, x0 + 0.36f, y0 + 0.4f, colour);
  p.polygon(rounded_rect(x0, y0 + 0.26f, x0 + 0.16f, y0 + 0.36f, 0.02f), kPool);
  p.rect(x0 + 0.36f, y0 + 0.06f, 1.5f, y0 + 0.12f, {170, 168, 160});  // drive
  for (int i = 0, n = rng.between(5, 9); i < n; ++i)
  {
    const float x = rng.uniform(coast + 0.08f, 1.2f);
    const float y = rng.chance(0.5) ? rng.uniform(-0.2f, y0 - 0.05f) : rng.uniform(y0 + 0.46f, 1.2f);
    tree(p, x, y, rng.uniform(0.03f, 0.05f), kTree);
  }
}

void dense_residential(Painter& p, Rng& rng) {
  background(p, vary({150, 146, 138}, rng, 8));
  const float block_w = 0.3f, block_h = 0.26f, street = 0.045f;
  const Rgb asphalt = vary(kAsphalt, rng, 8);
  for (float bx = -0.4f; bx < 1.4f; bx += block_w + street) {
    p.rect(bx + block_w, -0.5f, bx + block_w + street, 1.5f, asphalt);
    for (float by = -0.4f; by < 1.4f; by += block_h + street) {
      p.rect(-0.5f, by + block_h, 1.5f, by + block_h + street, asphalt);
      for (int row = 0; row < 2; ++row)
        for (float x = bx + 0.006f; x + 0.07f < bx + block_w; x += 0.074f) {
          const float y = by + 0.008f + row * block_h / 2;
          roof(p, x, y, x + 0.066f, y + block_h / 2 - 0.02f, roof_colour(rng));
        }
    }
  }
}

void mobile_home_park(Painter& p, Rng& rng) {
  background(p, vary({128, 136, 110}, rng, 8));
  static const Rgb homes[] = {{232, 232, 226}, {214, 208, 192}, {200, 210, 216}, {224, 218, 200}};
  const float pitch = rng.uniform(0.3f, 0.36f);
  for (float y = -0.4f; y < 1.4f; y += pitch) {
    p.rect(-0.5f, y, 1.5f, y + 0.04f, vary(kAsphalt, rng, 6));
    for (float side : {-1.0f, 1.0f})
      for (float x = -0.4f + rng.uniform(0, 0.03f); x < 1.4f; x += 0.062f) {
        if (!rng.chance(0.9)) continue;
        const float y0 = side < 0 ? y - 0.13f : y + 0.05f;
        p.rect(x, y0, x + 0.042f, y0 + 0.11f, vary(homes[rng.below(4)], rng, 6));
      }
  }
  for (int i = 0, n = rng.between(2, 5); i < n; ++i) {
    const float x = rng.uniform(0, 1), y = rng.uniform(0, 1);
    tree(p, x, y, 0.035f, kTree);
  }
}

void nursing_home(Painter& p, Rng& rng) {
  background(p, vary({108, 146, 80}, rng, 8));
  const Rgb colour = rng.chance(0.5) ? vary({188, 182, 172}, rng, 8) : vary({146, 112, 92}, rng, 8);
  // An H-shaped (or U-shaped) block of wings.
  const float x0 = 0.22f, x1 = 0.78f, y0 = rng.uniform(0.18f, 0.26f), y1 = rng.uniform(0.68f, 0.76f), wing = 0.12f;
  roof(p, x0, y0, x0 + wing, y1, colour);
  roof(p, x1 - wing, y0, x1, y1, colour);
  roof(p, x0 + wing, 0.44f, x1 - wing, 0.56f, colour);
  if (rng.chance(0.5)) roof(p, x0 + wing, y0, x1 - wing, y0 + wing, colour);
  p.rect(-0.5f, y1 + 0.06f, 1.5f, y1 + 0.25f, vary(kAsphalt, rng, 6));  // car park
  for (float x = -0.3f; x < 1.3f; x += 0.06f)
    if (rng.chance(0.6)) car(p, x, y1 + 0.11f, 0.035f, 0.065f, true, car_colour(rng));
  for (int i = 0, n = rng.between(4, 8); i < n; ++i)
  {
    const float x = rng.chance(0.5) ? rng.uniform(-0.2f, 0.17f) : rng.uniform(0.83f, 1.2f), y = rng.uniform(-0.2f, 0.7f);
    tree(p, x, y, 0.04f, kTree);
  }
}

void oil_gas_field(Painter& p, Rng& rng) {
  background(p, vary({190, 170, 130}, rng, 10));
  speckle(p, rng, {170, 152, 112}, 30, 0.02f, 0.06f, 0.5f);
  const Rgb road{218, 204, 170}, pad{226, 216, 188};
  std::vector<Point> pads;
  for (int i = 0, n = rng.between(5, 8); i < n; ++i) pads.push_back({rng.uniform(-0.1f, 1.1f), rng.uniform(-0.1f, 1.1f)});
  for (std::size_t i = 1; i < pads.size(); ++i) p.segment(pads[i - 1], pads[i], 0.014f, road);
  p.segment({-0.5f, pads[0].y}, pads[0], 0.014f, road);
  for (const auto& c : pads) {
    p.rect(c.x - 0.04f, c.y - 0.035f, c.x + 0.04f, c.y + 0.035f, pad);
    p.ellipse(c.x, c.y, 0.008f, 0.008f, {50, 46, 40});
    p.ellipse(c.x + 0.025f, c.y - 0.02f, 0.01f, 0.01f, {240, 240, 236});
  }
}

void oil_well(Painter& p, Rng& rng) {
  background(p, vary(rng.chance(0.5) ? Rgb{172, 152, 112} : Rgb{124, 140, 88}, rng, 10));
  speckle(p, rng, {150, 136, 100}, 20, 0.02f, 0.05f, 0.4f);
  const float cx = 0.5f + rng.uniform(-0.05f, 0.05f), cy = 0.5f + rng.uniform(-0.05f, 0.05f);
  p.rect(cx - 0.03f, cy, cx + 0.03f, 1.5f, {206, 194, 164});  // access road
  p.rect(cx - 0.2f, cy - 0.16f, cx + 0.2f, cy + 0.16f, vary({208, 198, 170}, rng, 6));
  p.segment({cx - 0.11f, cy + 0.02f}, {cx + 0.05f, cy - 0.04f}, 0.03f, {20, 20, 20}, 0.35f);   // shadow
  p.segment({cx - 0.12f, cy - 0.01f}, {cx + 0.04f, cy - 0.07f}, 0.03f, {56, 52, 50});           // walking beam
  p.rect(cx - 0.05f, cy - 0.06f, cx + 0.02f, cy + 0.02f, {90, 84, 78});                         // base
  for (int i = 0, n = rng.between(1, 3); i < n; ++i) p.ellipse(cx + 0.12f, cy - 0.1f + i * 0.07f, 0.03f, 0.03f, {226, 226, 222});
}

void shipping_yard(Painter& p, Rng& rng) {
  background(p, vary({150, 148, 142}, rng, 8));
  static const Rgb boxes[] = {{176, 52, 44}, {52, 88, 150}, {210, 120, 40}, {60, 130, 80}, {220, 220, 215}, {130, 80, 60}};
  for (float y = -0.4f; y < 1.4f; y += 0.2f) {
    for (int row = 0; row < 3; ++row)
      for (float x = -0.4f; x < 1.4f; x += 0.125f)
        if (rng.chance(0.92)) p.rect(x, y + row * 0.045f, x + 0.12f, y + row * 0.045f + 0.04f, vary(boxes[rng.below(6)], rng, 8));
    p.rect(-0.5f, y + 0.15f, 1.5f, y + 0.155f, {90, 90, 90});  // crane rail
  }
}

void solar_panel(Painter& p, Rng& rng) {
  background(p, vary(rng.chance(0.5) ? Rgb{150, 140, 110} : Rgb{120, 140, 90}, rng, 8));
  const Rgb panel = vary({34, 48, 88}, rng, 6), grid{70, 90, 130};
  const float pitch = rng.uniform(0.065f, 0.08f), gap = rng.uniform(0.45f, 0.6f);
  for (float y = -0.4f; y < 1.4f; y += pitch) {
    if (std::fabs(y - gap) < 0.05f) continue;  // a service road
    p.rect(-0.5f, y, 1.5f, y + 0.05f, panel);
    for (float x = -0.4f; x < 1.4f; x += 0.045f) p.rect(x, y, x + 0.004f, y + 0.05f, grid);
  }
}

void sparse_residential(Painter& p, Rng& rng) {
  background(p, vary({112, 150, 82}, rng, 8));
  const float phase = rng.uniform(0, 2 * kPi);
  std::vector<Point> road;
  for (int k = 0; k <= 20; ++k) {
    const float y = -0.4f + 1.8f * k / 20;
    road.push_back({0.5f + 0.12f * std::sin(phase + 3 * y), y});
  }
  p.polyline(road, 0.05f, vary(kAsphalt, rng, 6));
  for (int i = 0, n = rng.between(3, 6); i < n; ++i) {
    const Point at = road[rng.between(4, 16)];
    const float side = rng.sign(), x = at.x + side * rng.uniform(0.16f, 0.24f);
    p.rect(std::fmin(at.x, x), at.y - 0.012f, std::fmax(at.x, x), at.y + 0.012f, {176, 174, 168});  // driveway
    roof(p, x - 0.06f, at.y - 0.07f, x + 0.06f, at.y + 0.07f, roof_colour(rng));
  }
  for (int i = 0, n = rng.between(14, 24); i < n; ++i) {
    const float x = rng.uniform(-0.2f, 1.2f), y = rng.uniform(-0.2f, 1.2f), r = rng.uniform(0.025f, 0.045f);
    tree(p, x, y, r, kTree);
  }
}

void storage_tank(Painter& p, Rng& rng) {
  background(p, vary({170, 166, 150}, rng, 8));
  std::vector<std::pair<Point, float>> tanks;
  for (int attempt = 0, n = rng.between(3, 7); attempt < 60 && static_cast<int>(tanks.size()) < n; ++attempt) {
    const float r = rng.uniform(0.07f, 0.15f);
    const Point c{rng.uniform(0.1f, 0.9f), rng.uniform(0.1f, 0.9f)};
    bool free = true;
    for (const auto& [o, ro] : tanks) free = free && std::hypot(c.x - o.x, c.y - o.y) > r + ro + 0.03f;
    if (free) tanks.push_back({c, r});
  }
  for (const auto& [c, r] : tanks) {
    p.ellipse(c.x + 0.03f, c.y + 0.03f, r, r, {40, 40, 36}, 0.4f);
    p.ellipse(c.x, c.y, r, r, vary({224, 224, 220}, rng, 6));
    ring(p, c.x, c.y, 0.8f * r, 0.008f, {180, 180, 176});
    p.ellipse(c.x, c.y, 0.1f * r, 0.1f * r, {160, 160, 156});
  }
}

void swimming_pool(Painter& p, Rng& rng) {
  background(p, vary({104, 150, 76}, rng, 8));
  const float house = rng.uniform(0.18f, 0.26f);
  roof(p, 0.15f, -0.3f, 0.85f, house, roof_colour(rng));
  const float x0 = rng.uniform(0.26f, 0.34f), y0 = rng.uniform(0.42f, 0.48f), w = rng.uniform(0.36f, 0.44f), h = rng.uniform(0.22f, 0.28f);
  p.rect(x0 - 0.06f, y0 - 0.06f, x0 + w + 0.06f, y0 + h + 0.06f, {204, 198, 188});  // patio
  p.polygon(rounded_rect(x0 - 0.012f, y0 - 0.012f, x0 + w + 0.012f, y0 + h + 0.012f, 0.06f), kWhite);
  p.polygon(rounded_rect(x0, y0, x0 + w, y0 + h, 0.05f), vary(kPool, rng, 6));
  p.polygon(rounded_rect(x0 + 0.03f, y0 + 0.03f, x0 + w - 0.03f, y0 + h * 0.5f, 0.04f), {120, 214, 230}, 0.6f);
  for (int i = 0, n = rng.between(3, 6); i < n; ++i) {
    const float x = rng.chance(0.5) ? rng.uniform(-0.1f, 0.18f) : rng.uniform(0.82f, 1.1f), y = rng.uniform(0.3f, 1.1f);
    tree(p, x, y, 0.045f, kTree);
  }
}

void transformer_station(Painter& p, Rng& rng) {
  background(p, vary({170, 166, 156}, rng, 8));
  speckle(p, rng, {150, 146, 138}, 30, 0.01f, 0.03f, 0.5f);
  outline(p, 0.05f, 0.05f, 0.95f, 0.95f, 0.008f, {70, 70, 70});
  const Rgb steel{212, 212, 208}, box{74, 76, 82};
  for (float x = 0.15f; x < 0.9f; x += 0.14f) p.rect(x - 0.004f, 0.08f, x + 0.004f, 0.92f, steel);  // gantries
  for (float y = 0.15f; y < 0.9f; y += 0.18f) {
    p.rect(0.08f, y - 0.003f, 0.92f, y + 0.003f, {50, 50, 54});  // conductors
    for (float x = 0.15f; x < 0.9f; x += 0.14f) {
      p.rect(x - 0.035f, y + 0.03f, x + 0.035f, y + 0.1f, box);
      for (float s = x - 0.03f; s < x + 0.03f; s += 0.015f) p.rect(s, y + 0.03f, s + 0.006f, y + 0.1f, {120, 122, 128});
    }
  }
  p.rect(0.7f, 0.75f, 0.93f, 0.93f, vary({182, 170, 150}, rng, 8));  // control building
}

void wastewater_treatment_plant(Painter& p, Rng& rng) {
  background(p, vary({140, 146, 120}, rng, 8));
  const int clarifiers = rng.between(2, 4);
  for (int i = 0; i < clarifiers; ++i) {
    const float r = rng.uniform(0.11f, 0.14f), cx = 0.2f + 0.3f * (i % 2) + rng.uniform(-0.02f, 0.02f), cy = 0.2f + 0.3f * (i / 2);
    p.ellipse(cx, cy, r, r, {194, 192, 184});
    p.ellipse(cx, cy, r - 0.015f, r - 0.015f, vary({62, 86, 76}, rng, 8));
    p.segment({cx, cy}, {cx + r, cy}, 0.012f, {210, 210, 206});
    p.ellipse(cx, cy, 0.02f, 0.02f, {210, 210, 206});
  }
  for (int i = 0; i < 3; ++i) {  // aeration tanks with foam
    const float y = 0.68f + i * 0.09f;
    p.rect(0.08f, y, 0.92f, y + 0.07f, {190, 188, 180});
    p.rect(0.1f, y + 0.01f, 0.9f, y + 0.06f, vary({96, 112, 84}, rng, 8));
    for (float x = 0.12f; x < 0.88f; x += 0.05f) p.ellipse(x, y + 0.035f, 0.012f, 0.012f, {226, 228, 220}, 0.8f);
  }
  p.rect(0.78f, 0.08f, 0.95f, 0.55f, vary({180, 170, 156}, rng, 8));
}

}  // namespace tunegrid::aerial
