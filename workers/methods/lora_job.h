// lora_job.h — the parameters of `finetune.lora` (diffusers' train_dreambooth_lora.py with
// peft; the method in lora.h): the shared ones with the script's defaults, then its own. Spec
// in lora_job_spec.cpp, runner in lora_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"
#include "workers/methods/lora_target_names.h"

namespace tunegrid {

struct LoRAJobParams : FineTuneParams {
  LoRAJobParams();
  Param<int> rank{*this, "rank", 4, "LoRA rank r", 1.0};
  Param<double> lora_alpha{*this, "lora_alpha", 0.0, "alpha (scale alpha / r); 0: = rank", 0.0};
  Param<std::vector<std::string>> target_modules{*this, "target_modules", lora_target_names(),
                                                 "UNet attention projections to adapt", std::nullopt,
                                                 lora_target_names()};
  Param<bool> train_text_encoder{
      *this, "train_text_encoder", false,
      "also adapt the text encoder (same rank, alpha and lr; diffusers' --train_text_encoder)"};
  Param<std::vector<std::string>> text_encoder_target_modules{
      *this, "text_encoder_target_modules", lora_text_encoder_target_names(),
      "text-encoder attention projections to adapt, with train_text_encoder", std::nullopt,
      lora_text_encoder_target_names()};
  Param<std::string> init_lora_weights{*this, "init_lora_weights", "gaussian",
                                       "A's init: gaussian (peft) or kaiming (kohya)", std::nullopt,
                                       {"gaussian", "kaiming"}};
  Param<std::string> instance_text{*this, "instance_text", "sks house", "the subject in prompts"};
};

}  // namespace tunegrid
