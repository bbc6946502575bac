// flux_transformer.cpp — see flux_transformer.h.
#include "workers/models/flux_transformer.h"

#include <numeric>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "workers/models/config_schema.h"
#include "workers/models/gradient_checkpoint.h"
#include "workers/models/model_config.h"
#include "workers/models/module_scope.h"
#include "workers/models/reference_versions.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

constexpr double kFluxNormEps = 1e-6;  // every LayerNorm and RMSNorm of the FLUX blocks
constexpr int kTimestepFeatures = 256;  // Timesteps(num_channels=256)

const ConfigSchema<FluxTransformerConfig>& flux_schema() {
  using C = FluxTransformerConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("patch_size", &C::patch_size, 1, 64)
        .integer("in_channels", &C::in_channels, 1, kMaxModelWidth)
        .custom(
            [](const JsonConfig& json, C& c) {
              c.out_channels = json.is_null("out_channels") ? 0 : json.get_int_in("out_channels", 1, kMaxModelWidth);
            },
            [](const C& c, nlohmann::json& out) {
              out["out_channels"] = c.out_channels > 0 ? nlohmann::json(c.out_channels) : nlohmann::json(nullptr);
            })
        .integer("num_layers", &C::num_layers, 0, kMaxModelDepth)
        .integer("num_single_layers", &C::num_single_layers, 0, kMaxModelDepth)
        .integer("attention_head_dim", &C::attention_head_dim, 2, kMaxModelWidth)
        .integer("num_attention_heads", &C::num_attention_heads, 1, kMaxModelWidth)
        .integer("joint_attention_dim", &C::joint_attention_dim, 1, kMaxModelWidth)
        .integer("pooled_projection_dim", &C::pooled_projection_dim, 1, kMaxModelWidth)
        .boolean("guidance_embeds", &C::guidance_embeds)
        .integer_list("axes_dims_rope", &C::axes_dims_rope, 2, kMaxModelWidth);
    return s;
  }();
  return schema;
}

}  // namespace

FluxTransformerConfig FluxTransformerConfig::from_json(const JsonConfig& json) {
  FluxTransformerConfig c = flux_schema().read(json);
  if (static_cast<long>(c.attention_head_dim) * c.num_attention_heads > kMaxModelWidth)
    json.fail("num_attention_heads", fmt::format("{} heads of {} exceed the width limit {}", c.num_attention_heads,
                                                 c.attention_head_dim, kMaxModelWidth));
  const int rope_dims = std::accumulate(c.axes_dims_rope.begin(), c.axes_dims_rope.end(), 0);
  if (rope_dims != c.attention_head_dim)
    json.fail("axes_dims_rope", fmt::format("the rotary axes sum to {}, expected attention_head_dim = {}", rope_dims,
                                            c.attention_head_dim));
  for (const int dim : c.axes_dims_rope)
    if (dim % 2 != 0) json.fail("axes_dims_rope", fmt::format("every axis needs an even size, found {}", dim));
  return c;
}

FluxTransformerConfig FluxTransformerConfig::from_file(const std::filesystem::path& file) {
  return from_json(JsonConfig(file));
}

RotaryEmbedding flux_rotary_embedding(const at::Tensor& ids, const std::vector<int>& axes_dims, double theta) {
  // FluxPosEmbed: positions as float32, frequencies in float64, cos / sin repeated per pair.
  const at::Tensor positions = ids.to(at::kFloat).to(at::kDouble);
  std::vector<at::Tensor> cos, sin;
  for (std::size_t axis = 0; axis < axes_dims.size(); ++axis) {
    const int dim = axes_dims[axis];
    const at::Tensor exponents = at::arange(0, dim, 2, positions.options()) / static_cast<double>(dim);
    const at::Tensor frequencies = 1.0 / at::pow(theta, exponents);
    const at::Tensor angles = at::outer(positions.select(1, static_cast<std::int64_t>(axis)), frequencies);
    cos.push_back(angles.cos().repeat_interleave(2, 1).to(at::kFloat));
    sin.push_back(angles.sin().repeat_interleave(2, 1).to(at::kFloat));
  }
  return {at::cat(cos, -1), at::cat(sin, -1)};
}

