// external_adapters.h — LoRA and embedding files people bring from the Hub, civitai or
// AUTOMATIC1111, named on the command line (`tunegrid sample --lora FILE[:SCALE]
// --embedding FILE[:TOKEN]`) or in a study (the `loras` and `embeddings` parameters of
// `sample` and of the finetune.* kinds, whose base model they change before training).
//   FILE[:SCALE]  a LoRA file in any layout lora_files.h reads (peft / diffusers, the
//                 diffusers scripts' older keys, kohya-ss), UNet and text-encoder adapters,
//                 each at its own alpha / rank times SCALE (default 1), merged into the
//                 weights — several files add up, as diffusers' set_adapters does.
//   FILE[:TOKEN]  an embedding file (textual_inversion.h's read_embedding_file) added under
//                 TOKEN, by default the token(s) AUTOMATIC1111 or diffusers would use; a
//                 prompt's token then stands for all its vectors ("hanok" -> "hanok hanok_1").
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "workers/methods/adapter_reference.h"
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

// What the files did to the model: how a prompt's words expand (token -> "token token_1"),
// and one line per file for the log.
struct ExternalAdapters {
  std::vector<std::pair<std::string, std::string>> prompt_expansions;
  std::vector<std::string> summary;
  // `prompt` with each embedding token, as a whole word, replaced by its expansion.
  std::string expand(const std::string& prompt) const;
};

ExternalAdapters apply_external_adapters(StableDiffusion& model, const std::vector<LoRAReference>& loras,
                                         const std::vector<EmbeddingReference>& embeddings);

}  // namespace tunegrid
