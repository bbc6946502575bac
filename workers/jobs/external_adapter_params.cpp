// external_adapter_params.cpp — see external_adapter_params.h.
#include "workers/jobs/external_adapter_params.h"

#include <fmt/format.h>

namespace tunegrid {

ParamSpec external_loras_param() {
  return {"loras", ParamType::string_list, Value(Value::List{}),
          "LoRA files merged into the model first, each FILE or FILE:SCALE (peft / diffusers or kohya-ss keys)",
          std::nullopt, {}};
}

ParamSpec external_embeddings_param() {
  return {"embeddings", ParamType::string_list, Value(Value::List{}),
          "embedding files added to the model first, each FILE or FILE:TOKEN (default: the file's stem for "
          "AUTOMATIC1111 files, its own token for diffusers')",
          std::nullopt, {}};
}

std::vector<LoRAReference> external_loras(const Job& job) {
  std::vector<LoRAReference> references;
  if (!job.params.count("loras")) return references;
  for (const auto& item : job.param("loras").as_list())
    references.push_back(parse_lora_reference(item.as_string(), fmt::format("{} param 'loras'", job.kind)));
  return references;
}

std::vector<EmbeddingReference> external_embeddings(const Job& job) {
  std::vector<EmbeddingReference> references;
  if (!job.params.count("embeddings")) return references;
  for (const auto& item : job.param("embeddings").as_list())
    references.push_back(parse_embedding_reference(item.as_string(), fmt::format("{} param 'embeddings'", job.kind)));
  return references;
}

}  // namespace tunegrid
