// vit_classifier.cpp — see vit_classifier.h.
#include "workers/models/vit_classifier.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/module_scope.h"
#include "workers/models/reference_versions.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

torch::nn::LayerNorm layer_norm(const ViTConfig& c) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}

torch::nn::Linear linear(int in, int out, bool bias = true) {
  return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

// id2label {"0": "airplane", ...} in index order; every index 0 … n − 1 exactly once.
std::vector<std::string> labels_of(const JsonConfig& json) {
  const auto& document = json.document();
  const auto found = document.find("id2label");
  if (found == document.end() || !found->is_object() || found->empty())
    json.fail("id2label", "expected an object naming each class, {\"0\": \"name\", ...}");
  std::vector<std::string> labels(found->size());
  std::vector<bool> seen(found->size(), false);
  for (const auto& [index, name] : found->items()) {
    std::size_t at = 0;
    try {
      at = std::stoul(index);
    } catch (const std::exception&) {
      json.fail("id2label", fmt::format("key '{}' is not a class index", index));
    }
    if (at >= labels.size() || seen[at] || !name.is_string())
      json.fail("id2label", fmt::format("expected indices 0 to {} once each with a name, found '{}'", labels.size() - 1,
                                        index));
    seen[at] = true;
    labels[at] = name.get<std::string>();
  }
  return labels;
}

}  // namespace

ViTConfig ViTConfig::from_json(const JsonConfig& json) {
  ViTConfig c;
  c.image_size = json.get_int_in("image_size", 1, kMaxModelPositions, c.image_size);
  c.patch_size = json.get_int_in("patch_size", 1, c.image_size, c.patch_size);
  c.num_channels = json.get_int_in("num_channels", 1, kMaxModelWidth, c.num_channels);
  c.hidden_size = json.get_int_in("hidden_size", 1, kMaxModelWidth, c.hidden_size);
  c.num_hidden_layers = json.get_int_in("num_hidden_layers", 1, kMaxModelDepth, c.num_hidden_layers);
  c.num_attention_heads = json.get_int_in("num_attention_heads", 1, c.hidden_size, c.num_attention_heads);
  c.intermediate_size = json.get_int_in("intermediate_size", 1, kMaxModelWidth, c.intermediate_size);
  c.layer_norm_eps = json.get_double_in("layer_norm_eps", 0.0, 1.0, c.layer_norm_eps);
  c.qkv_bias = json.get_bool("qkv_bias", c.qkv_bias);
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", fmt::format("{} does not divide hidden_size {}", c.num_attention_heads,
                                                 c.hidden_size));
  if (c.image_size % c.patch_size != 0)
    json.fail("patch_size", fmt::format("{} does not divide image_size {}", c.patch_size, c.image_size));
  json.require_default("hidden_act", "gelu");
  c.labels = labels_of(json);
  return c;
}

ViTLayerImpl::ViTLayerImpl(const ViTConfig& c) : heads(c.num_attention_heads) {
  layernorm_before = register_module("layernorm_before", layer_norm(c));
  auto attention = name_scope(*this, "attention");
  auto self = name_scope(*attention, "attention");
  query = self->register_module("query", linear(c.hidden_size, c.hidden_size, c.qkv_bias));
  key = self->register_module("key", linear(c.hidden_size, c.hidden_size, c.qkv_bias));
  value = self->register_module("value", linear(c.hidden_size, c.hidden_size, c.qkv_bias));
  attention_output = name_scope(*attention, "output")->register_module("dense", linear(c.hidden_size, c.hidden_size));
  layernorm_after = register_module("layernorm_after", layer_norm(c));
  intermediate = name_scope(*this, "intermediate")->register_module("dense", linear(c.hidden_size, c.intermediate_size));
  output = name_scope(*this, "output")->register_module("dense", linear(c.intermediate_size, c.hidden_size));
}

at::Tensor ViTLayerImpl::forward(const at::Tensor& x) {
  const auto batch = x.size(0), length = x.size(1), width = x.size(2);
  const auto split = [&](const at::Tensor& t) { return t.view({batch, length, heads, width / heads}).transpose(1, 2); };
  const at::Tensor h = layernorm_before->forward(x);
  const at::Tensor attended = at::scaled_dot_product_attention(split(query->forward(h)), split(key->forward(h)),
                                                               split(value->forward(h)));
  const at::Tensor y = x + attention_output->forward(attended.transpose(1, 2).reshape({batch, length, width}));
  return y + output->forward(at::gelu(intermediate->forward(layernorm_after->forward(y))));
}

