// external_adapter_params.h — the `loras` and `embeddings` parameters, declared once
// (core/job_params.h) for every kind that takes them (sample, the finetune.* kinds): lists of
// "FILE[:SCALE]" and "FILE[:TOKEN]" (workers/methods/external_adapters.h), read from a job
// into references. No torch.
#pragma once
#include <vector>

#include "core/job_params.h"
#include "workers/methods/adapter_reference.h"

namespace tunegrid {

class ExternalLoRAsParam {
 public:
  explicit ExternalLoRAsParam(ParamList& list);
  // The job's `loras`; InputError naming the parameter for a missing file or a malformed scale.
  std::vector<LoRAReference> of(const Job& job) const;

 private:
  Param<std::vector<std::string>> files_;
};

class ExternalEmbeddingsParam {
 public:
  explicit ExternalEmbeddingsParam(ParamList& list);
  // The job's `embeddings`; InputError naming the parameter for a missing file.
  std::vector<EmbeddingReference> of(const Job& job) const;

 private:
  Param<std::vector<std::string>> files_;
};

}  // namespace tunegrid
