// t5_encoder.h — T5EncoderModel as transformers builds it (models/t5/modeling_t5.py), the
// FLUX pipelines' second text encoder (text_encoder_2/): token embeddings (`shared`), blocks
// of RMS-normed self-attention without score scaling, whose relative position bias (bucketed:
// exact below half the buckets, logarithmic up to relative_attention_max_distance) lives in
// block 0 and is shared by every block, and a feed-forward that is relu (wi → relu → wo) or
// gated (`gated-gelu`: gelu_new(wi_0)·wi_1 → wo); final_layer_norm. Keys:
// shared.weight, encoder.block.N.layer.0.SelfAttention.{q,k,v,o}.weight (+ .relative_attention_bias
// in block 0), encoder.block.N.layer.{0,1}.layer_norm.weight, encoder.block.N.layer.1.DenseReluDense.*,
// encoder.final_layer_norm.weight. Sharded checkpoints (model.safetensors.index.json) load too.
#pragma once
#include <filesystem>
#include <string>

#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>

#include "workers/models/adaptable_linear.h"

namespace tunegrid {

class JsonConfig;

struct T5Config {
  int vocab_size = 32128;
  int d_model = 512, d_kv = 64, d_ff = 2048;
  int num_layers = 6, num_heads = 8;
  int relative_attention_num_buckets = 32, relative_attention_max_distance = 128;
  double layer_norm_epsilon = 1e-6;
  std::string feed_forward_proj = "relu";  // relu, gelu, gated-gelu, gated-relu

  bool gated() const { return feed_forward_proj.rfind("gated-", 0) == 0; }
  static T5Config from_json(const JsonConfig& config);
  static T5Config from_file(const std::filesystem::path& file);
};

// The bucket of each relative position (memory − query), bidirectional (the encoder's).
at::Tensor t5_relative_position_bucket(const at::Tensor& relative_position, int num_buckets, int max_distance);

// T5LayerNorm: x·rsqrt(mean(x²) + eps)·weight, the mean taken in float32.
struct T5LayerNormImpl : torch::nn::Module {
  T5LayerNormImpl(int dim, double eps);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(T5LayerNorm);

struct T5AttentionImpl : torch::nn::Module {
  T5AttentionImpl(const T5Config& config, bool with_relative_bias);
  // The bias [1, heads, S, S] of block 0's relative_attention_bias.
  at::Tensor position_bias(std::int64_t length);
  // x [B, S, d_model]; bias [1 or B, heads, S, S] (position bias plus mask).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  int heads, head_dim, num_buckets, max_distance;
  AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, o{nullptr};
  torch::nn::Embedding relative_attention_bias{nullptr};
};
TORCH_MODULE(T5Attention);

// DenseReluDense: wi (or wi_0 and wi_1 when gated) and wo, no biases.
struct T5FeedForwardImpl : torch::nn::Module {
  explicit T5FeedForwardImpl(const T5Config& config);
  at::Tensor forward(const at::Tensor& x);
  std::string activation;  // relu, gelu (exact) or gelu_new (tanh)
  AdaptableLinear wi{nullptr}, wi_0{nullptr}, wi_1{nullptr}, wo{nullptr};
};
TORCH_MODULE(T5FeedForward);

// One encoder block: layer.0 (layer_norm, SelfAttention), layer.1 (layer_norm, DenseReluDense).
struct T5BlockImpl : torch::nn::Module {
  T5BlockImpl(const T5Config& config, bool with_relative_bias);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& bias);
  T5LayerNorm attention_norm{nullptr}, feed_forward_norm{nullptr};
  T5Attention attention{nullptr};
  T5FeedForward feed_forward{nullptr};
};
TORCH_MODULE(T5Block);

struct T5EncoderModelImpl : torch::nn::Module {
  explicit T5EncoderModelImpl(const T5Config& config);
  // input_ids [B, S] -> last_hidden_state [B, S, d_model]; attention_mask [B, S] of 1 / 0, or
  // undefined to attend to every token (as the FLUX pipeline calls it).
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& attention_mask = {});
  T5Config config;
  torch::nn::Embedding shared{nullptr};
  torch::nn::ModuleList block;
  T5LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(T5EncoderModel);

// Reads DIR/config.json and DIR/model.safetensors (or its sharded index) strictly; eval mode.
T5EncoderModel load_t5_encoder(const std::filesystem::path& dir);
// Writes DIR/config.json and DIR/model.safetensors as transformers does.
void save_t5_encoder(T5EncoderModel& model, const std::filesystem::path& dir);

}  // namespace tunegrid
