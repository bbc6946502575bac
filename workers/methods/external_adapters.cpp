// external_adapters.cpp — see external_adapters.h.
#include "workers/methods/external_adapters.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "core/errors.h"
#include "core/input_file.h"
#include "workers/methods/lora.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/textual_inversion.h"

namespace tunegrid {

namespace {

bool word_character(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }

}  // namespace

std::string ExternalAdapters::expand(const std::string& prompt) const {
  std::string out = prompt;
  for (const auto& [token, expansion] : prompt_expansions) {
    if (token == expansion) continue;
    for (std::size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
      const std::size_t end = at + token.size();
      const bool whole = (at == 0 || !word_character(out[at - 1])) && (end == out.size() || !word_character(out[end]));
      if (!whole) {
        at = end;
        continue;
      }
      out.replace(at, token.size(), expansion);
      at += expansion.size();
    }
  }
  return out;
}

ExternalAdapters apply_external_adapters(StableDiffusion& model, const std::vector<LoRAReference>& loras,
                                         const std::vector<EmbeddingReference>& embeddings) {
  ExternalAdapters applied;
  for (const auto& lora : loras) {
    const auto adapters = read_lora_file(lora.file, model, lora.scale);
    merge_lora(model, adapters, lora.file.string());
    int unet = 0, text = 0;
    for (const auto& adapter : adapters) (adapter.component == LoRAComponent::unet ? unet : text) += 1;
    applied.summary.push_back(fmt::format("{}: {} UNet and {} text-encoder adapters merged at scale {:g} × their "
                                          "alpha / rank",
                                          lora.file.string(), unet, text, lora.scale));
  }
  for (const auto& reference : embeddings) {
    const EmbeddingFile embedding = read_embedding_file(reference.file);
    const std::vector<std::string> tokens =
        reference.token.empty() ? default_embedding_tokens(reference.file, embedding) : std::vector{reference.token};
    for (const auto& token : tokens) {
      if (token.empty())
        throw InputError(fmt::format("{}: the file names no token; give one: --embedding {}:TOKEN",
                                     reference.file.string(), reference.file.string()));
      applied.prompt_expansions.emplace_back(token, add_embedding(model, embedding, token, reference.file.string()));
    }
    applied.summary.push_back(fmt::format("{}: {} vector(s) as {}", reference.file.string(), embedding.vectors.size(0),
                                          fmt::join(tokens, ", ")));
  }
  return applied;
}

}  // namespace tunegrid
