// clip_encoder.cpp — see clip_encoder.h.
#include "workers/models/clip_encoder.h"

#include <cmath>

#include "workers/models/model_config.h"

namespace tunegrid {

namespace {
void check_activation(const JsonConfig& json, const std::string& activation) {
  if (activation != "quick_gelu" && activation != "gelu")
    json.fail("hidden_act", "'" + activation + "' is not supported; expected quick_gelu or gelu");
}
}  // namespace

CLIPTextConfig CLIPTextConfig::from_json(const JsonConfig& json) {
  CLIPTextConfig c;
  c.vocab_size = json.get_int("vocab_size", c.vocab_size);
  c.hidden_size = json.get_int("hidden_size", c.hidden_size);
  c.intermediate_size = json.get_int("intermediate_size", c.intermediate_size);
  c.projection_dim = json.get_int("projection_dim", c.projection_dim);
  c.num_hidden_layers = json.get_int("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = json.get_int("num_attention_heads", c.num_attention_heads);
  c.max_position_embeddings = json.get_int("max_position_embeddings", c.max_position_embeddings);
  c.hidden_act = json.get_string("hidden_act", c.hidden_act);
  c.layer_norm_eps = json.get_double("layer_norm_eps", c.layer_norm_eps);
  c.pad_token_id = json.get_int("pad_token_id", c.pad_token_id);
  c.bos_token_id = json.get_int("bos_token_id", c.bos_token_id);
  c.eos_token_id = json.get_int("eos_token_id", c.eos_token_id);
  check_activation(json, c.hidden_act);
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", "does not divide hidden_size = " + std::to_string(c.hidden_size));
  return c;
}

CLIPVisionConfig CLIPVisionConfig::from_json(const JsonConfig& json) {
  CLIPVisionConfig c;
  c.hidden_size = json.get_int("hidden_size", c.hidden_size);
  c.intermediate_size = json.get_int("intermediate_size", c.intermediate_size);
  c.projection_dim = json.get_int("projection_dim", c.projection_dim);
  c.num_hidden_layers = json.get_int("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = json.get_int("num_attention_heads", c.num_attention_heads);
  c.num_channels = json.get_int("num_channels", c.num_channels);
  c.image_size = json.get_int("image_size", c.image_size);
  c.patch_size = json.get_int("patch_size", c.patch_size);
  c.hidden_act = json.get_string("hidden_act", c.hidden_act);
  c.layer_norm_eps = json.get_double("layer_norm_eps", c.layer_norm_eps);
  check_activation(json, c.hidden_act);
  if (c.image_size % c.patch_size != 0) json.fail("patch_size", "does not divide image_size");
  if (c.hidden_size % c.num_attention_heads != 0)
    json.fail("num_attention_heads", "does not divide hidden_size = " + std::to_string(c.hidden_size));
  return c;
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
  for (int i = 0; i < count; ++i) states.push_back(layers[i]->as<CLIPEncoderLayer>()->forward(states.back(), mask));
  return states;
}

}  // namespace tunegrid
