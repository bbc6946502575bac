// flux_lora_job.cpp — the `finetune.flux_lora` job kind: its parameters (flux_lora_job.h) into a
// FluxLoRA (flux_lora.h) and the loop's optimizer settings, for the shared fine-tuning job
// (finetune_job.h).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/errors.h"
#include "workers/methods/finetune_job.h"
#include "workers/methods/flux_lora.h"
#include "workers/methods/flux_lora_job.h"

namespace tunegrid {

namespace {

FluxLoRAConfig flux_lora_config_of(const FluxLoRAJobParams& params, const Job& job) {
  FluxLoRAConfig config;
  config.rank = params.rank.of(job);
  config.alpha = params.lora_alpha.of(job);
  config.dropout = params.lora_dropout.of(job);
  config.target_modules = params.lora_layers.of(job);
  config.train_text_encoder = params.train_text_encoder.of(job);
  config.concept_text = params.instance_text.of(job);
  FluxTrainingOptions& training = config.training;
  training.weighting_scheme = params.weighting_scheme.of(job);
  training.logit_mean = params.logit_mean.of(job);
  training.logit_std = params.logit_std.of(job);
  training.mode_scale = params.mode_scale.of(job);
  training.guidance_scale = params.guidance_scale.of(job);
  training.max_sequence_length = params.max_sequence_length.of(job);
  return config;
}

}  // namespace

namespace {

// The loop's optimizer: AdamW, or Prodigy with the script's betas, ε and weight decay; validation
// images at the embedded guidance the model trains with.
void adjust_flux_settings(const FluxLoRAJobParams& params, const Job& job, FineTuneSettings& settings) {
  std::string name = params.optimizer.of(job);
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  settings.optimizer = name;
  ProdigyOptions& prodigy = settings.prodigy;
  prodigy.beta1 = settings.adam.beta1;
  prodigy.beta2 = settings.adam.beta2;
  prodigy.epsilon = settings.adam.epsilon;
  prodigy.weight_decay = settings.adam.weight_decay;
  prodigy.beta3 = params.prodigy_beta3.of(job);
  prodigy.decouple = params.prodigy_decouple.of(job);
  prodigy.use_bias_correction = params.prodigy_use_bias_correction.of(job);
  prodigy.safeguard_warmup = params.prodigy_safeguard_warmup.of(job);
  settings.sample_guidance = params.guidance_scale.of(job);
}

}  // namespace

JobKind finetune_flux_lora_kind() {
  auto params = std::make_shared<const FluxLoRAJobParams>();
  return finetune_kind(finetune_flux_lora_spec(), params, [params](const Job& job, const FineTuneSettings& settings) {
    if (params->model.of(job).empty())
      throw InputError(fmt::format(
          "{}: finetune.flux_lora needs a base model: a FluxPipeline diffusers folder or builtin:tiny-flux",
          params->model.where(job)));
    MethodJob method_job;
    method_job.method = std::make_unique<FluxLoRA>(flux_lora_config_of(*params, job), settings.seed);
    method_job.prior = params->prior.of(job);
    method_job.adjust_settings = [params, job](FineTuneSettings& run) { adjust_flux_settings(*params, job, run); };
    return method_job;
  });
}

}  // namespace tunegrid
