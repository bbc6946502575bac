// lora_adapter_metadata.cpp — see lora_adapter_metadata.h.
#include "workers/methods/lora_adapter_metadata.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <regex>
#include <set>

#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

namespace {

constexpr const char* kMetadataKey = "lora_adapter_metadata";

// Fields that describe training or bookkeeping: whatever their value, inference is the same.
const std::set<std::string> kIgnoredFields = {
    "target_modules", "init_lora_weights", "lora_dropout",     "inference_mode", "task_type",
    "revision",       "base_model_name_or_path", "peft_version", "megatron_core", "qalora_group_size",
    "auto_mapping",   "ensure_weight_tying", "layers_pattern", "layers_to_transform", "exclude_modules"};

// Fields read below.
const std::set<std::string> kReadFields = {"r", "lora_alpha", "use_rslora", "rank_pattern", "alpha_pattern",
                                           "peft_type", "bias", "fan_in_fan_out"};

// A value that leaves a peft option off: null, false, "", {}, [].
bool is_off(const nlohmann::json& value) {
  return value.is_null() || (value.is_boolean() && !value.get<bool>()) || (value.is_string() && value.get<std::string>().empty()) ||
         (value.is_object() && value.empty()) || (value.is_array() && value.empty());
}

// peft's get_pattern_key: does `pattern` match the end of `module` at a '.' boundary?
bool pattern_matches(const std::string& pattern, const std::string& module, const std::string& what) {
  try {
    return std::regex_match(module, std::regex("(.*\\.)?(" + pattern + ")"));
  } catch (const std::regex_error&) {
    throw InputError(fmt::format("{}: pattern '{}' is not a regular expression tunegrid reads", what, pattern));
  }
}

template <class T>
std::vector<std::pair<std::string, T>> read_pattern(const nlohmann::json& value, const std::string& what) {
  std::vector<std::pair<std::string, T>> pattern;
  if (value.is_null()) return pattern;
  if (!value.is_object()) throw InputError(fmt::format("{}: expected an object of module pattern -> number", what));
  for (const auto& [key, number] : value.items()) {
    if (!number.is_number()) throw InputError(fmt::format("{}: '{}' maps to {}, not a number", what, key, number.dump()));
    pattern.emplace_back(key, number.template get<T>());
  }
  return pattern;
}

}  // namespace

PeftLoraConfig peft_lora_config(const nlohmann::json& fields, const std::string& what) {
  for (const auto& [key, value] : fields.items()) {
    if (kIgnoredFields.count(key) || kReadFields.count(key) || is_off(value)) continue;
    throw InputError(fmt::format("{} '{}' = {}: a peft option tunegrid does not implement (it changes what the "
                                 "adapters compute)",
                                 what, key, abbreviate(value.dump(), 60)));
  }
  auto field = [&](const char* key) { return fields.contains(key) ? fields.at(key) : nlohmann::json(); };
  if (!field("peft_type").is_null() && field("peft_type") != "LORA")
    throw InputError(fmt::format("{} 'peft_type' = {}: not a LoRA", what, field("peft_type").dump()));
  if (!field("bias").is_null() && field("bias") != "none")
    throw InputError(fmt::format("{} 'bias' = {}: LoRA biases are not implemented", what, field("bias").dump()));
  if (field("fan_in_fan_out").is_boolean() && field("fan_in_fan_out").get<bool>())
    throw InputError(fmt::format("{} 'fan_in_fan_out' = true: transposed (Conv1D) weights are not implemented", what));
  PeftLoraConfig config;
  if (!field("r").is_number_integer() || field("r").get<int>() < 1)
    throw InputError(fmt::format("{} 'r' = {}: expected a positive integer rank", what, field("r").dump()));
  config.r = field("r").get<int>();
  if (!field("lora_alpha").is_number())
    throw InputError(fmt::format("{} 'lora_alpha' = {}: expected a number", what, field("lora_alpha").dump()));
  config.lora_alpha = field("lora_alpha").get<double>();
  config.use_rslora = field("use_rslora").is_boolean() && field("use_rslora").get<bool>();
  config.rank_pattern = read_pattern<int>(field("rank_pattern"), what + " 'rank_pattern'");
  config.alpha_pattern = read_pattern<double>(field("alpha_pattern"), what + " 'alpha_pattern'");
  return config;
}

double PeftLoraConfig::scale_of(const std::string& module, int rank, const std::string& what) const {
  int configured_rank = r;
  for (const auto& [pattern, value] : rank_pattern)
    if (pattern_matches(pattern, module, what)) {
      configured_rank = value;
      break;
    }
  double alpha = lora_alpha;
  for (const auto& [pattern, value] : alpha_pattern)
    if (pattern_matches(pattern, module, what)) {
      alpha = value;
      break;
    }
  if (configured_rank != rank)
    throw InputError(fmt::format("{}: the metadata gives '{}' rank {}, but its factors have rank {}", what, module,
                                 configured_rank, rank));
  return use_rslora ? alpha / std::sqrt(static_cast<double>(rank)) : alpha / rank;
}

std::map<LoRAComponent, PeftLoraConfig> read_lora_adapter_metadata(const std::map<std::string, std::string>& metadata,
                                                                   const std::filesystem::path& file) {
  std::map<LoRAComponent, PeftLoraConfig> configs;
  const auto entry = metadata.find(kMetadataKey);
  if (entry == metadata.end()) return configs;
  const std::string what = fmt::format("{}: metadata '{}'", file.string(), kMetadataKey);
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(entry->second);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{} is not valid JSON: {}", what, error.what()));
  }
  if (!document.is_object()) throw InputError(fmt::format("{} is not a JSON object", what));
  std::map<std::string, nlohmann::json> by_component;
  for (const auto& [key, value] : document.items()) {
    const auto dot = key.find('.');
    const std::string component = key.substr(0, dot);
    if (dot == std::string::npos || !lora_component_of(component))
      throw InputError(
          fmt::format("{}: key '{}' is for no component tunegrid loads (unet, text_encoder, transformer)", what, key));
    by_component[component][key.substr(dot + 1)] = value;
  }
  for (const auto& [component, fields] : by_component)
    configs[*lora_component_of(component)] = peft_lora_config(fields, fmt::format("{}, {}", what, component));
  return configs;
}

}  // namespace tunegrid
