// aerial_parts.h — internal to the aerial renderer: one painter function per PatternNet
// class (aerial_transport.cpp, aerial_land.cpp, aerial_buildings.cpp) and the small shapes
// they share (aerial_shapes.cpp). A painter draws the whole view in units: the image is
// [0,1]², already rotated and zoomed around its centre, so backgrounds and repeated
// patterns cover [-0.4, 1.4]² to reach the corners.
#pragma once
#include <vector>

#include "workers/data/raster.h"
#include "workers/data/rng.h"

namespace tunegrid::aerial {

using raster::Painter;
using raster::Point;
using raster::Rgb;

// Shared palette.
constexpr Rgb kGrass{96, 138, 70}, kAsphalt{88, 88, 92}, kConcrete{172, 172, 168}, kWater{48, 92, 128};
constexpr Rgb kSand{216, 200, 158}, kWhite{238, 238, 236}, kTree{48, 86, 44};

Rgb vary(Rgb colour, Rng& rng, float amount = 10);
void background(Painter& p, Rgb colour);
// `count` small blotches of `colour` ± variation over the view: ground texture.
void speckle(Painter& p, Rng& rng, Rgb colour, int count, float r_low, float r_high, float alpha = 0.5f);
void tree(Painter& p, float x, float y, float r, Rgb colour);
Rgb car_colour(Rng& rng);
// A car (w across, l along its length), lengthwise vertical or horizontal.
void car(Painter& p, float x, float y, float w, float l, bool vertical, Rgb colour);
// A pitched roof seen from above: two halves, the shaded one darker; ridge along the longer side.
void roof(Painter& p, float x0, float y0, float x1, float y1, Rgb colour);
// A circle outline (polyline) of line width `w`.
void ring(Painter& p, float cx, float cy, float r, float w, Rgb colour, float alpha = 1);
std::vector<Point> rounded_rect(float x0, float y0, float x1, float y1, float radius);
// The outline of a rectangle as four strokes of width w.
void outline(Painter& p, float x0, float y0, float x1, float y1, float w, Rgb colour);

using ClassPainter = void (*)(Painter&, Rng&);

// transport
void airplane(Painter&, Rng&);
void bridge(Painter&, Rng&);
void closed_road(Painter&, Rng&);
void crosswalk(Painter&, Rng&);
void ferry_terminal(Painter&, Rng&);
void freeway(Painter&, Rng&);
void harbor(Painter&, Rng&);
void intersection(Painter&, Rng&);
void overpass(Painter&, Rng&);
void parking_lot(Painter&, Rng&);
void parking_space(Painter&, Rng&);
void railway(Painter&, Rng&);
void runway(Painter&, Rng&);
void runway_marking(Painter&, Rng&);
// land and sport
void baseball_field(Painter&, Rng&);
void basketball_court(Painter&, Rng&);
void beach(Painter&, Rng&);
void cemetery(Painter&, Rng&);
void chaparral(Painter&, Rng&);
void christmas_tree_farm(Painter&, Rng&);
void football_field(Painter&, Rng&);
void forest(Painter&, Rng&);
void golf_course(Painter&, Rng&);
void river(Painter&, Rng&);
void tennis_court(Painter&, Rng&);
// buildings and industry
void coastal_mansion(Painter&, Rng&);
void dense_residential(Painter&, Rng&);
void mobile_home_park(Painter&, Rng&);
void nursing_home(Painter&, Rng&);
void oil_gas_field(Painter&, Rng&);
void oil_well(Painter&, Rng&);
void shipping_yard(Painter&, Rng&);
void solar_panel(Painter&, Rng&);
void sparse_residential(Painter&, Rng&);
void storage_tank(Painter&, Rng&);
void swimming_pool(Painter&, Rng&);
void transformer_station(Painter&, Rng&);
void wastewater_treatment_plant(Painter&, Rng&);

}  // namespace tunegrid::aerial
