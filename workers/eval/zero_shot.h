// zero_shot.h — zero-shot classification with CLIP embeddings (Radford et al. 2021,
// Sec. 3.1): a class is the set of its prompts' embeddings (zero_shot_prompts.h) and an
// image's score for it is the highest cosine with any of them. In the builtin worlds a
// style's prompts name it with each disaster, and a flooded hanok is nearest to "a hanok in
// the flood", not to the mean of all hanok prompts — so the max over prompts, not the
// mean embedding of the ensemble.
#pragma once
#include <ATen/core/Tensor.h>

#include <vector>

namespace tunegrid {

class CLIPEvaluator;
struct ZeroShotPrompts;

// image_embeds [N, D]; prompt_embeds[c] [P_c, D] (any scale) -> [N, classes] cosines.
at::Tensor zero_shot_logits(const at::Tensor& image_embeds, const std::vector<at::Tensor>& prompt_embeds);

// The same with each class's prompts (zero_shot_prompts.h) embedded by `clip`.
at::Tensor zero_shot_logits(CLIPEvaluator& clip, const at::Tensor& image_embeds, const ZeroShotPrompts& prompts);

}  // namespace tunegrid
