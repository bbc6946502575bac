// flux_lora.cpp — see flux_lora.h.
#include "workers/methods/flux_lora.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/rng.h"
#include "workers/methods/flux_lora_files.h"
#include "workers/models/clip_encoder.h"

namespace tunegrid {

const std::vector<std::string>& flux_lora_default_targets() {
  static const std::vector<std::string> targets = {
      "attn.to_k",     "attn.to_q",       "attn.to_v",  "attn.to_out.0",         "attn.add_k_proj",
      "attn.add_q_proj", "attn.add_v_proj", "attn.to_add_out", "ff.net.0.proj", "ff.net.2",
      "ff_context.net.0.proj", "ff_context.net.2"};
  return targets;
}

namespace {

using Delta = std::function<at::Tensor(const at::Tensor&)>;

// A projection LoRA can hook: its weight, its delta hook, and the module that owns both.
struct Hookable {
  std::shared_ptr<torch::nn::Module> owner;
  at::Tensor weight;
  Delta* delta = nullptr;
};

// Every hookable projection of a component, by module path, in model order.
std::vector<std::pair<std::string, Hookable>> hookable(Flux& model, LoRAComponent component) {
  std::vector<std::pair<std::string, Hookable>> out;
  if (component == LoRAComponent::transformer) {
    for (const auto& item : model.transformer->named_modules("", false))
      if (auto linear = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value()))
        out.push_back({item.key(), {item.value(), linear->weight, &linear->delta}});
    return out;
  }
  for (const auto& item : model.text_encoder->named_modules("", false))
    if (auto layer = std::dynamic_pointer_cast<CLIPEncoderLayerImpl>(item.value())) {
      const std::string path = item.key() + ".self_attn.";
      out.push_back({path + "q_proj", {layer, layer->q_proj->weight, &layer->q_proj_delta}});
      out.push_back({path + "k_proj", {layer, layer->k_proj->weight, &layer->k_proj_delta}});
      out.push_back({path + "v_proj", {layer, layer->v_proj->weight, &layer->v_proj_delta}});
      out.push_back({path + "out_proj", {layer, layer->out_proj->weight, &layer->out_proj_delta}});
    }
  return out;
}

bool matches_target(const std::string& path, const std::vector<std::string>& targets) {
  for (const auto& target : targets)
    if (path == target || (path.size() > target.size() && path.compare(path.size() - target.size(), target.size(),
                                                                        target) == 0 &&
                           path[path.size() - target.size() - 1] == '.'))
      return true;
  return false;
}

const char* component_title(LoRAComponent component) {
  return component == LoRAComponent::transformer ? "transformer" : "text encoder";
}

void check_factors(const LoRAAdapter& adapter, const at::Tensor& weight, const std::string& what) {
  if (adapter.down.dim() != 2 || adapter.up.dim() != 2 || adapter.down.size(1) != weight.size(1) ||
      adapter.up.size(0) != weight.size(0) || adapter.up.size(1) != adapter.down.size(0))
    throw InputError(fmt::format("{}: adapter of '{}' has down [{}] and up [{}]; the layer is {} -> {}", what,
                                 adapter.module, fmt::join(adapter.down.sizes(), ", "),
                                 fmt::join(adapter.up.sizes(), ", "), weight.size(1), weight.size(0)));
}

}  // namespace

std::vector<std::string> flux_lora_modules(Flux& model, LoRAComponent component,
                                           const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  for (const auto& [path, projection] : hookable(model, component))
    if (matches_target(path, targets)) out.push_back(path);
  return out;
}

void install_flux_lora(Flux& model, const std::vector<LoRAAdapter>& adapters, const std::string& what,
                       double dropout) {
  std::map<LoRAComponent, std::map<std::string, Hookable>> tables;
  for (const auto component : {LoRAComponent::transformer, LoRAComponent::text_encoder})
    for (auto& [path, projection] : hookable(model, component)) tables[component][path] = projection;
  for (const auto& adapter : adapters) {
    if (adapter.component == LoRAComponent::unet)
      throw InputError(fmt::format("{}: '{}' adapts a Stable Diffusion UNet; this is a FLUX model", what, adapter.module));
    const auto found = tables[adapter.component].find(adapter.module);
    if (found == tables[adapter.component].end())
      throw InputError(fmt::format("{}: '{}' is not a LoRA-adaptable projection of this model's {}", what,
                                   adapter.module, component_title(adapter.component)));
    const Hookable& projection = found->second;
    check_factors(adapter, projection.weight, what);
    // Beside the weight (adapters read from a file are on the CPU; a training run's already are).
    const at::Tensor down = adapter.down.to(projection.weight.device()), up = adapter.up.to(projection.weight.device());
    const double scale = adapter.scale;
    torch::nn::Module* owner = projection.owner.get();
    *projection.delta = [down, up, scale, dropout, owner](const at::Tensor& x) {
      const at::Tensor input = dropout > 0 ? at::dropout(x, dropout, owner->is_training()) : x;
      return at::linear(at::linear(input, down), up) * scale;  // [.., in] -> [.., rank] -> [.., out]
    };
  }
}

