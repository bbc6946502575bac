// zero_shot.cpp — see zero_shot.h.
#include "workers/eval/zero_shot.h"

#include "workers/data/zero_shot_prompts.h"
#include "workers/eval/clip_evaluator.h"

#include <ATen/ATen.h>

namespace tunegrid {

namespace {

at::Tensor unit_rows(const at::Tensor& x) { return x / x.norm(2, {-1}, true).clamp_min(1e-12); }

}  // namespace

at::Tensor zero_shot_logits(const at::Tensor& image_embeds, const std::vector<at::Tensor>& prompt_embeds) {
  const at::Tensor images = unit_rows(image_embeds.to(at::kFloat));  // [N, D]
  std::vector<at::Tensor> columns;
  for (const auto& prompts : prompt_embeds)
    columns.push_back(std::get<0>(images.matmul(unit_rows(prompts.to(at::kFloat)).t()).max(1)));  // [N]
  return at::stack(columns, 1);  // [N, classes]
}

at::Tensor zero_shot_logits(CLIPEvaluator& clip, const at::Tensor& image_embeds, const ZeroShotPrompts& prompts) {
  std::vector<at::Tensor> class_prompts;
  for (const auto& list : prompts.prompts) class_prompts.push_back(clip.text_embeddings(list));
  return zero_shot_logits(image_embeds, class_prompts);
}

}  // namespace tunegrid
