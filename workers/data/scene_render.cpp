// scene_render.cpp — render_scene (scene_world.h): sky by time of day, terrain, the building
// (scene_buildings.cpp) and the disaster on top. Layout and building come from a stream
// seeded by (seed, style, terrain, time), the disaster from a stream seeded by (seed,
// disaster), so one seed shows the same house intact and in every disaster.
// Colour rules that keep the labels separable: only fire uses saturated orange/yellow
// (flames are drawn untinted and bright); dusk skies are purple-pink-salmon, night windows
// pale cream; only flood puts blue water into the bottom quarter (river and sea stay near
// the horizon).
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.h"
#include "workers/data/scene_parts.h"

namespace tunegrid {

namespace {

using raster::Affine;
using raster::Canvas;
using raster::Painter;
using raster::Point;
using raster::Rgb;
using raster::Tint;
using scene::BuildingBox;
using scene::jitter;
using scene::SceneFrame;

constexpr float kPi = 3.14159265f;

Tint time_tint(SceneTime time) {
  switch (time) {
    case SceneTime::day: return {};
    case SceneTime::dusk: return {{0.93f, 0.78f, 0.82f}, {6, 0, 14}};
    case SceneTime::night: return {{0.56f, 0.58f, 0.68f}, {0, 0, 4}};
  }
  return {};
}

std::vector<Point> box(float x0, float y0, float x1, float y1) { return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}; }

void draw_sky(Painter& sky, const SceneFrame& f, Rng& rng) {
  const float h = f.horizon + 0.02f;
  switch (f.labels.time) {
    case SceneTime::day: {
      const Rgb top = jitter({72, 132, 214}, rng, 12, 5), bottom = jitter({178, 210, 238}, rng, 8, 4);
      sky.polygon_gradient(box(0, 0, 1, h), top, 0, bottom, h);
      break;
    }
    case SceneTime::dusk: {
      const float mid = h * rng.uniform(0.45f, 0.6f);
      const Rgb middle = jitter({172, 84, 138}, rng, 10, 5);
      const Rgb top = jitter({58, 46, 112}, rng, 8, 4);
      // The lower gradient under the whole sky (flat above `mid`), then the upper one: no seam.
      sky.polygon_gradient(box(0, 0, 1, h), middle, mid, jitter({244, 152, 140}, rng, 6, 4), h);
      sky.polygon_gradient(box(0, 0, 1, mid), top, 0, middle, mid);
      break;
    }
    case SceneTime::night: {
      const Rgb top = jitter({8, 10, 32}, rng, 5, 2), bottom = jitter({34, 44, 84}, rng, 6, 3);
      sky.polygon_gradient(box(0, 0, 1, h), top, 0, bottom, h);
      const int stars = rng.between(12, 22);
      for (int i = 0; i < stars; ++i) {
        const float r = rng.uniform(0.004f, 0.008f);
        const float x = rng.uniform(0, 1), y = rng.uniform(0, f.horizon - 0.1f), alpha = rng.uniform(0.4f, 0.9f);
        sky.ellipse(x, y, r, r, {225, 228, 240}, alpha);
      }
      const float mx = rng.chance(0.5) ? rng.uniform(0.08f, 0.22f) : rng.uniform(0.78f, 0.92f);
      const float my = rng.uniform(0.08f, 0.18f);
      sky.ellipse(mx, my, 0.042f, 0.042f, {232, 232, 216});
      break;
    }
  }
}

// A mountain range: a few peaks, each a triangle, merged into one silhouette.
std::vector<Point> range(float horizon, float low, float high, Rng& rng) {
  const int peaks = rng.between(2, 4);
  std::vector<float> px(peaks), ph(peaks), slope(peaks);
  for (int i = 0; i < peaks; ++i) {
    px[i] = rng.uniform(-0.1f, 1.1f);
    ph[i] = rng.uniform(low, high);
    slope[i] = rng.uniform(0.5f, 0.9f);
  }
  std::vector<Point> outline{{-0.02f, horizon + 0.02f}};
  for (int k = 0; k <= 40; ++k) {
    const float x = -0.02f + 1.04f * k / 40;
    float height = 0.02f;
    for (int i = 0; i < peaks; ++i) height = std::max(height, ph[i] - std::fabs(x - px[i]) * slope[i]);
    outline.push_back({x, horizon - height});
  }
  outline.push_back({1.02f, horizon + 0.02f});
  return outline;
}

void draw_terrain(Painter& p, const SceneFrame& f, Rng& rng) {
  const float h = f.horizon;
  const bool snow = f.snow;
  const Rgb snow_top{236, 240, 247}, snow_bottom{222, 228, 238};
  Rgb ground_top{120, 165, 75}, ground_bottom{98, 145, 60};
  switch (f.labels.terrain) {
    case SceneTerrain::mountain: {
      const auto far = range(h, 0.12f, 0.3f, rng);
      p.polygon(far, snow ? Rgb{214, 220, 232} : jitter({118, 134, 160}, rng, 10, 4));
      const auto near = range(h, 0.04f, 0.14f, rng);
      p.polygon(near, snow ? Rgb{196, 204, 214} : jitter({78, 108, 82}, rng, 8, 4));
      ground_top = {96, 130, 72};
      ground_bottom = {80, 112, 60};
      break;
    }
    case SceneTerrain::city: {
      const Rgb haze = jitter({150, 158, 174}, rng, 10, 3);
      for (float x = -0.02f; x < 1.0f;) {
        const float w = rng.uniform(0.06f, 0.12f);
        const float height = rng.uniform(0.05f, 0.2f);
        p.rect(x, h - height, x + w - 0.008f, h + 0.01f, jitter(haze, rng, 8, 2));
        x += w;
      }
      ground_top = {134, 134, 130};
      ground_bottom = {116, 116, 112};
      break;
    }
    case SceneTerrain::coast:
      ground_top = {216, 200, 158};
      ground_bottom = {200, 184, 140};
      break;
    default: break;
  }
  if (snow) {
    ground_top = snow_top;
    ground_bottom = snow_bottom;
  }
  const Rgb top = jitter(ground_top, rng, 8, 3), bottom = jitter(ground_bottom, rng, 8, 3);
  p.polygon_gradient(box(0, h, 1, 1), top, h, bottom, 1);
  switch (f.labels.terrain) {
    case SceneTerrain::field: {
      const Rgb hedge = snow ? Rgb{200, 208, 214} : jitter({60, 100, 52}, rng, 8, 4);
      for (float x = rng.uniform(-0.05f, 0.05f); x < 1.05f; x += rng.uniform(0.06f, 0.1f)) {
        const float rx = rng.uniform(0.035f, 0.05f), ry = rng.uniform(0.014f, 0.022f);
        p.ellipse(x, h + 0.004f, rx, ry, hedge);
      }
      for (int k = 1; k <= 5; ++k) {
        const float y = h + (1 - h) * std::pow(k / 6.0f, 1.4f);
        p.rect(0, y - 0.004f - 0.002f * k, 1, y + 0.004f + 0.002f * k, snow ? Rgb{205, 212, 222} : Rgb{92, 136, 52}, 0.55f);
      }
      break;
    }
    case SceneTerrain::river: {
      const float y = h + rng.uniform(0.035f, 0.055f), amplitude = rng.uniform(0.006f, 0.014f);
      const float phase = rng.uniform(0, 2 * kPi), frequency = rng.uniform(5, 9);
      std::vector<Point> course;
      for (int k = 0; k <= 24; ++k) {
        const float x = -0.02f + 1.04f * k / 24;
        course.push_back({x, y + amplitude * std::sin(phase + frequency * x)});
      }
      const float width = rng.uniform(0.035f, 0.05f);
      p.polyline(course, width, snow ? Rgb{120, 160, 200} : jitter({84, 140, 196}, rng, 8, 4));
      for (float x = rng.uniform(0, 0.1f); x < 1.05f; x += rng.uniform(0.08f, 0.16f))
        p.ellipse(x, h + 0.002f, 0.03f, 0.018f, snow ? Rgb{200, 208, 214} : Rgb{58, 96, 50});
      break;
    }
    case SceneTerrain::coast: {
      const float depth = rng.uniform(0.06f, 0.09f);
      p.polygon_gradient(box(0, h, 1, h + depth), jitter({40, 110, 165}, rng, 8, 4), h, {70, 150, 190}, h + depth);
      std::vector<Point> foam;
      const float phase = rng.uniform(0, 2 * kPi);
      for (int k = 0; k <= 20; ++k) {
        const float x = -0.02f + 1.04f * k / 20;
        foam.push_back({x, h + depth + 0.004f * std::sin(phase + 14 * x)});
      }
      p.polyline(foam, 0.012f, {236, 240, 242});
      break;
    }
    case SceneTerrain::city:
      p.rect(0, 0.93f, 1, 0.985f, snow ? Rgb{210, 214, 222} : Rgb{84, 84, 88});
      break;
    default: break;
  }
}

// A flame tongue: rounded base at (x, base), pointed tip `height` above, leaning by `bend`.
std::vector<Point> flame(float x, float base, float width, float height, float bend, float phase) {
  constexpr int kSamples = 12;
  std::vector<Point> left, right;
  for (int k = 0; k <= kSamples; ++k) {
    const float t = static_cast<float>(k) / kSamples;
    const float centre = x + bend * t * t + 0.012f * std::sin(phase + 7 * t) * t;
    const float half = width / 2 * 2.7f * std::sqrt(t) * std::pow(1 - t, 1.1f);
    left.push_back({centre - half, base - t * height});
    right.push_back({centre + half, base - t * height});
  }
  left.insert(left.end(), right.rbegin(), right.rend());
  return left;
}

// Flames burst from the lower part of the building and stop short of its top, so the
// roof's silhouette (the style's most distinctive shape: a curved hanok or chinese roof, a
// steep straight japanese one, a gable) stays visible above them, and they leave the
// building's sides (japanese garden shrubs) clear; the orange glow lights the lower half only, so
// the roof keeps its colour (a glow up to the ridge turned the western slate roof brown).
// A landscape's fire (style none) burns on the ground.
void draw_fire(Painter& light, const SceneFrame& f, const BuildingBox& b, Rng& rng) {
  const float width = b.right - b.left, height = b.base - b.top, cx = (b.left + b.right) / 2;
  const bool ground_fire = f.labels.style == SceneStyle::none;
  light.ellipse(cx, b.base - 0.22f * height, 0.55f * width, 0.3f * height + 0.04f, {255, 136, 48}, 0.12f);
  light.ellipse(cx, b.base - 0.18f * height, 0.4f * width, 0.22f * height + 0.03f, {255, 136, 48}, 0.14f);
  const int count = rng.between(5, 7);
  for (int i = 0; i < count; ++i) {
    const float x = b.left + width * (ground_fire ? 0.1f + 0.8f * (i + rng.uniform(-0.3f, 0.3f)) / (count - 1)
                                                  : 0.18f + 0.64f * (i + rng.uniform(-0.3f, 0.3f)) / (count - 1));
    const float base = b.base - height * rng.uniform(0.0f, ground_fire ? 0.1f : 0.12f);
    const float h = ground_fire ? rng.uniform(0.22f, 0.34f) * f.size : rng.uniform(0.4f, 0.58f) * height;
    const float w = rng.uniform(0.09f, 0.14f) * f.size, bend = rng.uniform(-0.05f, 0.05f);
    const float phase = rng.uniform(0, 2 * kPi);
    light.polygon(flame(x, base, w, h, bend, phase), {255, 96, 16});
    light.polygon(flame(x, base - 0.005f, 0.66f * w, 0.74f * h, 0.7f * bend, phase), {255, 160, 24});
    light.polygon(flame(x, base - 0.01f, 0.36f * w, 0.45f * h, 0.5f * bend, phase), {255, 228, 96});
  }
  const int embers = rng.between(4, 8);
  for (int i = 0; i < embers; ++i) {
    const float r = rng.uniform(0.006f, 0.011f);
    const float x = b.left + rng.uniform(0, width), y = b.top - rng.uniform(0.05f, 0.2f);
    light.ellipse(x, y, r, r, {255, 170, 40}, 0.9f);
  }
}

void draw_smoke(Painter& p, const SceneFrame& f, const BuildingBox& b, Rng& rng) {
  const float width = b.right - b.left;
  const int plumes = rng.between(2, 3);
  const float wind = rng.uniform(-0.05f, 0.05f);
  for (int i = 0; i < plumes; ++i) {
    const float x = b.left + width * (0.2f + 0.6f * (i + rng.uniform(0, 1)) / plumes);
    const float grey = rng.uniform(92, 122);
    for (int k = 0; k < 12; ++k) {
      const float y = b.top + 0.04f - k * 0.07f;
      if (y < -0.12f) break;
      const float r = (0.05f + 0.017f * k) * f.size, shade = grey + 5 * k;
      p.ellipse(x + (wind + rng.uniform(-0.012f, 0.012f)) * k, y, 1.1f * r, 0.85f * r, {shade, shade, shade + 4}, 0.88f);
    }
  }
}

// A short wavy line on the water from x to x + 0.3.
std::vector<Point> ripple(float x, float y) {
  std::vector<Point> points;
  for (int k = 0; k <= 8; ++k) points.push_back({x + 0.3f * k / 8, y + 0.004f * std::sin(k * 1.6f)});
  return points;
}

void draw_flood(Painter& p, Rng& rng) {
  const float level = rng.uniform(0.71f, 0.74f), phase = rng.uniform(0, 2 * kPi);
  std::vector<Point> water;
  for (int k = 0; k <= 24; ++k) {
    const float x = -0.02f + 1.04f * k / 24;
    water.push_back({x, level + 0.007f * std::sin(phase + 18 * x)});
  }
  water.push_back({1.02f, 1.02f});
  water.push_back({-0.02f, 1.02f});
  const Rgb surface = jitter({72, 132, 202}, rng, 8, 4), deep = jitter({40, 92, 168}, rng, 8, 4);
  p.polygon_gradient(water, surface, level, deep, 1, 0.86f);
  const int ripples = rng.between(3, 5);
  for (int i = 0; i < ripples; ++i) {
    const float y = level + 0.04f + (0.22f * i) / ripples + rng.uniform(0, 0.02f), x = rng.uniform(-0.1f, 0.7f);
    p.polyline(ripple(x, y), 0.009f, {140, 188, 232}, 0.7f);
  }
}

void draw_snowfall(Painter& light, const SceneFrame& f, Rng& rng) {
  const int flakes = rng.between(40, 60);
  const float k = f.night ? 0.8f : 1.0f;
  for (int i = 0; i < flakes; ++i) {
    const float r = rng.uniform(0.01f, 0.018f);
    const float x = rng.uniform(0, 1), y = rng.uniform(0, 1);
    light.ellipse(x, y, r, r, raster::scaled(Rgb{244, 246, 250}, k), 0.9f);
  }
}

// Rubble heaped at the foot of a collapsed building, mostly on the side it leans to.
void draw_rubble(Painter& p, const SceneFrame& f, const BuildingBox& b, float side, Rng& rng) {
  const float u = f.size, cx = (b.left + b.right) / 2;
  p.ellipse(cx + side * 0.1f * u, b.base + 0.005f, 0.3f * u, 0.055f * u, jitter({122, 112, 100}, rng, 8, 3));
  const Rgb palette[4] = {b.wall, b.roof, {118, 112, 106}, {104, 82, 60}};
  const int chunks = rng.between(16, 24);
  for (int i = 0; i < chunks; ++i) {
    const float x = cx + side * rng.uniform(-0.22f, 0.42f) * u, y = b.base - rng.uniform(-0.01f, 0.07f) * u;
    const float s = rng.uniform(0.025f, 0.06f) * u, turn = rng.uniform(0, 2 * kPi);
    std::vector<Point> chunk;
    const int corners = rng.between(3, 5);
    for (int c = 0; c < corners; ++c) {
      const float a = turn + 2 * kPi * c / corners, r = s * rng.uniform(0.6f, 1.0f);
      chunk.push_back({x + r * std::cos(a), y + 0.7f * r * std::sin(a)});
    }
    p.polygon(chunk, jitter(palette[rng.below(4)], rng, 12, 4));
  }
  for (int i = 0; i < 3; ++i) {
    const float x = cx + side * rng.uniform(-0.1f, 0.35f) * u, y = b.base - rng.uniform(0.0f, 0.06f) * u;
    const float a = rng.uniform(-0.6f, 0.6f), l = rng.uniform(0.08f, 0.16f) * u;
    p.segment({x - l * std::cos(a), y - l * std::sin(a)}, {x + l * std::cos(a), y + l * std::sin(a)}, 0.014f * u, {96, 64, 42});
  }
}

// Typical building height of a style (units), for laying out the collapse cut.
float style_height(SceneStyle style) {
  switch (style) {
    case SceneStyle::hanok: return 0.36f;
    case SceneStyle::chinese: return 0.56f;
    case SceneStyle::japanese: return 0.48f;
    case SceneStyle::western: return 0.45f;
    case SceneStyle::apartment: return 0.64f;
    case SceneStyle::none: return 0.2f;
  }
  return 0.4f;
}

}  // namespace