at::Tensor apply_rotary_embedding(const at::Tensor& x, const RotaryEmbedding& rope) {
  const auto pairs = x.reshape({x.size(0), x.size(1), x.size(2), -1, 2}).unbind(-1);  // real, imaginary
  const at::Tensor rotated = at::stack({-pairs[1], pairs[0]}, -1).flatten(3);
  const at::Tensor cos = rope.cos.to(x.device()).unsqueeze(0).unsqueeze(2);
  const at::Tensor sin = rope.sin.to(x.device()).unsqueeze(0).unsqueeze(2);
  return (x.to(at::kFloat) * cos + rotated.to(at::kFloat) * sin).to(x.scalar_type());
}

RMSNormImpl::RMSNormImpl(int dim, double eps) : eps(eps) { weight = register_parameter("weight", at::ones({dim})); }

at::Tensor RMSNormImpl::forward(const at::Tensor& x) { return at::rms_norm(x, {x.size(-1)}, weight, eps); }

FluxAttentionImpl::FluxAttentionImpl(int dim, int heads, int head_dim, bool with_context, bool pre_only)
    : heads(heads), head_dim(head_dim) {
  const int inner = heads * head_dim;
  norm_q = register_module("norm_q", RMSNorm(head_dim, kFluxNormEps));
  norm_k = register_module("norm_k", RMSNorm(head_dim, kFluxNormEps));
  to_q = register_module("to_q", AdaptableLinear(dim, inner));
  to_k = register_module("to_k", AdaptableLinear(dim, inner));
  to_v = register_module("to_v", AdaptableLinear(dim, inner));
  if (!pre_only) to_out = name_scope(*this, "to_out")->register_module("0", AdaptableLinear(inner, dim));
  if (!with_context) return;
  norm_added_q = register_module("norm_added_q", RMSNorm(head_dim, kFluxNormEps));
  norm_added_k = register_module("norm_added_k", RMSNorm(head_dim, kFluxNormEps));
  add_q_proj = register_module("add_q_proj", AdaptableLinear(dim, inner));
  add_k_proj = register_module("add_k_proj", AdaptableLinear(dim, inner));
  add_v_proj = register_module("add_v_proj", AdaptableLinear(dim, inner));
  to_add_out = register_module("to_add_out", AdaptableLinear(inner, dim));
}

at::Tensor FluxAttentionImpl::split_heads(const at::Tensor& x) const {
  return x.unflatten(-1, {-1, head_dim});  // [B, S, H, d]
}

namespace {

// Attention over [B, S, H, d] queries, keys and values (dispatch_attention_fn's layout).
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  const at::Tensor out =
      at::scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2));  // [B, H, S, d]
  return out.transpose(1, 2).flatten(2, 3);
}

}  // namespace

at::Tensor FluxAttentionImpl::forward(const at::Tensor& x, const RotaryEmbedding& rope) {
  const at::Tensor q = apply_rotary_embedding(norm_q->forward(split_heads(to_q->forward(x))), rope);
  const at::Tensor k = apply_rotary_embedding(norm_k->forward(split_heads(to_k->forward(x))), rope);
  return attend(q, k, split_heads(to_v->forward(x)));
}

std::pair<at::Tensor, at::Tensor> FluxAttentionImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                                             const RotaryEmbedding& rope) {
  // Text tokens first, then image tokens, in one joint attention.
  at::Tensor q = at::cat({norm_added_q->forward(split_heads(add_q_proj->forward(context))),
                          norm_q->forward(split_heads(to_q->forward(x)))},
                         1);
  at::Tensor k = at::cat({norm_added_k->forward(split_heads(add_k_proj->forward(context))),
                          norm_k->forward(split_heads(to_k->forward(x)))},
                         1);
  const at::Tensor v = at::cat({split_heads(add_v_proj->forward(context)), split_heads(to_v->forward(x))}, 1);
  q = apply_rotary_embedding(q, rope);
  k = apply_rotary_embedding(k, rope);
  const at::Tensor out = attend(q, k, v);
  const std::int64_t text = context.size(1);
  return {to_out->forward(out.slice(1, text).contiguous()), to_add_out->forward(out.slice(1, 0, text).contiguous())};
}

FluxFeedForwardImpl::FluxFeedForwardImpl(int dim) {
  auto net = name_scope(*this, "net");
  proj = name_scope(*net, "0")->register_module("proj", AdaptableLinear(dim, 4 * dim));
  out = net->register_module("2", AdaptableLinear(4 * dim, dim));
}

at::Tensor FluxFeedForwardImpl::forward(const at::Tensor& x) {
  return out->forward(at::gelu(proj->forward(x), "tanh"));
}

