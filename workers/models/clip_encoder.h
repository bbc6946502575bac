// clip_encoder.h — the transformer shared by CLIP's text and vision towers, named as in
// transformers (models/clip/modeling_clip.py): CLIPAttention (q_proj, k_proj, v_proj,
// out_proj), CLIPMLP (fc1, fc2), CLIPEncoderLayer (layer_norm1, self_attn, layer_norm2,
// mlp), CLIPEncoder (layers.N), and the configs read from config.json.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tunegrid {

class JsonConfig;

struct CLIPTextConfig {
  int vocab_size = 49408;
  int hidden_size = 512;
  int intermediate_size = 2048;
  int projection_dim = 512;
  int num_hidden_layers = 12;
  int num_attention_heads = 8;
  int max_position_embeddings = 77;
  std::string hidden_act = "quick_gelu";  // or "gelu"
  double layer_norm_eps = 1e-5;
  int pad_token_id = 1, bos_token_id = 49406, eos_token_id = 49407;

  static CLIPTextConfig from_json(const JsonConfig& config);
  nlohmann::json to_json() const;  // the transformers text_config keys (model_type included)
};

struct CLIPVisionConfig {
  int hidden_size = 768;
  int intermediate_size = 3072;
  int projection_dim = 512;
  int num_hidden_layers = 12;
  int num_attention_heads = 12;
  int num_channels = 3;
  int image_size = 224;
  int patch_size = 32;
  std::string hidden_act = "quick_gelu";
  double layer_norm_eps = 1e-5;

  static CLIPVisionConfig from_json(const JsonConfig& config);
  nlohmann::json to_json() const;  // the transformers vision_config keys
};

struct CLIPEncoderLayerImpl : torch::nn::Module {
  CLIPEncoderLayerImpl(int hidden, int intermediate, int heads, const std::string& activation, double eps);
  // x [B, N, hidden]; mask [N, N] additive (causal) or undefined.
  at::Tensor forward(const at::Tensor& x, const at::Tensor& mask);
  int heads;
  bool quick_gelu;
  torch::nn::LayerNorm layer_norm1{nullptr}, layer_norm2{nullptr};
  torch::nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, out_proj{nullptr}, fc1{nullptr}, fc2{nullptr};
  // Added to a projection's output when set (LoRA on the text encoder): q_proj(h) +
  // q_proj_delta(h) before the query scaling, likewise k, v and out_proj (of the attended
  // values). Unset: nothing runs.
  std::function<at::Tensor(const at::Tensor&)> q_proj_delta, k_proj_delta, v_proj_delta, out_proj_delta;
};
TORCH_MODULE(CLIPEncoderLayer);

struct CLIPEncoderImpl : torch::nn::Module {
  CLIPEncoderImpl(int layers, int hidden, int intermediate, int heads, const std::string& activation, double eps);
  // Returns the hidden states after every layer (index 0 is the input).
  std::vector<at::Tensor> forward(const at::Tensor& x, const at::Tensor& mask, int stop_after_layers = -1);
  torch::nn::ModuleList layers;
  bool gradient_checkpointing = false;  // layers recomputed in backward (gradient_checkpoint.h)
};
TORCH_MODULE(CLIPEncoder);

}  // namespace tunegrid
