// lora_job.cpp — the `finetune.lora` job kind: its parameters (lora_job.h) into a LoRA
// (lora.h) for the shared fine-tuning job (finetune_job.h).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "workers/methods/finetune_job.h"
#include "workers/methods/lora.h"
#include "workers/methods/lora_job.h"

namespace tunegrid {

namespace {

LoRAConfig lora_config_of(const LoRAJobParams& params, const Job& job) {
  LoRAConfig config;
  config.rank = params.rank.of(job);
  config.alpha = params.lora_alpha.of(job);
  config.target_modules = params.target_modules.of(job);
  config.train_text_encoder = params.train_text_encoder.of(job);
  config.text_encoder_target_modules = params.text_encoder_target_modules.of(job);
  if (!config.train_text_encoder && config.text_encoder_target_modules != lora_text_encoder_target_names())
    throw InputError(fmt::format("{} = [{}] has no effect while '{}' is false; set {} = true",
                                 params.text_encoder_target_modules.where(job),
                                 fmt::join(config.text_encoder_target_modules, ", "), params.train_text_encoder.name(),
                                 params.train_text_encoder.name()));
  config.init = params.init_lora_weights.of(job);
  config.concept_text = params.instance_text.of(job);
  return config;
}

}  // namespace

JobKind finetune_lora_kind() {
  auto params = std::make_shared<const LoRAJobParams>();
  return finetune_kind(finetune_lora_spec(), params, [params](const Job& job, const FineTuneSettings& settings) {
    MethodJob method_job;
    method_job.method = std::make_unique<LoRA>(lora_config_of(*params, job), settings.seed);
    return method_job;
  });
}

}  // namespace tunegrid