AdaptiveModulationImpl::AdaptiveModulationImpl(int dim, int chunks) : chunks(chunks) {
  linear = register_module("linear", AdaptableLinear(dim, chunks * dim));
}

std::vector<at::Tensor> AdaptiveModulationImpl::forward(const at::Tensor& temb) {
  return linear->forward(at::silu(temb)).chunk(chunks, 1);
}

namespace {

// LayerNorm without affine parameters (eps 1e-6), then x·(1 + scale) + shift per sample.
at::Tensor modulate(const at::Tensor& x, const at::Tensor& shift, const at::Tensor& scale) {
  return at::layer_norm(x, {x.size(-1)}, {}, {}, kFluxNormEps) * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1);
}

}  // namespace

FluxTransformerBlockImpl::FluxTransformerBlockImpl(int dim, int heads, int head_dim) {
  norm1 = register_module("norm1", AdaptiveModulation(dim, 6));
  norm1_context = register_module("norm1_context", AdaptiveModulation(dim, 6));
  attn = register_module("attn", FluxAttention(dim, heads, head_dim, true, false));
  ff = register_module("ff", FluxFeedForward(dim));
  ff_context = register_module("ff_context", FluxFeedForward(dim));
}

std::pair<at::Tensor, at::Tensor> FluxTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context,
                                                                    const at::Tensor& temb,
                                                                    const RotaryEmbedding& rope) {
  // shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp (AdaLayerNormZero).
  const auto m = norm1->forward(temb);
  const auto c = norm1_context->forward(temb);
  auto [attn_out, context_attn_out] = attn->forward(modulate(x, m[0], m[1]), modulate(context, c[0], c[1]), rope);
  at::Tensor h = x + m[2].unsqueeze(1) * attn_out;
  h = h + m[5].unsqueeze(1) * ff->forward(modulate(h, m[3], m[4]));
  at::Tensor e = context + c[2].unsqueeze(1) * context_attn_out;
  e = e + c[5].unsqueeze(1) * ff_context->forward(modulate(e, c[3], c[4]));
  if (e.scalar_type() == at::kHalf) e = e.clamp(-65504, 65504);
  return {h, e};
}

FluxSingleTransformerBlockImpl::FluxSingleTransformerBlockImpl(int dim, int heads, int head_dim) {
  const int mlp = 4 * dim;  // mlp_ratio 4
  norm = register_module("norm", AdaptiveModulation(dim, 3));
  proj_mlp = register_module("proj_mlp", AdaptableLinear(dim, mlp));
  proj_out = register_module("proj_out", AdaptableLinear(dim + mlp, dim));
  attn = register_module("attn", FluxAttention(dim, heads, head_dim, false, true));
}

at::Tensor FluxSingleTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& temb,
                                                   const RotaryEmbedding& rope) {
  const auto m = norm->forward(temb);  // shift, scale, gate (AdaLayerNormZeroSingle)
  const at::Tensor normed = modulate(x, m[0], m[1]);
  const at::Tensor mlp = at::gelu(proj_mlp->forward(normed), "tanh");
  const at::Tensor joint = at::cat({attn->forward(normed, rope), mlp}, 2);
  at::Tensor out = x + m[2].unsqueeze(1) * proj_out->forward(joint);
  if (out.scalar_type() == at::kHalf) out = out.clamp(-65504, 65504);
  return out;
}

FluxTimeTextEmbeddingImpl::FluxTimeTextEmbeddingImpl(int dim, int pooled_dim, bool with_guidance) {
  timestep_embedder = register_module("timestep_embedder", TimestepEmbedding(kTimestepFeatures, dim));
  if (with_guidance) guidance_embedder = register_module("guidance_embedder", TimestepEmbedding(kTimestepFeatures, dim));
  text_embedder = register_module("text_embedder", TimestepEmbedding(pooled_dim, dim));
}

at::Tensor FluxTimeTextEmbeddingImpl::forward(const at::Tensor& timestep, const at::Tensor& guidance,
                                              const at::Tensor& pooled) {
  const auto features = [&](const at::Tensor& t) {
    return timestep_embedding(t, kTimestepFeatures, true, 0).to(pooled.scalar_type());
  };
  at::Tensor embedding = timestep_embedder->forward(features(timestep));
  if (guidance_embedder) embedding = embedding + guidance_embedder->forward(features(guidance));
  return embedding + text_embedder->forward(pooled);
}

