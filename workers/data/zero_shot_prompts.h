// zero_shot_prompts.h — the prompts a CLIP model classifies the builtin worlds' images with,
// zero-shot, one list per class: CLIP's prompt ensembling (Radford et al. 2021, Sec. 3.1.4)
// with this world's own caption forms. workers/eval/zero_shot.h scores a class by its best
// prompt.
//   style     "a <noun>", "a <noun> in the fire", ... (the scene prompt with every disaster)
//   disaster  the scene prompt of that disaster with every style
//   class     the aerial caption templates of that class
#pragma once
#include <string>
#include <vector>

namespace tunegrid {

// Class names and, per class, its prompts. Throws InputError naming `label` when it is not
// one of style, disaster, class.
struct ZeroShotPrompts {
  std::vector<std::string> classes;
  std::vector<std::vector<std::string>> prompts;  // per class
};
ZeroShotPrompts zero_shot_prompts(const std::string& label);

}  // namespace tunegrid
