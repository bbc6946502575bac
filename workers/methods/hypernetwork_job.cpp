// hypernetwork_job.cpp — the `finetune.hypernetwork` job kind: its parameters
// (hypernetwork_job.h) into a Hypernetwork (hypernetwork.h) for the shared fine-tuning job
// (finetune_job.h).
#include "workers/methods/finetune_job.h"
#include "workers/methods/hypernetwork.h"
#include "workers/methods/hypernetwork_job.h"

namespace tunegrid {

JobKind finetune_hypernetwork_kind() {
  auto params = std::make_shared<const HypernetworkJobParams>();
  return finetune_kind(finetune_hypernetwork_spec(), params, [params](const Job& job, const FineTuneSettings& settings) {
    HypernetworkConfig config;
    config.name = params->hypernetwork_name.of(job);
    config.enable_sizes = params->enable_sizes.of(job);
    config.layer_structure = params->layer_structure.of(job);
    config.activation_func = params->activation_func.of(job);
    config.add_layer_norm = params->add_layer_norm.of(job);
    config.use_dropout = params->use_dropout.of(job);
    config.last_layer_dropout = params->last_layer_dropout.of(job);
    config.dropout_structure = params->dropout_structure.of(job);
    config.activate_output = params->activate_output.of(job);
    config.concept_text = params->instance_text.of(job);
    MethodJob method_job;
    method_job.method = std::make_unique<Hypernetwork>(config, settings.seed);
    return method_job;
  });
}

}  // namespace tunegrid