FluxTransformer2DModelImpl::FluxTransformer2DModelImpl(const FluxTransformerConfig& c) : config(c) {
  const int dim = c.inner_dim();
  time_text_embed = register_module("time_text_embed",
                                    FluxTimeTextEmbedding(dim, c.pooled_projection_dim, c.guidance_embeds));
  context_embedder = register_module("context_embedder", AdaptableLinear(c.joint_attention_dim, dim));
  x_embedder = register_module("x_embedder", AdaptableLinear(c.in_channels, dim));
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.num_layers; ++i)
    transformer_blocks->push_back(FluxTransformerBlock(dim, c.num_attention_heads, c.attention_head_dim));
  single_transformer_blocks = register_module("single_transformer_blocks", torch::nn::ModuleList());
  for (int i = 0; i < c.num_single_layers; ++i)
    single_transformer_blocks->push_back(FluxSingleTransformerBlock(dim, c.num_attention_heads, c.attention_head_dim));
  norm_out = register_module("norm_out", AdaptiveModulation(dim, 2));
  proj_out = register_module("proj_out",
                             AdaptableLinear(dim, static_cast<std::int64_t>(c.patch_size) * c.patch_size *
                                                      c.output_channels()));
}

at::Tensor FluxTransformer2DModelImpl::forward(const FluxTransformerInput& in) {
  at::Tensor x = x_embedder->forward(in.hidden_states);
  const auto dtype = x.scalar_type();
  const at::Tensor timestep = in.timestep.to(dtype) * 1000;
  const bool with_guidance = static_cast<bool>(time_text_embed->guidance_embedder);
  if (with_guidance && !in.guidance.defined())
    throw std::invalid_argument("this FLUX transformer embeds the guidance scale (guidance_embeds), but none was given");
  const at::Tensor guidance = with_guidance ? in.guidance.to(dtype) * 1000 : at::Tensor();
  const at::Tensor temb = time_text_embed->forward(timestep, guidance, in.pooled_projections);
  at::Tensor context = context_embedder->forward(in.encoder_hidden_states);
  const RotaryEmbedding rope = flux_rotary_embedding(at::cat({in.txt_ids, in.img_ids}, 0), config.axes_dims_rope);
  const std::int64_t text = context.size(1);
  for (auto& block : *transformer_blocks) {
    auto* double_block = block->as<FluxTransformerBlock>();
    if (!gradient_checkpointing) {
      std::tie(x, context) = double_block->forward(x, context, temb, rope);
      continue;
    }
    // One checkpointed segment returns the two streams joined, text first.
    const at::Tensor joined = checkpointed(
        [double_block](const std::vector<at::Tensor>& in) {
          auto [image, text_states] = double_block->forward(in[0], in[1], in[2], {in[3], in[4]});
          return at::cat({text_states, image}, 1);
        },
        {x, context, temb, rope.cos, rope.sin});
    context = joined.slice(1, 0, text);
    x = joined.slice(1, text);
  }
  at::Tensor joint = at::cat({context, x}, 1);
  for (auto& block : *single_transformer_blocks) {
    auto* single_block = block->as<FluxSingleTransformerBlock>();
    joint = gradient_checkpointing
                ? checkpointed([single_block](const std::vector<at::Tensor>& in) {
                    return single_block->forward(in[0], in[1], {in[2], in[3]});
                  },
                               {joint, temb, rope.cos, rope.sin})
                : single_block->forward(joint, temb, rope);
  }
  x = joint.slice(1, text);
  const auto m = norm_out->forward(temb);  // AdaLayerNormContinuous: scale, then shift
  return proj_out->forward(modulate(x, m[1], m[0]));
}

FluxTransformer2DModel load_flux_transformer(const std::filesystem::path& dir) {
  FluxTransformer2DModel model(FluxTransformerConfig::from_file(dir / "config.json"));
  load_module_weights(*model, dir, "diffusion_pytorch_model");
  model->eval();
  return model;
}

void save_flux_transformer(FluxTransformer2DModel& model, const std::filesystem::path& dir) {
  nlohmann::json config = {{"_class_name", "FluxTransformer2DModel"}, {"_diffusers_version", kDiffusersVersion}};
  flux_schema().write(model->config, config);
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "diffusion_pytorch_model.safetensors");
}

}  // namespace tunegrid
