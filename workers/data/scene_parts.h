// scene_parts.h — internal to the scene renderer: the frame a scene is laid out in and the
// building painters (scene_buildings.cpp) that scene_render.cpp calls. All coordinates are
// units of the image side ([0,1]², y down).
#pragma once
#include "workers/data/raster.h"
#include "workers/data/rng.h"
#include "workers/data/scene_world.h"

namespace tunegrid::scene {

using raster::Painter;
using raster::Point;
using raster::Rgb;

// Colours an emissive light uses at night: pale cream, never flame-yellow.
constexpr Rgb kLitWindow{246, 238, 206};
constexpr Rgb kSnowWhite{243, 246, 251};

struct SceneFrame {
  SceneLabels labels;
  float horizon = 0.6f;  // y of the horizon
  float base = 0.85f;    // y the building stands on
  float cx = 0.5f;       // building centre
  float size = 1.0f;     // building size factor (±15 % around 1)
  bool night = false;
  bool snow = false;
  Painter* lights = nullptr;  // untinted painter for lit windows at night
};

// What the disasters need to know about the drawn building (unrotated units).
struct BuildingBox {
  float left = 0.4f, right = 0.6f, top = 0.6f, base = 0.85f;
  Rgb wall{200, 200, 200}, roof{80, 80, 80};
};

// Varies a palette colour: a shared brightness change and a smaller per-channel change.
Rgb jitter(Rgb colour, Rng& rng, float brightness, float channel);

// A white band along a roof's upper edge (points left to right), `thickness` deep.
void snow_cap(Painter& painter, const std::vector<Point>& top_edge, float thickness);

// Draws the building of frame.labels.style (nothing for none) and says where it is.
BuildingBox draw_building(Painter& painter, const SceneFrame& frame, Rng& rng);

}  // namespace tunegrid::scene
