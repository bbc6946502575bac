// scene_world.h — the builtin procedural scene world: a house of a given style in a
// landscape, at a time of day, possibly struck by a disaster, rendered deterministically
// with anti-aliasing, with its labels and captions as ground truth. The styles' traits
// follow the Hanok paper's comparison of hanok with Chinese and Japanese houses (Choi et
// al. 2023, Sec. 2 and Fig. 1):
//   hanok      single storey; dark-grey tiled roof with gently upturned curved eaves;
//              white walls; brown wooden frame (posts and beams); low saturation
//   chinese    red walls and pillars; two-tier roof in gold or green; large
//   japanese   dark wood walls; two storeys; steep straight roof; a garden (shrubs)
//   western    brick walls; gable (triangular) roof; chimney
//   apartment  tall grey block with a regular window grid; flat roof
//   none       no building (landscape only)
// Disasters: fire (flames from the lower part of the building, below its roofline, and an
// orange glow), flood (blue water over the lower part), smoke (grey plumes), snow (white
// flakes and white roof caps), collapse (the building tilted and broken, rubble).
// Terrains: mountain, field, river, coast, city. Times: day (blue sky), dusk
// (purple-pink-salmon sky), night (dark sky, pale cream lit windows). Colour rules that keep
// the labels separable at 32 px: only fire uses saturated orange/yellow (flames are drawn
// bright and untinted at every time of day); only flood puts blue water into the bottom
// rows (rivers and the sea stay near the horizon); only snow whitens the ground.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

enum class SceneStyle { hanok, chinese, japanese, western, apartment, none };
enum class SceneDisaster { none, fire, flood, smoke, snow, collapse };
enum class SceneTerrain { mountain, field, river, coast, city };
enum class SceneTime { day, dusk, night };

struct SceneLabels {
  SceneStyle style = SceneStyle::hanok;
  SceneDisaster disaster = SceneDisaster::none;
  SceneTerrain terrain = SceneTerrain::field;
  SceneTime time = SceneTime::day;
};

// Label names in enum order ("hanok", "chinese", ...; "none", "fire", ...), as used in
// builtin: references, the store's params and the oracle's class indices.
const std::vector<std::string>& scene_style_names();
const std::vector<std::string>& scene_disaster_names();
const std::vector<std::string>& scene_terrain_names();
const std::vector<std::string>& scene_time_names();

// Name -> enum; throws InputError naming `what` (e.g. "builtin:scenes parameter 'style'")
// with a did-you-mean suggestion.
SceneStyle parse_scene_style(const std::string& name, const std::string& what);
SceneDisaster parse_scene_disaster(const std::string& name, const std::string& what);
SceneTerrain parse_scene_terrain(const std::string& name, const std::string& what);
SceneTime parse_scene_time(const std::string& name, const std::string& what);

// The noun phrase a caption uses for a style: "hanok", "chinese palace", "japanese house",
// "western house", "apartment building", "landscape" (none).
std::string scene_style_noun(SceneStyle style);

// One image (count 1, size × size, RGB) of the scene; the same (labels, size, seed) always
// gives the same pixels. Layout details (position, proportions, colours within the style's
// palette, terrain features, flame shapes, ...) vary with the seed; the layout depends on
// (style, terrain, time, seed) only, so one seed shows the same house intact and under each
// disaster, and sizes differ only in resolution. size in [16, 512] (InputError otherwise).
// Renders in about 0.1 ms at 32 px and 0.3 ms at 64 px on one core.
ImageBatch render_scene(const SceneLabels& labels, int size, std::uint64_t seed);

// A caption of the scene from one of several templates chosen by `seed`, e.g. "a hanok on a
// mountain at dusk", "a chinese palace in the fire", "a fire broke out in a western house",
// "a japanese house by the river in the snow", "a collapsed apartment building". It always
// names the style (its noun) and the disaster (when not none); terrain and time are named
// by some templates only.
std::string scene_caption(const SceneLabels& labels, std::uint64_t seed);

// The short prompt of a (style, disaster) pair used for evaluation: "a hanok",
// "a hanok in the fire", "a hanok in the flood", "a hanok in the smoke", "a hanok in the
// snow", "a collapsed hanok".
std::string scene_prompt(SceneStyle style, SceneDisaster disaster);

}  // namespace tunegrid
