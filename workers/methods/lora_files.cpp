// lora_files.cpp — see lora_files.h.
#include "workers/methods/lora_files.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <map>

#include "core/errors.h"
#include "workers/methods/lora_adapter_metadata.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

struct Target {
  LoRAComponent component;
  std::string module;
};

// The attention-processor name of a projection (keys "...attn1.processor.to_out_lora.down.weight",
// "text_encoder....self_attn.to_q_lora.down.weight"): to_out for to_out.0, to_q for q_proj, ...
std::string processor_name(const std::string& module) {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {".to_out.0", ".to_out"}, {".q_proj", ".to_q"}, {".k_proj", ".to_k"}, {".v_proj", ".to_v"}, {".out_proj", ".to_out"}};
  for (const auto& [now, before] : names)
    if (ends_with(module, now)) return module.substr(0, module.size() - now.size()) + before;
  return module;
}

// Every layout's base name (a key without its tensor suffix) of every adaptable projection.
std::map<std::string, Target> name_table(StableDiffusion& model) {
  std::map<std::string, Target> out;
  for (const LoRAComponent component : {LoRAComponent::unet, LoRAComponent::text_encoder}) {
    const std::string prefix = std::string(lora_component_name(component)) + ".";
    for (const auto& module : lora_modules(model, component)) {
      const Target target{component, module};
      // transformers >= 5 names the text encoder's modules without "text_model." (and peft,
      // hence diffusers, writes them so): "text_encoder.encoder.layers.N.self_attn.q_proj".
      std::vector<std::string> spellings = {module};
      if (module.rfind("text_model.", 0) == 0) spellings.push_back(module.substr(11));
      for (const auto& name : spellings) {
        out[prefix + name] = target;
        out[name] = target;
        out[kohya_lora_name(component, name)] = target;
        const std::string old = processor_name(name);
        out[prefix + old] = target;
        out[old] = target;
      }
    }
  }
  return out;
}

struct Factors {
  at::Tensor down, up, alpha;
};

using TargetKey = std::pair<LoRAComponent, std::string>;  // (component, module path)

// The tensor suffixes of every layout read, each naming the part of a factor it holds.
const std::vector<std::string>& lora_key_suffixes() {
  static const std::vector<std::string> suffixes = {".lora_A.weight", ".lora_B.weight", ".lora.down.weight",
                                                     ".lora.up.weight", ".lora_linear_layer.down.weight",
                                                     ".lora_linear_layer.up.weight", "_lora.down.weight",
                                                     "_lora.up.weight", ".lora_down.weight", ".lora_up.weight",
                                                     ".alpha"};
  return suffixes;
}

// A key with diffusers' ".processor." segments (old attention-processor keys) dropped.
std::string without_processor(const std::string& stored_key) {
  std::string key = stored_key;
  for (std::size_t at = key.find(".processor."); at != std::string::npos; at = key.find(".processor."))
    key.replace(at, 11, ".");
  return key;
}

// A LoRA key split into the base name of the projection it adapts and its tensor suffix.
struct LoRAKey {
  std::string base, part;
};

// Splits `stored_key` (read as `key`, without ".processor."); InputError for a key no layout spells.
LoRAKey split_lora_key(const std::string& key, const std::string& stored_key, const std::filesystem::path& file) {
  LoRAKey split;
  for (const std::string& suffix : lora_key_suffixes())
    if (ends_with(key, suffix)) {
      split.base = key.substr(0, key.size() - suffix.size());
      split.part = suffix;
      break;
    }
  if (split.part.empty())
    throw InputError(fmt::format("{}: key '{}' is not a LoRA tensor (lora_A/lora_B, lora.down/lora.up, "
                                 "lora_linear_layer.down/up or lora_down/lora_up/alpha)",
                                 file.string(), stored_key));
  return split;
}

// The projection a key's base name adapts; InputError for anything but an attention projection.
const Target& adapted_projection(const std::map<std::string, Target>& by_name, const LoRAKey& split,
                                 const std::string& stored_key, const std::filesystem::path& file) {
  const auto target = by_name.find(split.base);
  if (target == by_name.end())
    throw InputError(fmt::format("{}: key '{}' adapts '{}', which is not an attention projection of this model's "
                                 "UNet ({}) or text encoder ({}); feed-forward, MLP and other adapters are not "
                                 "supported",
                                 file.string(), stored_key, split.base, fmt::join(lora_target_names(), ", "),
                                 fmt::join(lora_text_encoder_target_names(), ", ")));
  return target->second;
}

