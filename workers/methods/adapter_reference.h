// adapter_reference.h — a LoRA or embedding file named by a user: "FILE[:SCALE]" (--lora, the
// `loras` parameter) or "FILE[:TOKEN]" (--embedding, `embeddings`). A ':' splits off SCALE or
// TOKEN only when what precedes it is an existing file, so paths with ':' still work. No
// torch; applying them is external_adapters.h's.
#pragma once
#include <filesystem>
#include <string>

namespace tunegrid {

struct LoRAReference {
  std::filesystem::path file;
  double scale = 1.0;
};

struct EmbeddingReference {
  std::filesystem::path file;
  std::string token;  // empty: default_embedding_tokens
};

// InputError naming `what` (e.g. "--lora") for a missing file or a scale that is no number.
LoRAReference parse_lora_reference(const std::string& text, const std::string& what);
EmbeddingReference parse_embedding_reference(const std::string& text, const std::string& what);

}  // namespace tunegrid
