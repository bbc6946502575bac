// lora.cpp — see lora.h.
#include "workers/methods/lora.h"
#include "workers/methods/stable_diffusion_base.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <functional>
#include <map>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/rng.h"
#include "workers/methods/lora_files.h"
#include "workers/methods/unet_attentions.h"
#include "workers/models/clip_encoder.h"
#include "workers/models/transformer_2d.h"

namespace tunegrid {

namespace {

using Delta = std::function<at::Tensor(const at::Tensor&)>;

// An adaptable projection: its Linear, the delta hook added to its output, and the module
// that owns both (kept alive while the entry is).
struct Projection {
  std::shared_ptr<torch::nn::Module> owner;
  torch::nn::Linear* linear = nullptr;
  Delta* delta = nullptr;
};

// The attention modules of one component in model order, by path: the UNet's Attention
// blocks ("...attn1"), the text encoder's CLIPAttention ("text_model.encoder.layers.N.self_attn").
std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> attentions(StableDiffusion& model,
                                                                                   LoRAComponent component) {
  std::vector<std::pair<std::string, std::shared_ptr<torch::nn::Module>>> out;
  if (component == LoRAComponent::unet) {
    for (const auto& [path, attention] : unet_attentions(model.unet)) out.emplace_back(path, attention);
  } else {
    for (const auto& item : model.text_encoder->named_modules("", false))
      if (auto layer = std::dynamic_pointer_cast<CLIPEncoderLayerImpl>(item.value()))
        out.emplace_back(item.key() + ".self_attn", layer);
  }
  return out;
}

// Every adaptable projection of one component by module path ("<attention path>.<target>").
std::map<std::string, Projection> projections(StableDiffusion& model, LoRAComponent component) {
  std::map<std::string, Projection> out;
  for (const auto& [path, owner] : attentions(model, component)) {
    if (auto attention = std::dynamic_pointer_cast<AttentionImpl>(owner)) {
      out[path + ".to_q"] = {owner, &attention->to_q, &attention->to_q_delta};
      out[path + ".to_k"] = {owner, &attention->to_k, &attention->to_k_delta};
      out[path + ".to_v"] = {owner, &attention->to_v, &attention->to_v_delta};
      out[path + ".to_out.0"] = {owner, &attention->out_projection, &attention->to_out_delta};
    } else if (auto layer = std::dynamic_pointer_cast<CLIPEncoderLayerImpl>(owner)) {
      out[path + ".q_proj"] = {owner, &layer->q_proj, &layer->q_proj_delta};
      out[path + ".k_proj"] = {owner, &layer->k_proj, &layer->k_proj_delta};
      out[path + ".v_proj"] = {owner, &layer->v_proj, &layer->v_proj_delta};
      out[path + ".out_proj"] = {owner, &layer->out_proj, &layer->out_proj_delta};
    }
  }
  return out;
}

// The projection an adapter names, its factors checked against the layer's shape.
Projection& find_projection(std::map<std::string, Projection>& unet, std::map<std::string, Projection>& text,
                            const LoRAAdapter& adapter, const std::string& what) {
  if (adapter.component == LoRAComponent::transformer)
    throw InputError(fmt::format("{}: '{}' adapts a FLUX transformer; this is a Stable Diffusion model", what,
                                 adapter.module));
  auto& table = adapter.component == LoRAComponent::unet ? unet : text;
  const auto found = table.find(adapter.module);
  if (found == table.end())
    throw InputError(fmt::format(
        "{}: '{}' is not an attention projection ({}) of this model's {}", what, adapter.module,
        fmt::join(adapter.component == LoRAComponent::unet ? lora_target_names() : lora_text_encoder_target_names(),
                  ", "),
        adapter.component == LoRAComponent::unet ? "UNet" : "text encoder"));
  const auto& weight = (*found->second.linear)->weight;
  if (adapter.down.dim() != 2 || adapter.up.dim() != 2 || adapter.down.size(1) != weight.size(1) ||
      adapter.up.size(0) != weight.size(0) || adapter.up.size(1) != adapter.down.size(0))
    throw InputError(fmt::format("{}: adapter of '{}' has down [{}] and up [{}]; the layer is {} -> {}", what,
                                 adapter.module, fmt::join(adapter.down.sizes(), ", "),
                                 fmt::join(adapter.up.sizes(), ", "), weight.size(1), weight.size(0)));
  return found->second;
}

// Checks the target names of one component.
void check_targets(const std::vector<std::string>& targets, const std::vector<std::string>& known,
                   const std::vector<std::string>& other, const char* key, const char* other_key) {
  for (const auto& target : targets) {
    if (std::find(known.begin(), known.end(), target) != known.end()) continue;
    const bool elsewhere = std::find(other.begin(), other.end(), target) != other.end();
    throw InputError(fmt::format("lora: unknown {} entry '{}'; expected some of {}{}", key, target,
                                 fmt::join(known, ", "),
                                 elsewhere ? fmt::format(" ('{}' belongs in {})", target, other_key)
                                           : did_you_mean(target, known)));
  }
}

}  // namespace

const char* lora_component_name(LoRAComponent component) {
  switch (component) {
    case LoRAComponent::unet: return "unet";
    case LoRAComponent::text_encoder: return "text_encoder";
    case LoRAComponent::transformer: return "transformer";
  }
  return "";
}

std::optional<LoRAComponent> lora_component_of(const std::string& name) {
  for (const auto component : {LoRAComponent::unet, LoRAComponent::text_encoder, LoRAComponent::transformer})
    if (name == lora_component_name(component)) return component;
  return std::nullopt;
}

std::vector<std::string> lora_modules(StableDiffusion& model, LoRAComponent component) {
  std::vector<std::string> out;
  for (const auto& item : projections(model, component)) out.push_back(item.first);
  return out;
}

void install_lora(StableDiffusion& model, const std::vector<LoRAAdapter>& adapters, const std::string& what) {
  auto unet = projections(model, LoRAComponent::unet);
  auto text = projections(model, LoRAComponent::text_encoder);
  for (const auto& adapter : adapters) {
    Projection& projection = find_projection(unet, text, adapter, what);
    // Beside the weight (adapters read from a file are on the CPU; a training run's already are).
    const c10::Device device = (*projection.linear)->weight.device();
    const at::Tensor down = adapter.down.to(device), up = adapter.up.to(device);
    const double scale = adapter.scale;
    *projection.delta = [down, up, scale](const at::Tensor& x) {
      return at::linear(at::linear(x, down), up) * scale;  // [.., in] -> [.., rank] -> [.., out]
    };
  }
}

void merge_lora(StableDiffusion& model, const std::vector<LoRAAdapter>& adapters, const std::string& what) {
  auto unet = projections(model, LoRAComponent::unet);
  auto text = projections(model, LoRAComponent::text_encoder);
  at::NoGradGuard no_grad;
  for (const auto& adapter : adapters) {
    auto& weight = (*find_projection(unet, text, adapter, what).linear)->weight;
    weight.add_(at::matmul(adapter.up.to(weight.options()), adapter.down.to(weight.options())) * adapter.scale);
  }
}

void LoRA::attach(StableDiffusion& model) {
  if (config_.rank < 1) throw InputError(fmt::format("lora: rank = {}; expected a positive integer", config_.rank));
  if (config_.alpha < 0) throw InputError(fmt::format("lora: alpha = {}; expected >= 0 (0: = rank)", config_.alpha));
  if (config_.init != "gaussian" && config_.init != "kaiming")
    throw InputError(fmt::format("lora: init '{}' is not one of gaussian, kaiming", config_.init));
  if (config_.target_modules.empty()) throw InputError("lora: target_modules is empty");
  check_targets(config_.target_modules, lora_target_names(), lora_text_encoder_target_names(), "target_modules",
                "text_encoder_target_modules, with train_text_encoder = true");
  if (config_.train_text_encoder) {
    if (config_.text_encoder_target_modules.empty())
      throw InputError("lora: train_text_encoder is true but text_encoder_target_modules is empty");
    check_targets(config_.text_encoder_target_modules, lora_text_encoder_target_names(), lora_target_names(),
                  "text_encoder_target_modules", "target_modules");
  }
  model_ = &model;
  freeze_all(model);
  // One generator per component: the UNet's adapters start the same with or without the text encoder's.
  // In model order, each attention's targets in config order (the order of the random draws).
  auto add_adapters = [&](LoRAComponent component, const std::vector<std::string>& targets, std::uint64_t stream) {
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(mix_seed(seed_, stream));
    auto table = projections(model, component);
    for (const auto& attention : attentions(model, component)) {
      for (const auto& target : targets) {
        LoRAAdapter adapter;
        adapter.component = component;
        adapter.module = attention.first + "." + target;
        adapter.scale = config_.scale();
        const auto& weight = (*table.at(adapter.module).linear)->weight;  // [out, in]
        const auto in = weight.size(1), out = weight.size(0);
        // Drawn on the CPU (the same A on every device), then placed beside the weight.
        const auto drawn = weight.options().device(at::kCPU);
        if (config_.init == "gaussian") {
          adapter.down = at::normal(0.0, 1.0 / config_.rank, {config_.rank, in}, generator, drawn);
        } else {
          const double bound = 1.0 / std::sqrt(static_cast<double>(in));  // kaiming_uniform(a = √5)
          adapter.down = at::empty({config_.rank, in}, drawn).uniform_(-bound, bound, generator);
        }
        adapter.down = adapter.down.to(weight.device());
        adapter.up = at::zeros({out, config_.rank}, weight.options());
        adapter.down.set_requires_grad(true);
        adapter.up.set_requires_grad(true);
        adapters_.push_back(adapter);
      }
    }
  };
  add_adapters(LoRAComponent::unet, config_.target_modules, 0x10a);
  if (config_.train_text_encoder) add_adapters(LoRAComponent::text_encoder, config_.text_encoder_target_modules, 0x10b);
  install_lora(model, adapters_, "lora");
}

NamedTensors LoRA::trainable() {
  NamedTensors out;
  for (const auto& adapter : adapters_) {
    const std::string base = std::string(lora_component_name(adapter.component)) + "." + adapter.module;
    out.emplace_back(base + ".lora_A.weight", adapter.down);
    out.emplace_back(base + ".lora_B.weight", adapter.up);
  }
  return out;
}

void LoRA::save(const std::filesystem::path& dir, int step) {
  save_lora_diffusers(adapters_, dir / "pytorch_lora_weights.safetensors");
  if (config_.save_kohya)
    save_lora_kohya(adapters_, config_.alpha > 0 ? config_.alpha : config_.rank, dir / "lora_kohya.safetensors");
}

}  // namespace tunegrid
