// clip_lora_classifier.cpp — see clip_lora_classifier.h.
#include "workers/eval/clip_lora_classifier.h"

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "core/errors.h"
#include "workers/eval/clip_evaluator.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/methods/lora_adapter_metadata.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

using Delta = std::function<at::Tensor(const at::Tensor&)>;

// The projections LoRA may target: a layer's Linear and the hook added to its output.
struct Projection {
  const char* name;
  torch::nn::Linear CLIPEncoderLayerImpl::*linear;
  Delta CLIPEncoderLayerImpl::*delta;
};
const Projection kProjections[] = {
    {"q_proj", &CLIPEncoderLayerImpl::q_proj, &CLIPEncoderLayerImpl::q_proj_delta},
    {"k_proj", &CLIPEncoderLayerImpl::k_proj, &CLIPEncoderLayerImpl::k_proj_delta},
    {"v_proj", &CLIPEncoderLayerImpl::v_proj, &CLIPEncoderLayerImpl::v_proj_delta},
    {"out_proj", &CLIPEncoderLayerImpl::out_proj, &CLIPEncoderLayerImpl::out_proj_delta}};

const Projection& projection_named(const std::string& module) {
  for (const auto& projection : kProjections)
    if (module == projection.name) return projection;
  throw InputError(fmt::format("CLIP LoRA: target module '{}' is not one of {}", module,
                               fmt::join(clip_lora_target_names(), ", ")));
}

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";

}  // namespace

struct CLIPLoRAClassifier::State {
  struct Adapter {
    std::string key;      // "base_model.model.text_model.encoder.layers.0.self_attn.q_proj"
    at::Tensor down, up;  // A [r, in], B [out, r]
  };
  CLIPLoRAConfig config;
  bool training = false;
  std::vector<Adapter> adapters;
};

CLIPLoRAClassifier::CLIPLoRAClassifier(CLIPModel model, at::Tensor class_input_ids, CLIPLoRAConfig config,
                                       std::uint64_t seed)
    : model_(std::move(model)), class_input_ids_(std::move(class_input_ids)), state_(std::make_shared<State>()) {
  if (config.rank < 1) throw InputError(fmt::format("CLIP LoRA: rank {} must be at least 1", config.rank));
  if (config.dropout < 0 || config.dropout >= 1)
    throw InputError(fmt::format("CLIP LoRA: dropout {} must be in [0, 1)", config.dropout));
  if (config.target_modules.empty()) throw InputError("CLIP LoRA: target_modules is empty");
  state_->config = std::move(config);
  for (auto& parameter : model_->parameters()) parameter.set_requires_grad(false);
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::pair<const char*, CLIPEncoder> towers[] = {{"text_model", model_->text_model->encoder},
                                                  {"vision_model", model_->vision_model->encoder}};
  for (auto& [tower, encoder] : towers)
    for (std::size_t i = 0; i < encoder->layers->size(); ++i)
      for (const auto& module : state_->config.target_modules) {
        auto& layer = *encoder->layers[i]->as<CLIPEncoderLayerImpl>();
        const Projection& projection = projection_named(module);
        add_adapter((layer.*projection.linear)->weight, layer.*projection.delta,
                    fmt::format("base_model.model.{}.encoder.layers.{}.self_attn.{}", tower, i, module), generator);
      }
}

void CLIPLoRAClassifier::add_adapter(const at::Tensor& weight, Delta& hook, std::string key,
                                     at::Generator& generator) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(weight.size(1)));  // kaiming-uniform, a = √5
  State::Adapter adapter;
  adapter.key = std::move(key);
  adapter.down = at::empty({state_->config.rank, weight.size(1)}).uniform_(-bound, bound, generator);
  adapter.down = adapter.down.to(weight.device()).set_requires_grad(true);
  adapter.up = at::zeros({weight.size(0), state_->config.rank}, weight.options()).set_requires_grad(true);
  const std::size_t index = state_->adapters.size();
  state_->adapters.push_back(std::move(adapter));
  hook = [state = state_, index](const at::Tensor& x) {
    const auto& a = state->adapters[index];
    const double p = state->config.dropout;
    const at::Tensor h = state->training && p > 0 ? at::dropout(x, p, true) : x;
    return at::linear(at::linear(h, a.down), a.up) * state->config.scale();
  };
}

