// dreambooth_job.cpp — the `finetune.dreambooth` job kind: its parameters (dreambooth_job.h)
// into a DreamBooth (dreambooth.h) and prior preservation for the shared fine-tuning job
// (finetune_job.h).
#include "workers/methods/dreambooth.h"
#include "workers/methods/dreambooth_job.h"
#include "workers/methods/finetune_job.h"

namespace tunegrid {

JobKind finetune_dreambooth_kind() {
  auto params = std::make_shared<const DreamBoothJobParams>();
  return finetune_kind(finetune_dreambooth_spec(), params, [params](const Job& job, const FineTuneSettings&) {
    DreamBoothConfig config;
    config.concept_text = params->instance_text.of(job);
    config.train_text_encoder = params->train_text_encoder.of(job);
    MethodJob method_job;
    method_job.method = std::make_unique<DreamBooth>(config);
    method_job.prior = params->prior.of(job);
    return method_job;
  });
}

}  // namespace tunegrid
