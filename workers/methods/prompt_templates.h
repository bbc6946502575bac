// prompt_templates.h — caption templates of the fine-tuning methods ("{}" is the concept).
// No torch: the finetune.* kinds' parameters default to them.
#pragma once
#include <string>
#include <vector>

namespace tunegrid {

// Templates of diffusers' textual_inversion.py (imagenet_templates_small): "a photo of a {}", ...
const std::vector<std::string>& object_prompt_templates();

}  // namespace tunegrid