const std::vector<std::string>& clip_lora_target_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& projection : kProjections) out.emplace_back(projection.name);
    return out;
  }();
  return names;
}

const CLIPLoRAConfig& CLIPLoRAClassifier::config() const { return state_->config; }

at::Tensor CLIPLoRAClassifier::class_embeddings() {
  const at::Tensor text = model_->text_embeds(class_input_ids_.to(model_->logit_scale.device()));  // [C, D]
  return text / text.norm(2, -1, true);
}

at::Tensor CLIPLoRAClassifier::image_embeddings(const at::Tensor& pixel_values) {
  const at::Tensor image = model_->image_embeds(pixel_values);  // [B, D]
  return image / image.norm(2, -1, true);
}

at::Tensor CLIPLoRAClassifier::logits(const at::Tensor& pixel_values) {
  return logits(pixel_values, class_embeddings());
}

at::Tensor CLIPLoRAClassifier::logits(const at::Tensor& pixel_values, const at::Tensor& class_embeddings) {
  return model_->logit_scale.exp() * image_embeddings(pixel_values).matmul(class_embeddings.t());  // [B, C]
}

std::vector<at::Tensor> CLIPLoRAClassifier::parameters() const {
  std::vector<at::Tensor> out;
  for (const auto& a : state_->adapters) {
    out.push_back(a.down);
    out.push_back(a.up);
  }
  return out;
}

void CLIPLoRAClassifier::train(bool on) { state_->training = on; }

void CLIPLoRAClassifier::to(const c10::Device& device) {
  model_->to(device);
  torch::NoGradGuard no_grad;
  for (auto& a : state_->adapters) {
    a.down = a.down.to(device).detach().set_requires_grad(true);
    a.up = a.up.to(device).detach().set_requires_grad(true);
  }
}

std::vector<std::pair<std::string, at::Tensor>> CLIPLoRAClassifier::peft_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (const auto& a : state_->adapters) {
    out.emplace_back(a.key + ".lora_A.weight", a.down.detach().cpu());
    out.emplace_back(a.key + ".lora_B.weight", a.up.detach().cpu());
  }
  return out;
}

void CLIPLoRAClassifier::load_peft_tensors(const std::map<std::string, at::Tensor>& tensors, const std::string& what) {
  std::set<std::string> expected;
  torch::NoGradGuard no_grad;
  for (auto& a : state_->adapters)
    for (at::Tensor* factor : {&a.down, &a.up}) {
      const std::string key = a.key + (factor == &a.down ? ".lora_A.weight" : ".lora_B.weight");
      const auto found = tensors.find(key);
      if (found == tensors.end())
        throw InputError(fmt::format("{}: no '{}' (this classifier adapts {} of both towers)", what, key,
                                     fmt::join(state_->config.target_modules, ", ")));
      if (found->second.sizes() != factor->sizes())
        throw InputError(fmt::format("{}: '{}' has shape [{}], expected [{}]", what, key,
                                     fmt::join(found->second.sizes(), ", "), fmt::join(factor->sizes(), ", ")));
      factor->copy_(found->second);
      expected.insert(key);
    }
  for (const auto& [key, tensor] : tensors)
    if (expected.count(key) == 0)
      throw InputError(fmt::format("{}: '{}' is no LoRA factor of a module this classifier adapts ({}; lora_A / "
                                   "lora_B weights only)", what, key, fmt::join(state_->config.target_modules, ", ")));
}

