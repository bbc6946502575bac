// aerial_world.cpp — the aerial world's class list, parsing, captions and render_aerial
// (aerial_world.h); the class painters live in aerial_{transport,land,buildings}.cpp.
#include "workers/data/aerial_world.h"

#include <fmt/format.h>

#include "core/errors.h"
#include <algorithm>

#include "core/text.h"
#include "workers/data/aerial_parts.h"

namespace tunegrid {

namespace {

struct AerialClass {
  const char* name;
  aerial::ClassPainter paint;
};

const std::vector<AerialClass>& classes() {
  using namespace aerial;
  static const std::vector<AerialClass> table{
      {"airplane", airplane},
      {"baseball_field", baseball_field},
      {"basketball_court", basketball_court},
      {"beach", beach},
      {"bridge", bridge},
      {"cemetery", cemetery},
      {"chaparral", chaparral},
      {"christmas_tree_farm", christmas_tree_farm},
      {"closed_road", closed_road},
      {"coastal_mansion", coastal_mansion},
      {"crosswalk", crosswalk},
      {"dense_residential", dense_residential},
      {"ferry_terminal", ferry_terminal},
      {"football_field", football_field},
      {"forest", forest},
      {"freeway", freeway},
      {"golf_course", golf_course},
      {"harbor", harbor},
      {"intersection", intersection},
      {"mobile_home_park", mobile_home_park},
      {"nursing_home", nursing_home},
      {"oil_gas_field", oil_gas_field},
      {"oil_well", oil_well},
      {"overpass", overpass},
      {"parking_lot", parking_lot},
      {"parking_space", parking_space},
      {"railway", railway},
      {"river", river},
      {"runway", runway},
      {"runway_marking", runway_marking},
      {"shipping_yard", shipping_yard},
      {"solar_panel", solar_panel},
      {"sparse_residential", sparse_residential},
      {"storage_tank", storage_tank},
      {"swimming_pool", swimming_pool},
      {"tennis_court", tennis_court},
      {"transformer_station", transformer_station},
      {"wastewater_treatment_plant", wastewater_treatment_plant},
  };
  return table;
}

// The class as a caption phrase: "baseball field", "dense residential area".
std::string phrase(int class_index) {
  std::string text = aerial_class_names()[class_index];
  for (auto& c : text)
    if (c == '_') c = ' ';
  if (text == "dense residential" || text == "sparse residential") text += " area";
  return text;
}

}  // namespace

const std::vector<std::string>& aerial_class_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& c : classes()) out.emplace_back(c.name);
    return out;
  }();
  return names;
}

int parse_aerial_class(const std::string& name, const std::string& what) {
  const auto& names = aerial_class_names();
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  throw InputError(fmt::format("{}: unknown aerial class '{}'{}; expected one of the 38 PatternNet classes ({})", what,
                               name, did_you_mean(name, names), join(names, ", ")));
}

ImageBatch render_aerial(int class_index, int size, std::uint64_t seed) {
  if (class_index < 0 || class_index >= static_cast<int>(classes().size()))
    throw InputError(fmt::format("aerial class index {} is outside [0, {})", class_index, classes().size()));
  if (size < 16 || size > 512) throw InputError(fmt::format("aerial image size {} is outside [16, 512]", size));
  const AerialClass& c = classes()[class_index];
  Rng rng(mix_seed(seed, 0xae1a1000ULL + static_cast<std::uint64_t>(class_index)));
  const float angle = rng.uniform(0, 6.2831853f);  // overhead views have no up
  const float zoom = rng.uniform(0.9f, 1.1f), s = static_cast<float>(size);
  const raster::Point centre{0.5f, 0.5f};
  const raster::Affine view = raster::Affine::rotate(angle, centre)
                                  .then(raster::Affine::translate(-0.5f, -0.5f))
                                  .then(raster::Affine::scale(zoom * s, zoom * s))
                                  .then(raster::Affine::translate(s / 2, s / 2));
  raster::Canvas canvas(size, size);
  raster::Painter painter(canvas, view);
  c.paint(painter, rng);
  return canvas.to_image();
}

std::string aerial_subject(int class_index) { return with_article(phrase(class_index)); }

std::string class_subject(const std::string& name) {
  const auto& names = aerial_class_names();
  const auto found = std::find(names.begin(), names.end(), name);
  return found != names.end() ? aerial_subject(static_cast<int>(found - names.begin())) : with_article(name);
}

std::string aerial_prompt(int class_index) { return "an aerial image of " + aerial_subject(class_index); }

std::string aerial_caption(int class_index, std::uint64_t seed) {
  const std::string subject = aerial_subject(class_index);
  Rng rng(mix_seed(seed, 0xca7f10aULL));
  switch (rng.below(5)) {
    case 0:
    case 1: return aerial_prompt(class_index);
    case 2: return "a satellite photo of " + subject;
    case 3: return "an overhead view of " + subject;
    default: return subject + " seen from above";
  }
}

}  // namespace tunegrid
