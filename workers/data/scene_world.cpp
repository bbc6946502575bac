// scene_world.cpp — the scene world's vocabulary: label names, parsing, nouns, captions and
// evaluation prompts (scene_world.h). The renderer is scene_render.cpp.
#include "workers/data/scene_world.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/rng.h"

namespace tunegrid {

const std::vector<std::string>& scene_style_names() {
  static const std::vector<std::string> names{"hanok", "chinese", "japanese", "western", "apartment", "none"};
  return names;
}
const std::vector<std::string>& scene_disaster_names() {
  static const std::vector<std::string> names{"none", "fire", "flood", "smoke", "snow", "collapse"};
  return names;
}
const std::vector<std::string>& scene_terrain_names() {
  static const std::vector<std::string> names{"mountain", "field", "river", "coast", "city"};
  return names;
}
const std::vector<std::string>& scene_time_names() {
  static const std::vector<std::string> names{"day", "dusk", "night"};
  return names;
}

namespace {

int parse_name(const std::string& name, const std::vector<std::string>& names, const char* kind,
               const std::string& what) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  throw InputError(fmt::format("{}: unknown {} '{}'{}; expected one of {}", what, kind, name,
                               did_you_mean(name, names), join(names, ", ")));
}

const char* terrain_phrase(SceneTerrain terrain) {
  switch (terrain) {
    case SceneTerrain::mountain: return "on a mountain";
    case SceneTerrain::field: return "in a field";
    case SceneTerrain::river: return "by the river";
    case SceneTerrain::coast: return "on the coast";
    case SceneTerrain::city: return "in the city";
  }
  return "";
}

const char* time_phrase(SceneTime time) {
  switch (time) {
    case SceneTime::day: return "during the day";
    case SceneTime::dusk: return "at dusk";
    case SceneTime::night: return "at night";
  }
  return "";
}

// "in the fire", ... ("" for none and collapse, which is an adjective instead).
std::string disaster_phrase(SceneDisaster disaster) {
  switch (disaster) {
    case SceneDisaster::fire: return "in the fire";
    case SceneDisaster::flood: return "in the flood";
    case SceneDisaster::smoke: return "in the smoke";
    case SceneDisaster::snow: return "in the snow";
    case SceneDisaster::none:
    case SceneDisaster::collapse: return "";
  }
  return "";
}

// A sentence about the event: "a fire broke out in a western house".
std::string event_sentence(SceneStyle style, SceneDisaster disaster) {
  const std::string subject = with_article(scene_style_noun(style));
  switch (disaster) {
    case SceneDisaster::none: return "a photo of " + subject;
    case SceneDisaster::fire: return "a fire broke out in " + subject;
    case SceneDisaster::flood: return "a flood surrounds " + subject;
    case SceneDisaster::smoke: return "smoke rises from " + subject;
    case SceneDisaster::snow: return "snow falls on " + subject;
    case SceneDisaster::collapse: return subject + " that collapsed";
  }
  return subject;
}

}  // namespace

SceneStyle parse_scene_style(const std::string& name, const std::string& what) {
  return static_cast<SceneStyle>(parse_name(name, scene_style_names(), "style", what));
}
SceneDisaster parse_scene_disaster(const std::string& name, const std::string& what) {
  return static_cast<SceneDisaster>(parse_name(name, scene_disaster_names(), "disaster", what));
}
SceneTerrain parse_scene_terrain(const std::string& name, const std::string& what) {
  return static_cast<SceneTerrain>(parse_name(name, scene_terrain_names(), "terrain", what));
}
SceneTime parse_scene_time(const std::string& name, const std::string& what) {
  return static_cast<SceneTime>(parse_name(name, scene_time_names(), "time", what));
}

std::string scene_style_noun(SceneStyle style) {
  switch (style) {
    case SceneStyle::hanok: return "hanok";
    case SceneStyle::chinese: return "chinese palace";
    case SceneStyle::japanese: return "japanese house";
    case SceneStyle::western: return "western house";
    case SceneStyle::apartment: return "apartment building";
    case SceneStyle::none: return "landscape";
  }
  return "";
}

std::string scene_prompt(SceneStyle style, SceneDisaster disaster) {
  const std::string noun = scene_style_noun(style);
  if (disaster == SceneDisaster::collapse) return "a collapsed " + noun;
  const std::string subject = with_article(noun);
  if (disaster == SceneDisaster::none) return subject;
  return subject + " " + disaster_phrase(disaster);
}

std::string scene_caption(const SceneLabels& labels, std::uint64_t seed) {
  Rng rng(mix_seed(seed, 0x63617074696f6eULL));  // "caption"
  const std::string prompt = scene_prompt(labels.style, labels.disaster);
  const std::string noun = scene_style_noun(labels.style);
  const std::string terrain = terrain_phrase(labels.terrain);
  const std::string time = time_phrase(labels.time);
  const std::string disaster = labels.disaster == SceneDisaster::none
                                   ? ""
                                   : scene_disaster_names()[static_cast<int>(labels.disaster)];
  // The evaluation prompt itself is the most frequent template, so a model trained on
  // these captions has seen exactly the prompts it is evaluated on.
  switch (rng.below(8)) {
    case 0:
    case 1: return prompt;
    case 2: return fmt::format("{} {} {}", prompt, terrain, time);  // a hanok in the fire on a mountain at dusk
    case 3: {  // a chinese palace by the river in the snow
      if (labels.disaster == SceneDisaster::none || labels.disaster == SceneDisaster::collapse)
        return fmt::format("{} {}", prompt, terrain);
      return fmt::format("{} {} {}", with_article(noun), terrain, disaster_phrase(labels.disaster));
    }
    case 4: return disaster.empty() ? noun : fmt::format("{}, {}", noun, disaster);  // the Hanok paper's "*, fire"
    case 5: return event_sentence(labels.style, labels.disaster);
    case 6: return fmt::format("a photo of {} {}", prompt, time);
    default: return fmt::format("{} {}", prompt, terrain);
  }
}

}  // namespace tunegrid
