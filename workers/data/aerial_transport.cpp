// aerial_transport.cpp — the aerial classes about traffic: airplane, bridge, closed road,
// crosswalk, ferry terminal, freeway, harbor, intersection, overpass, parking lot, parking
// space, railway, runway, runway marking. Each drawn in the unrotated frame (aerial_parts.h).
#include <cmath>

#include "workers/data/aerial_parts.h"

namespace tunegrid::aerial {

namespace {

// Dashes of width w along x = const from y0 to y1 (or along y = const when horizontal).
void dashes(Painter& p, float at, float from, float to, float w, float dash, float gap, bool horizontal, Rgb colour) {
  for (float t = from; t < to; t += dash + gap) {
    if (horizontal) p.rect(t, at - w / 2, t + dash, at + w / 2, colour);
    else p.rect(at - w / 2, t, at + w / 2, t + dash, colour);
  }
}

// A vertical road x in [x0, x1] over the whole view, with edge lines and a dashed centre.
void vertical_road(Painter& p, float x0, float x1, Rgb asphalt, Rng& rng) {
  p.rect(x0, -0.5f, x1, 1.5f, asphalt);
  p.rect(x0 + 0.01f, -0.5f, x0 + 0.017f, 1.5f, kWhite, 0.8f);
  p.rect(x1 - 0.017f, -0.5f, x1 - 0.01f, 1.5f, kWhite, 0.8f);
  dashes(p, (x0 + x1) / 2, -0.5f + rng.uniform(0, 0.1f), 1.5f, 0.008f, 0.05f, 0.05f, false, {220, 200, 90});
}

void plane_shape(Painter& p, float cx, float cy, float s, Rgb colour, float alpha) {
  auto at = [&](float dx, float dy) { return Point{cx + dx * s, cy + dy * s}; };
  p.ellipse(cx, cy, 0.045f * s, 0.36f * s, colour, alpha);
  p.polygon({at(-0.03f, -0.07f), at(-0.42f, 0.1f), at(-0.42f, 0.15f), at(-0.03f, 0.07f), at(0.03f, 0.07f),
             at(0.42f, 0.15f), at(0.42f, 0.1f), at(0.03f, -0.07f)},
            colour, alpha);
  p.polygon({at(-0.02f, 0.24f), at(-0.16f, 0.33f), at(-0.16f, 0.37f), at(0, 0.34f), at(0.16f, 0.37f),
             at(0.16f, 0.33f), at(0.02f, 0.24f)},
            colour, alpha);
}

}  // namespace

void airplane(Painter& p, Rng& rng) {
  background(p, vary({150, 150, 148}, rng, 12));
  speckle(p, rng, {135, 135, 132}, 12, 0.05f, 0.12f, 0.3f);
  const float taxi_line = 0.5f + rng.uniform(-0.45f, -0.35f);
  p.rect(-0.5f, taxi_line, 1.5f, taxi_line + 0.012f, {210, 186, 70});
  const float s = rng.uniform(0.95f, 1.2f), cx = 0.5f + rng.uniform(-0.05f, 0.05f), cy = 0.5f + rng.uniform(-0.05f, 0.05f);
  plane_shape(p, cx + 0.035f, cy + 0.035f, s, {20, 20, 24}, 0.35f);
  plane_shape(p, cx, cy, s, vary({236, 236, 240}, rng, 6), 1);
  for (float side : {-1.0f, 1.0f}) p.ellipse(cx + side * 0.17f * s, cy + 0.05f * s, 0.022f * s, 0.04f * s, {90, 92, 98});
  p.ellipse(cx, cy - 0.29f * s, 0.03f * s, 0.03f * s, {70, 80, 96});  // cockpit
}

void bridge(Painter& p, Rng& rng) {
  background(p, vary(kWater, rng, 8));
  speckle(p, rng, {60, 106, 140}, 14, 0.04f, 0.1f, 0.35f);
  const Rgb land = vary(kGrass, rng, 10);
  const float bank0 = rng.uniform(0.08f, 0.18f), bank1 = rng.uniform(0.82f, 0.92f);
  p.rect(-0.5f, -0.5f, 1.5f, bank0, land);
  p.rect(-0.5f, bank1, 1.5f, 1.5f, land);
  p.rect(-0.5f, bank0 - 0.015f, 1.5f, bank0, kSand);
  p.rect(-0.5f, bank1, 1.5f, bank1 + 0.015f, kSand);
  const float w = rng.uniform(0.1f, 0.15f), x = 0.5f + rng.uniform(-0.08f, 0.08f);
  p.rect(x - w / 2 + 0.04f, bank0, x + w / 2 + 0.04f, bank1, {20, 36, 50}, 0.5f);  // shadow on the water
  p.rect(x - w / 2, -0.5f, x + w / 2, 1.5f, vary({182, 180, 174}, rng, 8));
  p.rect(x - w / 2, -0.5f, x - w / 2 + 0.012f, 1.5f, {120, 120, 118});
  p.rect(x + w / 2 - 0.012f, -0.5f, x + w / 2, 1.5f, {120, 120, 118});
  dashes(p, x, -0.5f, 1.5f, 0.007f, 0.04f, 0.04f, false, kWhite);
  for (int i = 0; i < 3; ++i) {
    const float lane = rng.chance(0.5) ? -0.25f : 0.25f, y = rng.uniform(0, 1);
    car(p, x + lane * w, y, 0.03f, 0.055f, true, car_colour(rng));
  }
}

void closed_road(Painter& p, Rng& rng) {
  background(p, vary({118, 134, 84}, rng, 10));
  speckle(p, rng, {80, 104, 60}, 40, 0.02f, 0.05f, 0.7f);
  const float w = rng.uniform(0.18f, 0.24f), x = 0.5f + rng.uniform(-0.1f, 0.1f);
  vertical_road(p, x - w / 2, x + w / 2, vary(kAsphalt, rng, 8), rng);
  const float y = rng.uniform(0.35f, 0.55f);
  // Beyond the barrier the road is broken up and covered with dirt and weeds.
  p.rect(x - w / 2 - 0.01f, y + 0.03f, x + w / 2 + 0.01f, 1.5f, vary({156, 134, 102}, rng, 8), 0.85f);
  for (int i = 0; i < 14; ++i) {
    const float r = rng.uniform(0.015f, 0.035f);
    const float dx = rng.uniform(-0.5f, 0.5f) * w, dy = rng.uniform(0.06f, 0.9f);
    p.ellipse(x + dx, y + dy, r, r, {96, 116, 66}, 0.8f);
  }
  for (int i = 0; i < 6; ++i) {  // red-and-white barrier
    const float x0 = x - w / 2 - 0.02f + i * (w + 0.04f) / 6;
    p.rect(x0, y, x0 + (w + 0.04f) / 6, y + 0.03f, i % 2 ? kWhite : Rgb{200, 40, 36});
  }
}

void crosswalk(Painter& p, Rng& rng) {
  background(p, vary({188, 186, 180}, rng, 8));  // pavement
  const float y0 = rng.uniform(0.28f, 0.34f), y1 = rng.uniform(0.66f, 0.72f);
  const Rgb asphalt = vary({66, 66, 70}, rng, 6);
  p.rect(-0.5f, y0, 1.5f, y1, asphalt);
  p.rect(-0.5f, (y0 + y1) / 2 - 0.008f, 1.5f, (y0 + y1) / 2 + 0.008f, {222, 196, 80});
  const int crossings = rng.between(1, 2);
  for (int c = 0; c < crossings; ++c) {
    const float x = crossings == 1 ? rng.uniform(0.35f, 0.65f) : (c == 0 ? rng.uniform(0.08f, 0.25f) : rng.uniform(0.7f, 0.9f));
    const float length = rng.uniform(0.14f, 0.2f);
    for (float y = y0 + 0.02f; y + 0.03f < y1; y += 0.055f) p.rect(x - length / 2, y, x + length / 2, y + 0.03f, kWhite);
    p.rect(x - length / 2 - 0.04f, y0 + 0.01f, x - length / 2 - 0.03f, (y0 + y1) / 2, kWhite);  // stop line
  }
  for (int i = 0; i < 2; ++i) {
    const float x = rng.uniform(-0.1f, 1.1f), y = rng.chance(0.5) ? y0 + 0.08f : y1 - 0.08f;
    car(p, x, y, 0.05f, 0.1f, false, car_colour(rng));
  }
}

void ferry_terminal(Painter& p, Rng& rng) {
  background(p, vary({44, 88, 116}, rng, 8));
  speckle(p, rng, {56, 100, 130}, 12, 0.04f, 0.1f, 0.3f);
  const float shore = rng.uniform(0.22f, 0.3f);
  p.rect(-0.5f, -0.5f, 1.5f, shore, vary({166, 166, 160}, rng, 8));
  for (float x = -0.3f; x < 1.3f; x += 0.07f) car(p, x, shore - 0.1f, 0.035f, 0.065f, true, car_colour(rng));
  const int slips = rng.between(1, 2);
  for (int i = 0; i < slips; ++i) {
    const float x = slips == 1 ? 0.5f : 0.3f + 0.4f * i;
    p.rect(x - 0.16f, shore - 0.01f, x - 0.1f, shore + 0.32f, {150, 150, 146});  // pier
    const float length = rng.uniform(0.38f, 0.48f);
    const std::vector<Point> hull{{x - 0.06f, shore + 0.06f}, {x + 0.06f, shore + 0.06f}, {x + 0.07f, shore + 0.08f + length * 0.8f},
                                  {x, shore + 0.06f + length}, {x - 0.07f, shore + 0.08f + length * 0.8f}};
    p.polygon(hull, {236, 236, 232});
    p.rect(x - 0.04f, shore + 0.14f, x + 0.04f, shore + 0.06f + length * 0.7f, vary({150, 160, 172}, rng, 8));
    p.rect(x - 0.02f, shore + 0.2f, x + 0.02f, shore + 0.3f, {60, 66, 80});
  }
}

void freeway(Painter& p, Rng& rng) {
  background(p, vary({104, 136, 76}, rng, 10));
  speckle(p, rng, {76, 106, 58}, 30, 0.02f, 0.05f, 0.6f);
  const Rgb asphalt = vary(kAsphalt, rng, 8);
  const float median = rng.uniform(0.03f, 0.06f), lanes = 3, lane = 0.075f;
  for (float side : {-1.0f, 1.0f}) {
    const float inner = 0.5f + side * median / 2, outer = inner + side * lanes * lane;
    const float x0 = std::fmin(inner, outer), x1 = std::fmax(inner, outer);
    p.rect(x0, -0.5f, x1, 1.5f, asphalt);
    p.rect(x0, -0.5f, x0 + 0.006f, 1.5f, kWhite);
    p.rect(x1 - 0.006f, -0.5f, x1, 1.5f, kWhite);
    for (int k = 1; k < lanes; ++k) dashes(p, x0 + k * lane, -0.5f + rng.uniform(0, 0.08f), 1.5f, 0.006f, 0.05f, 0.06f, false, kWhite);
    for (int k = 0; k < lanes; ++k)
      for (int c = rng.between(1, 3); c > 0; --c) {
        const float y = rng.uniform(-0.2f, 1.2f);
        car(p, x0 + (k + 0.5f) * lane, y, 0.035f, 0.065f, true, car_colour(rng));
      }
  }
  p.rect(0.5f - 0.004f, -0.5f, 0.5f + 0.004f, 1.5f, {200, 200, 196});
}

void harbor(Painter& p, Rng& rng) {
  background(p, vary({44, 96, 122}, rng, 8));
  speckle(p, rng, {56, 108, 134}, 10, 0.04f, 0.1f, 0.3f);
  const float quay = rng.uniform(0.02f, 0.08f);
  p.rect(-0.5f, -0.5f, 1.5f, quay, vary({160, 160, 154}, rng, 8));
  const Rgb dock{196, 192, 182};
  const float spine = 0.5f + rng.uniform(-0.15f, 0.15f), pitch = rng.uniform(0.2f, 0.24f);
  p.rect(spine - 0.02f, -0.5f, spine + 0.02f, 1.5f, dock);
  for (float y = 0.12f + rng.uniform(0, 0.05f); y < 1.4f; y += pitch) {
    p.rect(-0.5f, y - 0.01f, 1.5f, y + 0.01f, dock);  // finger pier, boats moored along both sides
    for (float x = -0.35f; x < 1.35f; x += 0.065f)
      for (float side : {-1.0f, 1.0f}) {
        if (std::fabs(x - spine) < 0.06f || !rng.chance(0.75)) continue;
        const float by = y + side * 0.05f;
        p.ellipse(x, by, 0.024f, 0.04f, rng.chance(0.8) ? Rgb{242, 242, 240} : Rgb{60, 90, 150});
        p.ellipse(x, by - side * 0.005f, 0.01f, 0.015f, {150, 140, 120});
      }
  }
}

void intersection(Painter& p, Rng& rng) {
  background(p, vary({150, 146, 136}, rng, 10));
  for (float qx : {0.15f, 0.85f})
    for (float qy : {0.15f, 0.85f}) {
      if (rng.chance(0.5)) roof(p, qx - 0.2f, qy - 0.2f, qx + 0.2f, qy + 0.2f, vary({130, 110, 96}, rng, 20));
      else {
        p.rect(qx - 0.25f, qy - 0.25f, qx + 0.25f, qy + 0.25f, vary(kGrass, rng, 10));
        tree(p, qx, qy, 0.06f, kTree);
      }
    }
  const Rgb asphalt = vary(kAsphalt, rng, 8);
  const float w = rng.uniform(0.22f, 0.28f);
  p.rect(0.5f - w / 2, -0.5f, 0.5f + w / 2, 1.5f, asphalt);
  p.rect(-0.5f, 0.5f - w / 2, 1.5f, 0.5f + w / 2, asphalt);
  dashes(p, 0.5f, -0.5f, 0.5f - w / 2 - 0.06f, 0.008f, 0.04f, 0.04f, false, kWhite);
  dashes(p, 0.5f, 0.5f + w / 2 + 0.06f, 1.5f, 0.008f, 0.04f, 0.04f, false, kWhite);
  dashes(p, 0.5f, -0.5f, 0.5f - w / 2 - 0.06f, 0.008f, 0.04f, 0.04f, true, kWhite);
  dashes(p, 0.5f, 0.5f + w / 2 + 0.06f, 1.5f, 0.008f, 0.04f, 0.04f, true, kWhite);
  for (float side : {-1.0f, 1.0f}) {  // zebra crossings on the four approaches
    const float c = 0.5f + side * (w / 2 + 0.035f);
    for (float t = 0.5f - w / 2 + 0.01f; t < 0.5f + w / 2 - 0.015f; t += 0.035f) {
      p.rect(t, c - 0.025f, t + 0.018f, c + 0.025f, kWhite);
      p.rect(c - 0.025f, t, c + 0.025f, t + 0.018f, kWhite);
    }
  }
  for (int i = 0; i < 3; ++i) {
    const float lane = rng.chance(0.5) ? 1.0f : -1.0f, y = rng.uniform(-0.1f, 0.25f);
    car(p, 0.5f + 0.06f * lane, y, 0.035f, 0.065f, true, car_colour(rng));
  }
}

void overpass(Painter& p, Rng& rng) {
  background(p, vary({110, 138, 80}, rng, 10));
  speckle(p, rng, {80, 108, 62}, 20, 0.02f, 0.05f, 0.6f);
  const Rgb asphalt = vary(kAsphalt, rng, 8);
  p.rect(-0.5f, 0.36f, 1.5f, 0.64f, asphalt);
  dashes(p, 0.45f, -0.5f, 1.5f, 0.006f, 0.04f, 0.05f, true, kWhite);
  dashes(p, 0.55f, -0.5f, 1.5f, 0.006f, 0.04f, 0.05f, true, kWhite);
  p.rect(-0.5f, 0.497f, 1.5f, 0.503f, {210, 190, 80});
  // Loop ramps joining the two roads.
  const float r = rng.uniform(0.16f, 0.22f);
  for (float side : {-1.0f, 1.0f}) {  // one ramp above the road on the left, one below on the right
    const float cx = 0.5f + side * (0.06f + r), cy = side < 0 ? 0.38f : 0.62f;
    std::vector<Point> arc;
    for (int k = 0; k <= 16; ++k) {
      const float a = 3.14159265f * k / 16;
      arc.push_back({cx + r * std::cos(a), cy + side * r * std::sin(a)});
    }
    p.polyline(arc, 0.06f, asphalt);
  }
  const float w = rng.uniform(0.1f, 0.13f);
  p.rect(0.5f - w / 2 + 0.035f, 0.3f, 0.5f + w / 2 + 0.035f, 0.7f, {20, 26, 20}, 0.45f);  // shadow
  p.rect(0.5f - w / 2, -0.5f, 0.5f + w / 2, 1.5f, vary({176, 176, 172}, rng, 6));
  p.rect(0.5f - w / 2, -0.5f, 0.5f - w / 2 + 0.01f, 1.5f, {130, 130, 128});
  p.rect(0.5f + w / 2 - 0.01f, -0.5f, 0.5f + w / 2, 1.5f, {130, 130, 128});
  dashes(p, 0.5f, -0.5f, 1.5f, 0.006f, 0.04f, 0.04f, false, kWhite);
}

namespace {
// Rows of stalls back to back; `occupancy` of them hold a car.
void parking(Painter& p, Rng& rng, float stall_w, float depth, float occupancy, Rgb asphalt, float line_w) {
  background(p, asphalt);
  const float aisle = 0.75f * depth;
  for (float y = -0.4f + rng.uniform(0, 0.1f); y < 1.4f; y += 2 * depth + aisle) {
    for (float x = -0.4f; x < 1.4f; x += stall_w) {
      for (int row = 0; row < 2; ++row) {
        const float y0 = y + row * depth;
        p.rect(x - line_w / 2, y0, x + line_w / 2, y0 + depth, kWhite, 0.9f);
        if (rng.chance(occupancy)) car(p, x + stall_w / 2, y0 + depth / 2, 0.72f * stall_w, 0.8f * depth, true, car_colour(rng));
      }
    }
    p.rect(-0.5f, y + depth - line_w / 2, 1.5f, y + depth + line_w / 2, kWhite, 0.9f);
  }
}
}  // namespace

void parking_lot(Painter& p, Rng& rng) {
  const float occupancy = rng.uniform(0.75f, 0.95f);
  parking(p, rng, 0.055f, 0.1f, occupancy, vary({92, 92, 96}, rng, 8), 0.006f);
}

void parking_space(Painter& p, Rng& rng) {
  const float occupancy = rng.uniform(0.0f, 0.15f);
  parking(p, rng, 0.1f, 0.2f, occupancy, vary({74, 76, 80}, rng, 8), 0.014f);
}

void railway(Painter& p, Rng& rng) {
  background(p, vary({118, 128, 84}, rng, 10));
  speckle(p, rng, {92, 106, 64}, 30, 0.02f, 0.06f, 0.6f);
  const int tracks = rng.between(2, 3);
  const float pitch = 0.13f, x0 = 0.5f - pitch * (tracks - 1) / 2;
  p.rect(x0 - 0.09f, -0.5f, x0 + pitch * (tracks - 1) + 0.09f, 1.5f, vary({142, 132, 120}, rng, 8));
  for (int t = 0; t < tracks; ++t) {
    const float x = x0 + t * pitch;
    for (float y = -0.5f; y < 1.5f; y += 0.03f) p.rect(x - 0.05f, y, x + 0.05f, y + 0.013f, {108, 94, 80});
    for (float side : {-1.0f, 1.0f}) p.rect(x + side * 0.028f - 0.005f, -0.5f, x + side * 0.028f + 0.005f, 1.5f, {62, 58, 56});
  }
}

void runway(Painter& p, Rng& rng) {
  background(p, vary({112, 140, 82}, rng, 10));
  speckle(p, rng, {96, 124, 70}, 16, 0.04f, 0.1f, 0.4f);
  const float w = rng.uniform(0.3f, 0.38f), x = 0.5f + rng.uniform(-0.06f, 0.06f);
  const float taxi = x + (rng.chance(0.5) ? -1 : 1) * (w / 2 + 0.15f);
  p.rect(taxi - 0.04f, -0.5f, taxi + 0.04f, 1.5f, vary({128, 128, 126}, rng, 6));
  p.rect(taxi - 0.003f, -0.5f, taxi + 0.003f, 1.5f, {214, 190, 70});
  p.rect(x - w / 2, -0.5f, x + w / 2, 1.5f, vary({156, 156, 152}, rng, 8));
  p.rect(x - w / 2 + 0.012f, -0.5f, x - w / 2 + 0.02f, 1.5f, kWhite);
  p.rect(x + w / 2 - 0.02f, -0.5f, x + w / 2 - 0.012f, 1.5f, kWhite);
  dashes(p, x, -0.5f + rng.uniform(0, 0.1f), 1.5f, 0.012f, 0.08f, 0.06f, false, kWhite);
}

void runway_marking(Painter& p, Rng& rng) {
  background(p, vary({98, 98, 100}, rng, 8));
  const float top = rng.uniform(0.02f, 0.12f);
  // Threshold "piano keys" on both sides of the centre line, the designation, touchdown bars.
  for (int i = 0; i < 4; ++i)
    for (float side : {-1.0f, 1.0f}) {
      const float x = 0.5f + side * (0.08f + i * 0.1f);
      p.rect(x - 0.03f, top, x + 0.03f, top + 0.32f, kWhite);
    }
  p.rect(0.38f, top + 0.42f, 0.48f, top + 0.6f, kWhite);  // digit-like blocks
  p.rect(0.4f, top + 0.44f, 0.46f, top + 0.58f, {98, 98, 100});
  p.rect(0.52f, top + 0.42f, 0.62f, top + 0.6f, kWhite);
  p.rect(0.52f, top + 0.46f, 0.59f, top + 0.56f, {98, 98, 100});
  for (float side : {-1.0f, 1.0f}) p.rect(0.5f + side * 0.2f - 0.05f, top + 0.72f, 0.5f + side * 0.2f + 0.05f, top + 0.92f, kWhite);
  dashes(p, 0.5f, top + 0.66f, 1.5f, 0.02f, 0.1f, 0.07f, false, kWhite);
}

}  // namespace tunegrid::aerial