ImageBatch render_scene(const SceneLabels& labels, int size, std::uint64_t seed) {
  if (size < 16 || size > 512) throw InputError(fmt::format("scene size {} is outside [16, 512]", size));
  const auto code = [](auto value) { return static_cast<std::uint64_t>(value); };
  Rng rng(mix_seed(seed, 0x5ce4e000ULL + code(labels.style) * 100 + code(labels.terrain) * 10 + code(labels.time)));
  Rng disaster_rng(mix_seed(seed, 0xd15a5000ULL + code(labels.disaster)));
  SceneFrame f;
  f.labels = labels;
  f.horizon = rng.uniform(0.56f, 0.63f);
  f.base = rng.uniform(0.83f, 0.88f);
  f.cx = 0.5f + rng.uniform(-0.07f, 0.07f);
  f.size = rng.uniform(0.87f, 1.13f);
  f.night = labels.time == SceneTime::night;
  f.snow = labels.disaster == SceneDisaster::snow;

  Canvas canvas(size, size);
  const Affine to_pixels = Affine::scale(static_cast<float>(size), static_cast<float>(size));
  Painter scene(canvas, to_pixels, time_tint(labels.time));
  Painter light(canvas, to_pixels);  // untinted: sky, flames, lit windows
  draw_sky(light, f, rng);
  draw_terrain(scene, f, rng);

  const bool collapse = labels.disaster == SceneDisaster::collapse;
  const float side = disaster_rng.sign();
  Painter building(canvas, to_pixels, time_tint(labels.time));
  Painter windows(canvas, to_pixels);
  if (collapse && labels.style != SceneStyle::none) {
    // Lean towards `side` about the opposite foot, sink, and lose the upper corner.
    const float angle = side * disaster_rng.uniform(0.16f, 0.28f);
    const Point pivot{f.cx - side * 0.25f * f.size, f.base};
    const Affine fall = Affine::rotate(angle, pivot).then(Affine::translate(0, 0.03f * f.size)).then(to_pixels);
    building.transform = fall;
    windows.transform = fall;
    const float height = style_height(labels.style) * f.size, top = f.base - height;
    const Point a{f.cx - side * disaster_rng.uniform(0.0f, 0.1f), top - 0.05f};
    const Point b{f.cx + side * 0.5f, top + disaster_rng.uniform(0.45f, 0.65f) * height};
    scene.clip({{a, b}, {{-1, f.base + 0.01f}, {2, f.base + 0.01f}}}, {f.cx, f.base - 0.02f});
  }
  f.lights = &windows;
  const BuildingBox box = scene::draw_building(building, f, rng);
  canvas.set_clip({});

  switch (labels.disaster) {
    case SceneDisaster::none: break;
    case SceneDisaster::fire: draw_fire(light, f, box, disaster_rng); break;
    case SceneDisaster::flood: draw_flood(scene, disaster_rng); break;
    case SceneDisaster::smoke: draw_smoke(scene, f, box, disaster_rng); break;
    case SceneDisaster::snow: draw_snowfall(light, f, disaster_rng); break;
    case SceneDisaster::collapse: draw_rubble(scene, f, box, side, disaster_rng); break;
  }
  return canvas.to_image();
}

}  // namespace tunegrid