// The file's tensors grouped by the projection they adapt, each as its down, up and alpha.
std::map<TargetKey, Factors> factors_by_target(const std::map<std::string, at::Tensor>& tensors, StableDiffusion& model,
                                               const std::filesystem::path& file) {
  const auto by_name = name_table(model);
  std::map<TargetKey, Factors> factors;
  for (const auto& [stored_key, value] : tensors) {
    const LoRAKey split = split_lora_key(without_processor(stored_key), stored_key, file);
    const Target& target = adapted_projection(by_name, split, stored_key, file);
    Factors& f = factors[{target.component, target.module}];
    if (split.part == ".alpha") f.alpha = value;
    else if (split.part == ".lora_A.weight" || split.part.find("down") != std::string::npos) f.down = value;
    else f.up = value;
  }
  return factors;
}

// An adapter's scale before the multiplier: alpha / rank from its .alpha tensor (kohya-ss), what the
// lora_adapter_metadata gives (diffusers with peft's config), or else 1.
double adapter_scale(const TargetKey& target, const Factors& f, const std::map<LoRAComponent, PeftLoraConfig>& configs,
                     int rank, const std::filesystem::path& file) {
  double scale = f.alpha.defined() ? f.alpha.item<double>() / rank : 1.0;  // kohya-ss: alpha / rank; diffusers: 1
  if (const auto config = configs.find(target.first); config != configs.end()) {
    if (f.alpha.defined())
      throw InputError(fmt::format("{}: {} '{}' has both an .alpha tensor and lora_adapter_metadata; which alpha "
                                   "applies is unclear",
                                   file.string(), lora_component_name(target.first), target.second));
    scale = config->second.scale_of(target.second, rank, file.string());
  }
  return scale;
}

// The adapter of one projection, its scale × multiplier; InputError when a factor is missing.
LoRAAdapter make_adapter(const TargetKey& target, const Factors& f,
                         const std::map<LoRAComponent, PeftLoraConfig>& configs, double multiplier,
                         const std::filesystem::path& file) {
  if (!f.down.defined() || !f.up.defined())
    throw InputError(fmt::format("{}: the adapter of {} '{}' lacks its {} matrix", file.string(),
                                 lora_component_name(target.first), target.second,
                                 f.down.defined() ? "up (B)" : "down (A)"));
  LoRAAdapter adapter;
  adapter.component = target.first;
  adapter.module = target.second;
  adapter.down = f.down.to(at::kFloat);
  adapter.up = f.up.to(at::kFloat);
  const int rank = static_cast<int>(f.down.size(0));
  adapter.scale = multiplier * adapter_scale(target, f, configs, rank, file);
  return adapter;
}

}  // namespace

std::string kohya_lora_name(LoRAComponent component, const std::string& module) {
  std::string name = (component == LoRAComponent::unet ? "lora_unet_" : "lora_te_") + module;
  for (auto& c : name)
    if (c == '.') c = '_';
  return name;
}

void save_lora_diffusers(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file) {
  NamedTensors tensors;
  for (const auto& adapter : adapters) {
    const std::string base = std::string(lora_component_name(adapter.component)) + "." + adapter.module;
    tensors.emplace_back(base + ".lora_A.weight", adapter.down);
    tensors.emplace_back(base + ".lora_B.weight", adapter.up.detach() * adapter.scale);
  }
  save_tensors(file, tensors, {{"format", "pt"}});
}

void save_lora_kohya(const std::vector<LoRAAdapter>& adapters, double alpha, const std::filesystem::path& file) {
  NamedTensors tensors;
  for (const auto& adapter : adapters) {
    const std::string name = kohya_lora_name(adapter.component, adapter.module);
    tensors.emplace_back(name + ".lora_down.weight", adapter.down);
    tensors.emplace_back(name + ".lora_up.weight", adapter.up);
    tensors.emplace_back(name + ".alpha", at::scalar_tensor(alpha, at::kFloat));
  }
  const auto rank = adapters.empty() ? 0 : adapters.front().down.size(0);
  save_tensors(file, tensors,
               {{"ss_network_module", "networks.lora"},
                {"ss_network_dim", std::to_string(rank)},
                {"ss_network_alpha", fmt::format("{}", alpha)},
                {"ss_training_comment", "written by tunegrid"}});
}

std::vector<LoRAAdapter> read_lora_file(const std::filesystem::path& file, StableDiffusion& model,
                                        double multiplier) {
  std::map<std::string, std::string> metadata;
  const auto tensors = load_tensors(file, &metadata);
  const auto configs = read_lora_adapter_metadata(metadata, file);
  std::vector<LoRAAdapter> adapters;
  for (const auto& [target, f] : factors_by_target(tensors, model, file))
    adapters.push_back(make_adapter(target, f, configs, multiplier, file));
  if (adapters.empty()) throw InputError(file.string() + ": holds no LoRA tensors");
  return adapters;
}

}  // namespace tunegrid
