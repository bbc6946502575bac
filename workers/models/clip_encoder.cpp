// clip_encoder.cpp — see clip_encoder.h.
#include "workers/models/clip_encoder.h"

#include <cmath>

#include "workers/models/config_schema.h"
#include "workers/models/gradient_checkpoint.h"
#include "workers/models/model_config.h"

namespace tunegrid {

namespace {

const std::vector<std::string> kActivations = {"quick_gelu", "gelu"};

const ConfigSchema<CLIPTextConfig>& text_schema() {
  using C = CLIPTextConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("vocab_size", &C::vocab_size, 1, kMaxVocabularySize)
        .integer("hidden_size", &C::hidden_size, 1, kMaxModelWidth)
        .integer("intermediate_size", &C::intermediate_size, 1, 4 * kMaxModelWidth)
        .integer("projection_dim", &C::projection_dim, 1, kMaxModelWidth)
        .integer("num_hidden_layers", &C::num_hidden_layers, 1, kMaxModelDepth)
        .integer("num_attention_heads", &C::num_attention_heads, 1, kMaxModelWidth)
        .integer("max_position_embeddings", &C::max_position_embeddings, 1, kMaxModelPositions)
        .text("hidden_act", &C::hidden_act, kActivations)
        .number("layer_norm_eps", &C::layer_norm_eps, 1e-12, 1.0)
        .integer("pad_token_id", &C::pad_token_id, 0, kMaxVocabularySize)
        .integer("bos_token_id", &C::bos_token_id, 0, kMaxVocabularySize)
        .integer("eos_token_id", &C::eos_token_id, 0, kMaxVocabularySize);
    return s;
  }();
  return schema;
}

const ConfigSchema<CLIPVisionConfig>& vision_schema() {
  using C = CLIPVisionConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("hidden_size", &C::hidden_size, 1, kMaxModelWidth)
        .integer("intermediate_size", &C::intermediate_size, 1, 4 * kMaxModelWidth)
        .integer("projection_dim", &C::projection_dim, 1, kMaxModelWidth)
        .integer("num_hidden_layers", &C::num_hidden_layers, 1, kMaxModelDepth)
        .integer("num_attention_heads", &C::num_attention_heads, 1, kMaxModelWidth)
        .integer("num_channels", &C::num_channels, 1, kMaxModelWidth)
        .integer("image_size", &C::image_size, 1, kMaxModelPositions)
        .integer("patch_size", &C::patch_size, 1, kMaxModelPositions)
        .text("hidden_act", &C::hidden_act, kActivations)
        .number("layer_norm_eps", &C::layer_norm_eps, 1e-12, 1.0);
    return s;
  }();
  return schema;
}

}  // namespace

CLIPTextConfig CLIPTextConfig::from_json(const JsonConfig& json) {
  CLIPTextConfig c = text_schema().read(json);
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", "does not divide hidden_size = " + std::to_string(c.hidden_size));
  return c;
}

nlohmann::json CLIPTextConfig::to_json() const {
  nlohmann::json out = {{"model_type", "clip_text_model"}};
  text_schema().write(*this, out);
  return out;
}

CLIPVisionConfig CLIPVisionConfig::from_json(const JsonConfig& json) {
  CLIPVisionConfig c = vision_schema().read(json);
  if (c.image_size % c.patch_size != 0) json.fail("patch_size", "does not divide image_size");
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", "does not divide hidden_size = " + std::to_string(c.hidden_size));
  return c;
}

nlohmann::json CLIPVisionConfig::to_json() const {
  nlohmann::json out = {{"model_type", "clip_vision_model"}};
  vision_schema().write(*this, out);
  return out;
}

CLIPEncoderLayerImpl::CLIPEncoderLayerImpl(int hidden, int intermediate, int heads_, const std::string& activation,
                                           double eps)
    : heads(heads_), quick_gelu(activation == "quick_gelu") {
  auto self_attn = register_module("self_attn", std::make_shared<torch::nn::Module>());
  k_proj = self_attn->register_module("k_proj", torch::nn::Linear(hidden, hidden));
  v_proj = self_attn->register_module("v_proj", torch::nn::Linear(hidden, hidden));
  q_proj = self_attn->register_module("q_proj", torch::nn::Linear(hidden, hidden));
  out_proj = self_attn->register_module("out_proj", torch::nn::Linear(hidden, hidden));
  layer_norm1 = register_module("layer_norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(eps)));
  auto mlp = register_module("mlp", std::make_shared<torch::nn::Module>());
  fc1 = mlp->register_module("fc1", torch::nn::Linear(hidden, intermediate));
  fc2 = mlp->register_module("fc2", torch::nn::Linear(intermediate, hidden));
  layer_norm2 = register_module("layer_norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}).eps(eps)));
}

at::Tensor CLIPEncoderLayerImpl::forward(const at::Tensor& x, const at::Tensor& mask) {
  const auto batch = x.size(0), tokens = x.size(1), hidden = x.size(2), head_dim = hidden / heads;
  const at::Tensor h = layer_norm1->forward(x);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim));
  at::Tensor q = q_proj->forward(h), k = k_proj->forward(h), v = v_proj->forward(h);  // [B, N, hidden]
  if (q_proj_delta) q = q + q_proj_delta(h);
  if (k_proj_delta) k = k + k_proj_delta(h);
  if (v_proj_delta) v = v + v_proj_delta(h);
  q = (q * scale).view({batch, tokens, heads, head_dim}).transpose(1, 2);  // [B, h, N, d]
  k = k.view({batch, tokens, heads, head_dim}).transpose(1, 2);
  v = v.view({batch, tokens, heads, head_dim}).transpose(1, 2);
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2));  // [B, h, N, N]
  if (mask.defined()) scores = scores + mask;
  at::Tensor attended = at::matmul(at::softmax(scores, -1), v).transpose(1, 2).reshape({batch, tokens, hidden});
  at::Tensor projected = out_proj->forward(attended);  // [B, N, hidden]
  if (out_proj_delta) projected = projected + out_proj_delta(attended);
  at::Tensor out = x + projected;
  at::Tensor m = fc1->forward(layer_norm2->forward(out));
  m = quick_gelu ? m * at::sigmoid(1.702 * m) : at::gelu(m);
  return out + fc2->forward(m);
}

CLIPEncoderImpl::CLIPEncoderImpl(int count, int hidden, int intermediate, int heads, const std::string& activation,
                                 double eps) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int i = 0; i < count; ++i) layers->push_back(CLIPEncoderLayer(hidden, intermediate, heads, activation, eps));
}

std::vector<at::Tensor> CLIPEncoderImpl::forward(const at::Tensor& x, const at::Tensor& mask, int stop_after_layers) {
  std::vector<at::Tensor> states = {x};
  const int count = stop_after_layers < 0 ? static_cast<int>(layers->size()) : stop_after_layers;
  for (int i = 0; i < count; ++i) {
    auto* layer = layers[i]->as<CLIPEncoderLayer>();
    states.push_back(gradient_checkpointing ? checkpointed([layer](const std::vector<at::Tensor>& in) {
      return layer->forward(in[0], in[1]);
    }, {states.back(), mask})
                                            : layer->forward(states.back(), mask));
  }
  return states;
}

}  // namespace tunegrid
