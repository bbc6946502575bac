// external_adapter_params.h — the `loras` and `embeddings` parameters, declared once for every
// kind that takes them (sample, the finetune.* kinds): lists of "FILE[:SCALE]" and
// "FILE[:TOKEN]" (workers/methods/external_adapters.h), read from a job into references. No torch.
#pragma once
#include <vector>

#include "core/kind_spec.h"
#include "core/plan.h"
#include "workers/methods/adapter_reference.h"

namespace tunegrid {

ParamSpec external_loras_param();
ParamSpec external_embeddings_param();

// The job's `loras` / `embeddings`; InputError naming the parameter for a missing file or a
// malformed scale.
std::vector<LoRAReference> external_loras(const Job& job);
std::vector<EmbeddingReference> external_embeddings(const Job& job);

}  // namespace tunegrid
