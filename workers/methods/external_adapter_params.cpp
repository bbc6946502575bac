// external_adapter_params.cpp — see external_adapter_params.h.
#include "workers/methods/external_adapter_params.h"

namespace tunegrid {

ExternalLoRAsParam::ExternalLoRAsParam(ParamList& list)
    : files_(list, "loras", {},
             "LoRA files merged into the model first, each FILE or FILE:SCALE (peft / diffusers or kohya-ss keys)") {}

std::vector<LoRAReference> ExternalLoRAsParam::of(const Job& job) const {
  std::vector<LoRAReference> references;
  for (const auto& item : files_.of(job))
    references.push_back(parse_lora_reference(item, files_.where(job)));
  return references;
}

ExternalEmbeddingsParam::ExternalEmbeddingsParam(ParamList& list)
    : files_(list, "embeddings", {},
             "embedding files added to the model first, each FILE or FILE:TOKEN (default: the file's stem for "
             "AUTOMATIC1111 files, its own token for diffusers')") {}

std::vector<EmbeddingReference> ExternalEmbeddingsParam::of(const Job& job) const {
  std::vector<EmbeddingReference> references;
  for (const auto& item : files_.of(job))
    references.push_back(parse_embedding_reference(item, files_.where(job)));
  return references;
}

}  // namespace tunegrid
