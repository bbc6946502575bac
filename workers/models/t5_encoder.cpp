// t5_encoder.cpp — see t5_encoder.h.
#include "workers/models/t5_encoder.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/module_scope.h"
#include "workers/models/reference_versions.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

const ConfigSchema<T5Config>& t5_schema() {
  using C = T5Config;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("vocab_size", &C::vocab_size, 1, kMaxVocabularySize)
        .integer("d_model", &C::d_model, 1, kMaxModelWidth)
        .integer("d_kv", &C::d_kv, 1, kMaxModelWidth)
        .integer("d_ff", &C::d_ff, 1, kMaxModelWidth)
        .integer("num_layers", &C::num_layers, 1, kMaxModelDepth)
        .integer("num_heads", &C::num_heads, 1, kMaxModelWidth)
        .integer("relative_attention_num_buckets", &C::relative_attention_num_buckets, 4, 1 << 16)
        .integer("relative_attention_max_distance", &C::relative_attention_max_distance, 2, kMaxModelPositions)
        .number("layer_norm_epsilon", &C::layer_norm_epsilon, 0, 1)
        .text("feed_forward_proj", &C::feed_forward_proj, {"relu", "gelu", "gated-gelu", "gated-relu"});
    return s;
  }();
  return schema;
}

// ACT2FN's name for the feed-forward's activation (T5Config: "gated-gelu" means gelu_new).
std::string activation_of(const T5Config& c) {
  if (c.feed_forward_proj == "gated-gelu") return "gelu_new";
  return c.gated() ? c.feed_forward_proj.substr(6) : c.feed_forward_proj;
}

}  // namespace

T5Config T5Config::from_json(const JsonConfig& json) {
  T5Config c = t5_schema().read(json);
  if (static_cast<long>(c.d_kv) * c.num_heads > kMaxModelWidth)
    json.fail("num_heads", fmt::format("{} heads of {} exceed the width limit {}", c.num_heads, c.d_kv, kMaxModelWidth));
  return c;
}

T5Config T5Config::from_file(const std::filesystem::path& file) { return from_json(JsonConfig(file)); }

at::Tensor t5_relative_position_bucket(const at::Tensor& relative_position, int num_buckets, int max_distance) {
  const int half = num_buckets / 2;  // bidirectional: one half for each direction
  at::Tensor buckets = (relative_position > 0).to(at::kLong) * half;
  const at::Tensor distance = relative_position.abs();
  const int max_exact = half / 2;
  at::Tensor large = max_exact + (at::log(distance.to(at::kFloat) / max_exact) /
                                  std::log(static_cast<double>(max_distance) / max_exact) * (half - max_exact))
                                     .to(at::kLong);
  large = at::minimum(large, at::full_like(large, half - 1));
  return buckets + at::where(distance < max_exact, distance, large);
}

T5LayerNormImpl::T5LayerNormImpl(int dim, double eps) : eps(eps) { weight = register_parameter("weight", at::ones({dim})); }

at::Tensor T5LayerNormImpl::forward(const at::Tensor& x) {
  const at::Tensor variance = x.to(at::kFloat).pow(2).mean(-1, true);
  at::Tensor normed = x * at::rsqrt(variance + eps);
  if (weight.scalar_type() == at::kHalf || weight.scalar_type() == at::kBFloat16) normed = normed.to(weight.scalar_type());
  return weight * normed;
}

T5AttentionImpl::T5AttentionImpl(const T5Config& c, bool with_relative_bias)
    : heads(c.num_heads),
      head_dim(c.d_kv),
      num_buckets(c.relative_attention_num_buckets),
      max_distance(c.relative_attention_max_distance) {
  const int inner = c.num_heads * c.d_kv;
  q = register_module("q", AdaptableLinear(c.d_model, inner, false));
  k = register_module("k", AdaptableLinear(c.d_model, inner, false));
  v = register_module("v", AdaptableLinear(c.d_model, inner, false));
  o = register_module("o", AdaptableLinear(inner, c.d_model, false));
  if (with_relative_bias)
    relative_attention_bias = register_module("relative_attention_bias", torch::nn::Embedding(num_buckets, heads));
}

at::Tensor T5AttentionImpl::position_bias(std::int64_t length) {
  const auto options = at::TensorOptions().dtype(at::kLong).device(relative_attention_bias->weight.device());
  const at::Tensor positions = at::arange(length, options);
  const at::Tensor relative = positions.unsqueeze(0) - positions.unsqueeze(1);  // memory − query
  const at::Tensor values = relative_attention_bias->forward(t5_relative_position_bucket(relative, num_buckets, max_distance));
  return values.permute({2, 0, 1}).unsqueeze(0);  // [1, heads, S, S]
}