void merge_flux_lora(Flux& model, const std::vector<LoRAAdapter>& adapters, const std::string& what) {
  at::NoGradGuard no_grad;
  const auto transformer = model.transformer->named_parameters();
  const auto text_encoder = model.text_encoder->named_parameters();
  for (const auto& adapter : adapters) {
    if (adapter.component == LoRAComponent::unet)
      throw InputError(fmt::format("{}: '{}' adapts a Stable Diffusion UNet; this is a FLUX model", what, adapter.module));
    const auto& parameters = adapter.component == LoRAComponent::transformer ? transformer : text_encoder;
    const at::Tensor* weight = parameters.find(adapter.module + ".weight");
    if (!weight || weight->dim() != 2)
      throw InputError(fmt::format("{}: '{}' is not a linear layer of this model's {}", what, adapter.module,
                                   component_title(adapter.component)));
    check_factors(adapter, *weight, what);
    at::Tensor target = *weight;
    target.add_(at::matmul(adapter.up.to(target.options()), adapter.down.to(target.options())) * adapter.scale);
  }
}

void FluxLoRA::attach(Flux& model) {
  if (config_.rank < 1) throw InputError(fmt::format("flux_lora: rank = {}; expected a positive integer", config_.rank));
  if (config_.alpha <= 0) throw InputError(fmt::format("flux_lora: lora_alpha = {}; expected > 0", config_.alpha));
  if (config_.dropout < 0 || config_.dropout >= 1)
    throw InputError(fmt::format("flux_lora: lora_dropout = {}; expected 0 <= p < 1", config_.dropout));
  freeze_all(model);
  // One generator per component, modules in model order (the order of the random draws).
  const auto add_adapters = [&](LoRAComponent component, const std::vector<std::string>& targets,
                                std::uint64_t stream) {
    const std::vector<std::string> modules = flux_lora_modules(model, component, targets);
    if (modules.empty())
      throw InputError(fmt::format("flux_lora: no {} module matches the targets {}", component_title(component),
                                   fmt::join(targets, ", ")));
    at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(mix_seed(seed_, stream));
    for (const auto& [path, projection] : hookable(model, component)) {
      if (!matches_target(path, targets)) continue;
      LoRAAdapter adapter;
      adapter.component = component;
      adapter.module = path;
      adapter.scale = config_.scale();
      const auto in = projection.weight.size(1), out = projection.weight.size(0);
      // peft's "gaussian": A ~ N(0, (1/r)²), drawn on the CPU (the same A on every device).
      adapter.down = at::normal(0.0, 1.0 / config_.rank, {config_.rank, in}, generator,
                                projection.weight.options().device(at::kCPU))
                         .to(projection.weight.device());
      adapter.up = at::zeros({out, config_.rank}, projection.weight.options());
      adapter.down.set_requires_grad(true);
      adapter.up.set_requires_grad(true);
      adapters_.push_back(adapter);
    }
  };
  adapters_.clear();
  add_adapters(LoRAComponent::transformer, config_.target_modules, 0xf10a);
  if (config_.train_text_encoder)
    add_adapters(LoRAComponent::text_encoder, config_.text_encoder_target_modules, 0xf10b);
  install_flux_lora(model, adapters_, "flux_lora", config_.dropout);
}

FluxTrainingOptions FluxLoRA::training_options() const {
  FluxTrainingOptions options = config_.training;
  options.trains_text_encoder = config_.train_text_encoder;
  return options;
}

NamedTensors FluxLoRA::trainable() {
  NamedTensors out;
  for (const auto& adapter : adapters_) {
    const std::string base = std::string(lora_component_name(adapter.component)) + "." + adapter.module;
    out.emplace_back(base + ".lora_A.weight", adapter.down);
    out.emplace_back(base + ".lora_B.weight", adapter.up);
  }
  return out;
}

void FluxLoRA::save(const std::filesystem::path& dir, int step) {
  save_lora_diffusers(adapters_, dir / "pytorch_lora_weights.safetensors");
  if (config_.save_kohya) save_flux_lora_kohya(adapters_, dir / "lora_kohya.safetensors");
}

}  // namespace tunegrid
