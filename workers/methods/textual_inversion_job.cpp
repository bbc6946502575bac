// textual_inversion_job.cpp — the `finetune.textual_inversion` job kind: its parameters
// (textual_inversion_job.h) into a TextualInversion (textual_inversion.h) for the shared
// fine-tuning job (finetune_job.h).
#include "workers/methods/finetune_job.h"
#include "workers/methods/textual_inversion.h"
#include "workers/methods/textual_inversion_job.h"

namespace tunegrid {

JobKind finetune_textual_inversion_kind() {
  auto params = std::make_shared<const TextualInversionJobParams>();
  return finetune_kind(finetune_textual_inversion_spec(), params, [params](const Job& job, const FineTuneSettings&) {
    TextualInversionConfig config;
    config.placeholder_token = params->placeholder_token.of(job);
    config.initializer_token = params->initializer_token.of(job);
    config.num_vectors = params->num_vectors.of(job);
    MethodJob method_job;
    method_job.method = std::make_unique<TextualInversion>(config);
    return method_job;
  });
}

}  // namespace tunegrid