at::Tensor T5AttentionImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  const auto split = [&](const at::Tensor& t) { return t.unflatten(-1, {heads, head_dim}).transpose(1, 2); };
  const at::Tensor out = at::scaled_dot_product_attention(split(q->forward(x)), split(k->forward(x)),
                                                          split(v->forward(x)), bias.to(x.scalar_type()), 0.0, false,
                                                          /*scale=*/1.0);  // T5 does not scale its scores
  return o->forward(out.transpose(1, 2).flatten(2, 3));
}

T5FeedForwardImpl::T5FeedForwardImpl(const T5Config& c) : activation(activation_of(c)) {
  if (c.gated()) {
    wi_0 = register_module("wi_0", AdaptableLinear(c.d_model, c.d_ff, false));
    wi_1 = register_module("wi_1", AdaptableLinear(c.d_model, c.d_ff, false));
  } else {
    wi = register_module("wi", AdaptableLinear(c.d_model, c.d_ff, false));
  }
  wo = register_module("wo", AdaptableLinear(c.d_ff, c.d_model, false));
}

at::Tensor T5FeedForwardImpl::forward(const at::Tensor& x) {
  const auto act = [&](const at::Tensor& h) {
    if (activation == "relu") return at::relu(h);
    return at::gelu(h, activation == "gelu_new" ? "tanh" : "none");
  };
  at::Tensor hidden = wi ? act(wi->forward(x)) : act(wi_0->forward(x)) * wi_1->forward(x);
  return wo->forward(hidden.to(wo->weight.scalar_type()));  // wo may be kept in float32
}

T5BlockImpl::T5BlockImpl(const T5Config& c, bool with_relative_bias) {
  auto layer = name_scope(*this, "layer");
  auto self_attention = name_scope(*layer, "0");
  attention = self_attention->register_module("SelfAttention", T5Attention(c, with_relative_bias));
  attention_norm = self_attention->register_module("layer_norm", T5LayerNorm(c.d_model, c.layer_norm_epsilon));
  auto feed = name_scope(*layer, "1");
  feed_forward = feed->register_module("DenseReluDense", T5FeedForward(c));
  feed_forward_norm = feed->register_module("layer_norm", T5LayerNorm(c.d_model, c.layer_norm_epsilon));
}

namespace {

// T5Block's float16 guard: values clamped just inside the finite range.
at::Tensor clamp_half(const at::Tensor& x) {
  if (x.scalar_type() != at::kHalf) return x;
  const double limit = 65504.0 - 1000.0;
  return x.clamp(-limit, limit);
}

}  // namespace

at::Tensor T5BlockImpl::forward(const at::Tensor& x, const at::Tensor& bias) {
  at::Tensor h = clamp_half(x + attention->forward(attention_norm->forward(x), bias));
  return clamp_half(h + feed_forward->forward(feed_forward_norm->forward(h)));
}

T5EncoderModelImpl::T5EncoderModelImpl(const T5Config& c) : config(c) {
  shared = register_module("shared", torch::nn::Embedding(c.vocab_size, c.d_model));
  auto encoder = name_scope(*this, "encoder");
  block = encoder->register_module("block", torch::nn::ModuleList());
  for (int i = 0; i < c.num_layers; ++i) block->push_back(T5Block(c, i == 0));
  final_layer_norm = encoder->register_module("final_layer_norm", T5LayerNorm(c.d_model, c.layer_norm_epsilon));
}

at::Tensor T5EncoderModelImpl::forward(const at::Tensor& input_ids, const at::Tensor& attention_mask) {
  at::Tensor h = shared->forward(input_ids);
  at::Tensor bias = block[0]->as<T5Block>()->attention->position_bias(input_ids.size(1));
  if (attention_mask.defined()) {
    const at::Tensor masked = (attention_mask == 0).unsqueeze(1).unsqueeze(1);  // [B, 1, 1, S]
    bias = bias + at::where(masked, std::numeric_limits<float>::lowest(), 0.0f).to(bias.scalar_type());
  }
  for (auto& layer : *block) h = layer->as<T5Block>()->forward(h, bias);
  return final_layer_norm->forward(h);
}

namespace {

// transformers ties encoder.embed_tokens to shared; checkpoints hold either or both.
std::string rename_t5_key(const std::string& key) {
  return key == "encoder.embed_tokens.weight" ? "shared.weight" : key;
}

}  // namespace

T5EncoderModel load_t5_encoder(const std::filesystem::path& dir) {
  T5EncoderModel model(T5Config::from_file(dir / "config.json"));
  load_module_weights(*model, dir, "model", rename_t5_key);
  model->eval();
  return model;
}

void save_t5_encoder(T5EncoderModel& model, const std::filesystem::path& dir) {
  nlohmann::json config = {{"architectures", {"T5EncoderModel"}},
                           {"model_type", "t5"},
                           {"is_encoder_decoder", false},
                           {"use_cache", false},
                           {"dropout_rate", 0.0},
                           {"transformers_version", kTransformersVersion}};
  t5_schema().write(model->config, config);
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "model.safetensors");
}

}  // namespace tunegrid
