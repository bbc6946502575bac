// flux_lora_job.h — the parameters of `finetune.flux_lora` (diffusers'
// train_dreambooth_lora_flux.py with peft; the method in flux_lora.h, the family's training in
// flux_training.h): the shared ones with the script's defaults (batch 4, lr 1e-4, weight decay
// 1e-4), then its own under the script's names — rank, lora_alpha, lora_dropout, lora_layers,
// train_text_encoder, weighting_scheme, logit_mean, logit_std, mode_scale, guidance_scale,
// max_sequence_length, optimizer (AdamW | prodigy) and prodigy_*, prior preservation. Spec in
// flux_lora_job_spec.cpp, runner in flux_lora_job.cpp. No torch.
#pragma once
#include "workers/methods/finetune_params.h"

namespace tunegrid {

struct FluxLoRAJobParams : FineTuneParams {
  FluxLoRAJobParams();
  Param<int> rank{*this, "rank", 4, "LoRA rank r", 1.0};
  Param<double> lora_alpha{*this, "lora_alpha", 4.0, "LoRA alpha (scale alpha / r)", 0.0};
  Param<double> lora_dropout{*this, "lora_dropout", 0.0, "dropout on the adapters' input while training", 0.0};
  Param<std::vector<std::string>> lora_layers;
  Param<bool> train_text_encoder{*this, "train_text_encoder", false,
                                 "also adapt CLIP's q/k/v/out_proj (same rank, alpha and lr)"};
  Param<std::string> instance_text{*this, "instance_text", "sks house", "the subject in prompts"};
  Param<std::string> weighting_scheme{*this, "weighting_scheme", "none",
                                      "timestep density and loss weighting (SD3 / FLUX training)", std::nullopt,
                                      {"none", "sigma_sqrt", "logit_normal", "mode", "cosmap"}};
  Param<double> logit_mean{*this, "logit_mean", 0.0, "logit_normal: mean"};
  Param<double> logit_std{*this, "logit_std", 1.0, "logit_normal: standard deviation", 0.0};
  Param<double> mode_scale{*this, "mode_scale", 1.29, "mode: scale"};
  Param<double> guidance_scale{*this, "guidance_scale", 3.5, "guidance embedded while training (FLUX.1-dev)", 0.0};
  Param<int> max_sequence_length{*this, "max_sequence_length", 0,
                                 "T5 tokens of a caption (0: 512 as the script, or the tokenizer's shorter "
                                 "model_max_length)", 0.0};
  Param<std::string> optimizer{*this, "optimizer", "AdamW", "AdamW or prodigy (then learning_rate 1.0)",
                               std::nullopt, {"AdamW", "adamw", "prodigy", "Prodigy"}};
  Param<double> prodigy_beta3{*this, "prodigy_beta3", 0.0, "Prodigy β3 (0: √β2)", 0.0};
  Param<bool> prodigy_decouple{*this, "prodigy_decouple", true, "Prodigy: decoupled weight decay"};
  Param<bool> prodigy_use_bias_correction{*this, "prodigy_use_bias_correction", true, "Prodigy: Adam bias correction"};
  Param<bool> prodigy_safeguard_warmup{*this, "prodigy_safeguard_warmup", true,
                                       "Prodigy: leave the learning rate out of d's denominator (for warmup)"};
  PriorPreservationParams prior{*this, "class images", false, "a photo of a house", 100};
};

}  // namespace tunegrid
