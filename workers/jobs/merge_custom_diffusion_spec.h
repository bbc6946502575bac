// merge_custom_diffusion_spec.h — the parameters of `merge.custom_diffusion`, declared once (core/job_params.h):
// merge_custom_diffusion_spec.cpp publishes them, merge_custom_diffusion.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct MergeCustomDiffusionParams : ParamList {
  Param<std::vector<std::string>> concepts{*this, "concepts", {}, "finetune.custom_diffusion stages to merge (>= 2)"};
  Param<std::string> regularization_data{*this, "regularization_data", "builtin:scenes?count=200&seed=5",
                                         "data whose captions give the regularization features"};
  Param<std::vector<std::string>> target_prompts{*this, "target_prompts", {"photo of a {}", "a {}"},
                                                 "prompts whose features each concept must keep ({} is the concept)"};
};

}  // namespace tunegrid
