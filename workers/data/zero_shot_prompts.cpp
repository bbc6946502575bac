// zero_shot_prompts.cpp — see zero_shot_prompts.h.
#include "workers/data/zero_shot_prompts.h"

#include <algorithm>

#include "core/errors.h"
#include "workers/data/aerial_world.h"
#include "workers/data/scene_world.h"

namespace tunegrid {

namespace {

constexpr int kAerialTemplateSeeds = 16;  // enough draws to meet every aerial template

}  // namespace

ZeroShotPrompts zero_shot_prompts(const std::string& label) {
  ZeroShotPrompts result;
  const std::size_t styles = scene_style_names().size(), disasters = scene_disaster_names().size();
  if (label == "style" || label == "disaster") {
    const bool by_style = label == "style";
    result.classes = by_style ? scene_style_names() : scene_disaster_names();
    for (std::size_t c = 0; c < result.classes.size(); ++c) {
      std::vector<std::string> prompts;
      for (std::size_t other = 0; other < (by_style ? disasters : styles); ++other)
        prompts.push_back(by_style ? scene_prompt(static_cast<SceneStyle>(c), static_cast<SceneDisaster>(other))
                                   : scene_prompt(static_cast<SceneStyle>(other), static_cast<SceneDisaster>(c)));
      result.prompts.push_back(prompts);
    }
    return result;
  }
  if (label == "class") {
    result.classes = aerial_class_names();
    for (std::size_t c = 0; c < result.classes.size(); ++c) {
      std::vector<std::string> prompts;
      for (int seed = 0; seed < kAerialTemplateSeeds; ++seed) {
        const std::string caption = aerial_caption(static_cast<int>(c), static_cast<std::uint64_t>(seed));
        if (std::find(prompts.begin(), prompts.end(), caption) == prompts.end()) prompts.push_back(caption);
      }
      result.prompts.push_back(prompts);
    }
    return result;
  }
  throw InputError("zero-shot classification: label '" + label + "' has no prompts; expected style, disaster or class");
}

}  // namespace tunegrid