ViTForImageClassificationImpl::ViTForImageClassificationImpl(const ViTConfig& c) : config(c) {
  auto vit = name_scope(*this, "vit");
  auto embeddings = name_scope(*vit, "embeddings");
  cls_token = embeddings->register_parameter("cls_token", at::empty({1, 1, c.hidden_size}));
  position_embeddings =
      embeddings->register_parameter("position_embeddings", at::empty({1, c.patches() + 1, c.hidden_size}));
  patch_projection = name_scope(*embeddings, "patch_embeddings")
                         ->register_module("projection", torch::nn::Conv2d(torch::nn::Conv2dOptions(
                                                             c.num_channels, c.hidden_size, c.patch_size)
                                                                               .stride(c.patch_size)));
  layers = name_scope(*vit, "encoder")->register_module("layer", torch::nn::ModuleList());
  for (int i = 0; i < c.num_hidden_layers; ++i) layers->push_back(ViTLayer(c));
  layernorm = vit->register_module("layernorm", layer_norm(c));
  classifier = register_module("classifier", linear(c.hidden_size, static_cast<int>(c.labels.size())));
  // transformers' ViTPreTrainedModel._init_weights (initializer_range 0.02; its truncation at ±2 is 100 σ away).
  at::NoGradGuard no_grad;
  for (auto& item : named_parameters()) {
    const bool norm = item.key().find("layernorm") != std::string::npos;
    if (item.key().find("bias") != std::string::npos) item.value().zero_();
    else if (norm) item.value().fill_(1.0);
    else item.value().normal_(0.0, 0.02);
  }
}

at::Tensor ViTForImageClassificationImpl::encode(const at::Tensor& pixel_values) {
  if (pixel_values.dim() != 4 || pixel_values.size(2) != config.image_size || pixel_values.size(3) != config.image_size)
    throw InputError(fmt::format("ViT: expected images of {0}x{0} pixels, found {1}", config.image_size,
                                 fmt::join(pixel_values.sizes(), "x")));
  const auto batch = pixel_values.size(0);
  const at::Tensor patches = patch_projection->forward(pixel_values).flatten(2).transpose(1, 2);  // [B, P, hidden]
  at::Tensor x = at::cat({cls_token.expand({batch, 1, config.hidden_size}), patches}, 1) + position_embeddings;
  for (const auto& layer : *layers) x = layer->as<ViTLayer>()->forward(x);
  return layernorm->forward(x);
}

at::Tensor ViTForImageClassificationImpl::forward(const at::Tensor& pixel_values) {
  return classifier->forward(encode(pixel_values).select(1, 0));
}

std::string original_vit_key(const std::string& key) {
  static const std::vector<std::pair<std::regex, std::string>> renames = {
      {std::regex(R"(^vit\.layers\.(\d+)\.)"), "vit.encoder.layer.$1."},
      {std::regex(R"(\.attention\.q_proj\.)"), ".attention.attention.query."},
      {std::regex(R"(\.attention\.k_proj\.)"), ".attention.attention.key."},
      {std::regex(R"(\.attention\.v_proj\.)"), ".attention.attention.value."},
      {std::regex(R"(\.attention\.o_proj\.)"), ".attention.output.dense."},
      {std::regex(R"(\.mlp\.fc1\.)"), ".intermediate.dense."},
      {std::regex(R"(\.mlp\.fc2\.)"), ".output.dense."}};
  if (key.rfind("vit.layers.", 0) != 0) return key;
  std::string renamed = key;
  for (const auto& [pattern, replacement] : renames) renamed = std::regex_replace(renamed, pattern, replacement);
  return renamed;
}

ViTForImageClassification load_vit_classifier(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  const auto architectures = json.get_string_list("architectures", std::vector<std::string>{});
  if (architectures.empty() || architectures[0] != "ViTForImageClassification")
    json.fail("architectures", "expected [\"ViTForImageClassification\"]");
  ViTForImageClassification model(ViTConfig::from_json(json));
  load_module_weights(*model, dir, "model", original_vit_key);
  model->eval();
  return model;
}

void save_vit_classifier(ViTForImageClassification& model, const std::filesystem::path& dir) {
  const ViTConfig& c = model->config;
  nlohmann::json id2label = nlohmann::json::object(), label2id = nlohmann::json::object();
  for (std::size_t i = 0; i < c.labels.size(); ++i) {
    id2label[std::to_string(i)] = c.labels[i];
    label2id[c.labels[i]] = i;
  }
  const nlohmann::json config = {{"architectures", {"ViTForImageClassification"}},
                                 {"model_type", "vit"},
                                 {"image_size", c.image_size},
                                 {"patch_size", c.patch_size},
                                 {"num_channels", c.num_channels},
                                 {"hidden_size", c.hidden_size},
                                 {"num_hidden_layers", c.num_hidden_layers},
                                 {"num_attention_heads", c.num_attention_heads},
                                 {"intermediate_size", c.intermediate_size},
                                 {"hidden_act", "gelu"},
                                 {"layer_norm_eps", c.layer_norm_eps},
                                 {"qkv_bias", c.qkv_bias},
                                 {"hidden_dropout_prob", 0.0},
                                 {"attention_probs_dropout_prob", 0.0},
                                 {"id2label", id2label},
                                 {"label2id", label2id},
                                 {"dtype", "float32"},
                                 {"transformers_version", kTransformersVersion}};
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "model.safetensors");
}

}  // namespace tunegrid