void CLIPLoRAClassifier::save(const std::filesystem::path& dir, const std::string& base_model) const {
  std::filesystem::create_directories(dir);
  const CLIPLoRAConfig& c = state_->config;
  const nlohmann::json config = {{"peft_type", "LORA"},       {"r", c.rank},
                                 {"lora_alpha", c.alpha},    {"lora_dropout", c.dropout},
                                 {"target_modules", c.target_modules}, {"bias", "none"},
                                 {"fan_in_fan_out", false},  {"init_lora_weights", true},
                                 {"inference_mode", true},   {"task_type", nullptr},
                                 {"base_model_name_or_path", base_model}};
  std::ofstream(dir / kConfigFile) << config.dump(2) << "\n";
  save_tensors(dir / kWeightsFile, peft_tensors());
}

CLIPLoRAClassifier make_clip_lora_classifier(const std::filesystem::path& dir,
                                             const std::vector<std::string>& class_prompts,
                                             const CLIPLoRAConfig& config, std::uint64_t seed) {
  if (class_prompts.empty()) throw InputError(fmt::format("{}: a CLIP classifier needs at least one class", dir.string()));
  const CLIPTokenizer tokenizer(clip_tokenizer_dir(dir));
  CLIPModel model = load_clip_model(dir);
  if (tokenizer.max_length() > model->text_model->config.max_position_embeddings)
    throw InputError(fmt::format("{}: the tokenizer pads to {} tokens but the text model has {} positions",
                                 dir.string(), tokenizer.max_length(), model->text_model->config.max_position_embeddings));
  std::vector<std::int64_t> ids;
  for (const auto& prompt : class_prompts) {
    const auto encoded = tokenizer.encode(prompt, true);
    ids.insert(ids.end(), encoded.begin(), encoded.end());
  }
  const auto rows = static_cast<std::int64_t>(class_prompts.size());
  return CLIPLoRAClassifier(std::move(model), at::tensor(ids, at::kLong).view({rows, -1}), config, seed);
}

CLIPLoRAConfig read_clip_lora_config(const std::filesystem::path& dir) {
  const auto file = dir / kConfigFile;
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: not found; expected a peft adapter folder", file.string()));
  nlohmann::json fields;
  try {
    fields = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& error) {
    throw InputError(fmt::format("{}: not valid JSON: {}", file.string(), error.what()));
  }
  const PeftLoraConfig peft = peft_lora_config(fields, file.string());
  if (peft.use_rslora || !peft.rank_pattern.empty() || !peft.alpha_pattern.empty())
    throw InputError(fmt::format("{}: use_rslora, rank_pattern and alpha_pattern are not read for CLIP classifiers",
                                 file.string()));
  CLIPLoRAConfig config;
  config.rank = peft.r;
  config.alpha = peft.lora_alpha;
  const auto dropout = fields.value("lora_dropout", nlohmann::json(0.0));
  if (!dropout.is_number()) throw InputError(fmt::format("{}: 'lora_dropout' must be a number", file.string()));
  config.dropout = dropout.get<double>();
  const auto targets = fields.value("target_modules", nlohmann::json());
  if (!targets.is_array() || targets.empty() ||
      !std::all_of(targets.begin(), targets.end(), [](const nlohmann::json& t) { return t.is_string(); }))
    throw InputError(fmt::format("{}: 'target_modules' must be a list of module names", file.string()));
  config.target_modules = targets.get<std::vector<std::string>>();
  return config;
}

void load_clip_lora_adapter(CLIPLoRAClassifier& classifier, const std::filesystem::path& dir) {
  const auto file = dir / kWeightsFile;
  if (!std::filesystem::exists(file)) throw InputError(fmt::format("{}: not found", file.string()));
  classifier.load_peft_tensors(load_tensors(file), file.string());
}

at::Tensor clip_normalise(const at::Tensor& images) {
  const auto options = images.options();
  const at::Tensor mean = at::tensor(std::vector<double>(kCLIPMean.begin(), kCLIPMean.end()), options).view({1, 3, 1, 1});
  const at::Tensor std = at::tensor(std::vector<double>(kCLIPStd.begin(), kCLIPStd.end()), options).view({1, 3, 1, 1});
  return ((images + 1) / 2 - mean) / std;
}

}  // namespace tunegrid
