// lora_files.cpp — see lora_files.h.
#include "workers/methods/lora_files.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <map>

#include "core/errors.h"
#include "workers/models/transformer_2d.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Every adaptable module path of the UNet: "<attention path>.<to_q|to_k|to_v|to_out.0>".
std::vector<std::string> adaptable_modules(UNet2DConditionModel& unet) {
  std::vector<std::string> out;
  for (const auto& item : unet->named_modules("", false))
    if (std::dynamic_pointer_cast<AttentionImpl>(item.value()))
      for (const auto& target : lora_target_names()) out.push_back(item.key() + "." + target);
  return out;
}

struct Factors {
  at::Tensor down, up, alpha;
};

}  // namespace

std::string kohya_lora_name(const std::string& module) {
  std::string name = "lora_unet_" + module;
  for (auto& c : name)
    if (c == '.') c = '_';
  return name;
}

void save_lora_diffusers(const std::vector<LoRAAdapter>& adapters, const std::filesystem::path& file) {
  NamedTensors tensors;
  for (const auto& adapter : adapters) {
    tensors.emplace_back("unet." + adapter.module + ".lora_A.weight", adapter.down);
    tensors.emplace_back("unet." + adapter.module + ".lora_B.weight", adapter.up.detach() * adapter.scale);
  }
  save_tensors(file, tensors, {{"format", "pt"}});
}

void save_lora_kohya(const std::vector<LoRAAdapter>& adapters, double alpha, const std::filesystem::path& file) {
  NamedTensors tensors;
  for (const auto& adapter : adapters) {
    const std::string name = kohya_lora_name(adapter.module);
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

std::vector<LoRAAdapter> read_lora_file(const std::filesystem::path& file, UNet2DConditionModel& unet,
                                        double multiplier) {
  const auto tensors = load_tensors(file);
  // Name tables: each layout's base name of a module -> the module.
  std::map<std::string, std::string> by_name;
  for (const auto& module : adaptable_modules(unet)) {
    by_name["unet." + module] = module;
    by_name[module] = module;
    by_name[kohya_lora_name(module)] = module;
  }
  std::map<std::string, Factors> factors;  // module -> factors
  for (const auto& [key, value] : tensors) {
    std::string base, part;
    for (const char* suffix : {".lora_A.weight", ".lora_B.weight", ".lora.down.weight", ".lora.up.weight",
                               ".lora_down.weight", ".lora_up.weight", ".alpha"})
      if (ends_with(key, suffix)) {
        base = key.substr(0, key.size() - std::string(suffix).size());
        part = suffix;
        break;
      }
    if (part.empty())
      throw InputError(fmt::format("{}: key '{}' is not a LoRA tensor (lora_A/lora_B, lora.down/lora.up or "
                                   "lora_down/lora_up/alpha)",
                                   file.string(), key));
    const auto module = by_name.find(base);
    if (module == by_name.end())
      throw InputError(fmt::format("{}: key '{}' adapts '{}', which is not an attention projection (to_q, to_k, to_v, "
                                   "to_out.0) of this model's UNet; text-encoder and other adapters are not supported",
                                   file.string(), key, base));
    Factors& f = factors[module->second];
    if (part == ".alpha") f.alpha = value;
    else if (part == ".lora_A.weight" || part == ".lora.down.weight" || part == ".lora_down.weight") f.down = value;
    else f.up = value;
  }
  std::vector<LoRAAdapter> adapters;
  for (auto& [module, f] : factors) {
    if (!f.down.defined() || !f.up.defined())
      throw InputError(fmt::format("{}: the adapter of '{}' lacks its {} matrix", file.string(), module,
                                   f.down.defined() ? "up (B)" : "down (A)"));
    LoRAAdapter adapter;
    adapter.module = module;
    adapter.down = f.down.to(at::kFloat);
    adapter.up = f.up.to(at::kFloat);
    const double rank = static_cast<double>(f.down.size(0));
    adapter.scale = multiplier * (f.alpha.defined() ? f.alpha.item<double>() / rank : 1.0);
    adapters.push_back(adapter);
  }
  if (adapters.empty()) throw InputError(file.string() + ": holds no LoRA tensors");
  return adapters;
}

}  // namespace tunegrid
