// custom_diffusion_job.h — the parameters of `finetune.custom_diffusion` (diffusers'
// train_custom_diffusion.py; the method in custom_diffusion.h): the shared ones with the
// script's defaults, then its own, prior preservation's (regularization images) and the
// joint multi-concept lists (the script's concepts_list). Spec in
// custom_diffusion_job_spec.cpp, runner in custom_diffusion_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"

namespace tunegrid {

struct CustomDiffusionJobParams : FineTuneParams {
  CustomDiffusionJobParams();
  Param<std::string> modifier_token{*this, "modifier_token", "<new1>", "the new token V*"};
  Param<std::string> initializer_token{*this, "initializer_token", "house",
                                       "single token V* starts from (SD: ktn)"};
  Param<std::string> instance_text{*this, "instance_text", "<new1> house",
                                   "the concept in prompts (V* + class word)"};
  Param<std::string> freeze_model{*this, "freeze_model", "crossattn_kv", "train attn2 k/v, or all of attn2",
                                  std::nullopt, {"crossattn_kv", "crossattn"}};
  Param<bool> augment{*this, "augment", true, "rescaled images with the masked loss (diffusers: not --noaug)"};
  PriorPreservationParams prior{*this, "regularization images", true, "photo of a house", 200};
  Param<std::vector<std::string>> concepts_data{
      *this, "concepts_data", {},
      "joint training: one data reference per concept (diffusers' concepts_list), replacing data"};
  Param<std::vector<std::string>> concepts_instance_text{
      *this, "concepts_instance_text", {},
      "joint training: each concept's text with its modifier token (modifier_token \"<new1>+<new2>\")"};
  Param<std::vector<std::string>> concepts_class_prompt{
      *this, "concepts_class_prompt", {},
      "joint training: each concept's regularization prompt, replacing class_prompt"};
};

}  // namespace tunegrid
