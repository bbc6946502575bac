// lora.cpp — see lora.h.
#include "workers/methods/lora.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <cmath>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/rng.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/unet_attentions.h"
#include "workers/models/transformer_2d.h"

namespace tunegrid {

namespace {

// (attention path, projection) of a module path such as "...attn1.to_out.0".
std::pair<std::string, std::string> split_module(const std::string& module) {
  for (const auto& target : lora_target_names()) {
    const std::string suffix = "." + target;
    if (module.size() > suffix.size() && module.compare(module.size() - suffix.size(), suffix.size(), suffix) == 0)
      return {module.substr(0, module.size() - suffix.size()), target};
  }
  return {module, ""};
}

torch::nn::Linear& projection(AttentionImpl& attention, const std::string& target) {
  if (target == "to_q") return attention.to_q;
  if (target == "to_k") return attention.to_k;
  if (target == "to_v") return attention.to_v;
  return attention.out_projection;
}

std::function<at::Tensor(const at::Tensor&)>& hook(AttentionImpl& attention, const std::string& target) {
  if (target == "to_q") return attention.to_q_delta;
  if (target == "to_k") return attention.to_k_delta;
  if (target == "to_v") return attention.to_v_delta;
  return attention.to_out_delta;
}

std::pair<std::shared_ptr<AttentionImpl>, std::string> find_projection(
    std::map<std::string, std::shared_ptr<AttentionImpl>>& attentions, const LoRAAdapter& adapter,
    const std::string& what) {
  const auto [path, target] = split_module(adapter.module);
  const auto found = attentions.find(path);
  if (target.empty() || found == attentions.end())
    throw InputError(fmt::format("{}: '{}' is not an attention projection (to_q, to_k, to_v, to_out.0) of this UNet",
                                 what, adapter.module));
  const auto& weight = projection(*found->second, target)->weight;
  if (adapter.down.dim() != 2 || adapter.up.dim() != 2 || adapter.down.size(1) != weight.size(1) ||
      adapter.up.size(0) != weight.size(0) || adapter.up.size(1) != adapter.down.size(0))
    throw InputError(fmt::format("{}: adapter of '{}' has down [{}] and up [{}]; the layer is {} -> {}", what,
                                 adapter.module, fmt::join(adapter.down.sizes(), ", "),
                                 fmt::join(adapter.up.sizes(), ", "), weight.size(1), weight.size(0)));
  return {found->second, target};
}

}  // namespace

const std::vector<std::string>& lora_target_names() {
  static const std::vector<std::string> names = {"to_q", "to_k", "to_v", "to_out.0"};
  return names;
}

void install_lora(UNet2DConditionModel& unet, const std::vector<LoRAAdapter>& adapters, const std::string& what) {
  auto attentions = unet_attentions(unet);
  for (const auto& adapter : adapters) {
    auto [attention, target] = find_projection(attentions, adapter, what);
    const at::Tensor down = adapter.down, up = adapter.up;
    const double scale = adapter.scale;
    hook(*attention, target) = [down, up, scale](const at::Tensor& x) {
      return at::linear(at::linear(x, down), up) * scale;  // [.., in] -> [.., rank] -> [.., out]
    };
  }
}

void merge_lora(UNet2DConditionModel& unet, const std::vector<LoRAAdapter>& adapters, const std::string& what) {
  auto attentions = unet_attentions(unet);
  at::NoGradGuard no_grad;
  for (const auto& adapter : adapters) {
    auto [attention, target] = find_projection(attentions, adapter, what);
    auto& weight = projection(*attention, target)->weight;
    weight.add_(at::matmul(adapter.up.to(weight.options()), adapter.down.to(weight.options())) * adapter.scale);
  }
}

void LoRA::attach(StableDiffusion& model) {
  if (config_.rank < 1) throw InputError(fmt::format("lora: rank = {}; expected a positive integer", config_.rank));
  if (config_.alpha < 0) throw InputError(fmt::format("lora: alpha = {}; expected >= 0 (0: = rank)", config_.alpha));
  if (config_.init != "gaussian" && config_.init != "kaiming")
    throw InputError(fmt::format("lora: init '{}' is not one of gaussian, kaiming", config_.init));
  if (config_.target_modules.empty()) throw InputError("lora: target_modules is empty");
  for (const auto& target : config_.target_modules)
    if (std::find(lora_target_names().begin(), lora_target_names().end(), target) == lora_target_names().end())
      throw InputError(fmt::format("lora: unknown target module '{}'; expected some of {}{}", target,
                                   fmt::join(lora_target_names(), ", "), did_you_mean(target, lora_target_names())));
  model_ = &model;
  freeze_all(model);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(mix_seed(seed_, 0x10a));
  for (const auto& [path, attention] : unet_attentions(model.unet)) {
    for (const auto& target : config_.target_modules) {
      const auto& weight = projection(*attention, target)->weight;  // [out, in]
      LoRAAdapter adapter;
      adapter.module = path + "." + target;
      adapter.scale = config_.scale();
      const auto in = weight.size(1), out = weight.size(0);
      if (config_.init == "gaussian") {
        adapter.down = at::normal(0.0, 1.0 / config_.rank, {config_.rank, in}, generator, weight.options());
      } else {
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));  // kaiming_uniform(a = √5)
        adapter.down = at::empty({config_.rank, in}, weight.options()).uniform_(-bound, bound, generator);
      }
      adapter.up = at::zeros({out, config_.rank}, weight.options());
      adapter.down.set_requires_grad(true);
      adapter.up.set_requires_grad(true);
      adapters_.push_back(adapter);
    }
  }
  install_lora(model.unet, adapters_, "lora");
}

NamedTensors LoRA::trainable() {
  NamedTensors out;
  for (const auto& adapter : adapters_) {
    out.emplace_back("unet." + adapter.module + ".lora_A.weight", adapter.down);
    out.emplace_back("unet." + adapter.module + ".lora_B.weight", adapter.up);
  }
  return out;
}

void LoRA::save(const std::filesystem::path& dir, int step) {
  save_lora_diffusers(adapters_, dir / "pytorch_lora_weights.safetensors");
  if (config_.save_kohya)
    save_lora_kohya(adapters_, config_.alpha > 0 ? config_.alpha : config_.rank, dir / "lora_kohya.safetensors");
}

}  // namespace tunegrid
