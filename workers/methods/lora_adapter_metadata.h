// lora_adapter_metadata.h — the scales of a diffusers LoRA file whose alphas live in its
// header. diffusers' save_lora_weights(..., unet_lora_adapter_metadata=...,
// text_encoder_lora_adapter_metadata=...) stores each component's peft LoraConfig as JSON
// under the safetensors metadata key "lora_adapter_metadata", every field prefixed by the
// component ({"unet.r": 2, "unet.lora_alpha": 6, "unet.alpha_pattern": {"attn2.to_k": 1}, ...});
// diffusers' loaders build the LoraConfig from it, and peft scales each adapter by
// lora_alpha / r (lora_alpha / sqrt(r) with use_rslora), rank_pattern and alpha_pattern
// overriding r and lora_alpha for modules whose name they match (peft's get_pattern_key: the
// pattern, a regular expression, matches the end of the module's name at a '.' boundary).
// Fields that change what an adapter computes and that tunegrid does not implement (DoRA,
// LoRA biases, fan_in_fan_out, other peft variants) are refused with the field's name, never
// guessed at; fields that only describe training (init, dropout, target_modules) are ignored.
#pragma once
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "workers/methods/lora.h"

namespace tunegrid {

struct PeftLoraConfig {
  int r = 8;
  double lora_alpha = 8;
  bool use_rslora = false;
  std::vector<std::pair<std::string, int>> rank_pattern;      // in the file's order
  std::vector<std::pair<std::string, double>> alpha_pattern;

  // The scale of the adapter of `module` (its path as lora_modules names it) whose factors
  // have rank `rank`; InputError naming `what` when the config's rank for it differs.
  double scale_of(const std::string& module, int rank, const std::string& what) const;
};

// One peft LoraConfig's fields (adapter_config.json, or a component's in the metadata with its
// prefix stripped); InputError naming `what` and the field for anything it cannot interpret.
PeftLoraConfig peft_lora_config(const nlohmann::json& fields, const std::string& what);

// The configs the metadata describes, by component; empty when the file has none.
// InputError naming `file` and the field for anything it cannot interpret.
std::map<LoRAComponent, PeftLoraConfig> read_lora_adapter_metadata(const std::map<std::string, std::string>& metadata,
                                                                   const std::filesystem::path& file);

}  // namespace tunegrid
