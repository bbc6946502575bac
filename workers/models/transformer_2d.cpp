// transformer_2d.cpp — see transformer_2d.h.
#include "workers/models/transformer_2d.h"


#include <torch/version.h>

#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/dropout.h>

namespace tunegrid {

namespace F = torch::nn::functional;

AttentionImpl::AttentionImpl(int query_dim, std::optional<int> cross_attention_dim, int heads_, int dim_head, bool bias,
                             std::optional<int> norm_groups, double norm_eps, bool residual_)
    : heads(heads_), residual(residual_) {
  const int inner = heads * dim_head;
  const int context_dim = cross_attention_dim.value_or(query_dim);
  to_q = register_module("to_q", torch::nn::Linear(torch::nn::LinearOptions(query_dim, inner).bias(bias)));
  to_k = register_module("to_k", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(bias)));
  to_v = register_module("to_v", torch::nn::Linear(torch::nn::LinearOptions(context_dim, inner).bias(bias)));
  to_out = register_module("to_out", torch::nn::ModuleList());
  out_projection = torch::nn::Linear(torch::nn::LinearOptions(inner, query_dim).bias(true));
  to_out->push_back(out_projection);
  to_out->push_back(torch::nn::Dropout(0.0));
  if (norm_groups)
    group_norm = register_module("group_norm",
                                 torch::nn::GroupNorm(torch::nn::GroupNormOptions(*norm_groups, query_dim).eps(norm_eps)));
}

at::Tensor AttentionImpl::forward(const at::Tensor& x, const at::Tensor& context) {
  const at::Tensor& source = context.defined() ? context : x;
  const at::Tensor context_k = context_k_hook ? context_k_hook(source) : source;
  const at::Tensor context_v = context_v_hook ? context_v_hook(source) : source;
  const auto batch = x.size(0), queries = x.size(1), keys = source.size(1);
  at::Tensor q = to_q->forward(x);          // [B, N, inner]
  at::Tensor k = to_k->forward(context_k);  // [B, M, inner]
  at::Tensor v = to_v->forward(context_v);  // [B, M, inner]
  if (to_q_delta) q = q + to_q_delta(x);
  if (to_k_delta) k = k + to_k_delta(context_k);
  if (to_v_delta) v = v + to_v_delta(context_v);
  const auto inner = q.size(2), head_dim = inner / heads;
  q = q.view({batch, queries, heads, head_dim}).transpose(1, 2);  // [B, h, N, d]
  k = k.view({batch, keys, heads, head_dim}).transpose(1, 2);     // [B, h, M, d]
  v = v.view({batch, keys, heads, head_dim}).transpose(1, 2);     // [B, h, M, d]
  // The fused kernel diffusers uses too (no [B, h, N, M] score tensor kept).
  at::Tensor out = at::scaled_dot_product_attention(q, k, v);  // [B, h, N, d]
  out = out.transpose(1, 2).reshape({batch, queries, inner});  // [B, N, inner]
  if (to_out_delta) return out_projection->forward(out) + to_out_delta(out);
  return out_projection->forward(out);
}

at::Tensor AttentionImpl::forward_spatial(const at::Tensor& x) {
  const auto batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
  at::Tensor h = group_norm ? group_norm->forward(x) : x;
  h = h.view({batch, channels, height * width}).transpose(1, 2);  // [B, HW, C]
  h = forward(h);
  h = h.transpose(1, 2).reshape({batch, channels, height, width});
  return residual ? h + x : h;
}

FeedForwardImpl::FeedForwardImpl(int dim, int mult) {
  const int inner = dim * mult;
  // net.0 is GEGLU (with its `proj`), net.1 dropout, net.2 the output projection.
  auto net = register_module("net", torch::nn::ModuleList());
  auto geglu = std::make_shared<torch::nn::Module>();
  proj = geglu->register_module("proj", torch::nn::Linear(dim, inner * 2));
  net->push_back(geglu);
  net->push_back(torch::nn::Dropout(0.0));
  out = torch::nn::Linear(inner, dim);
  net->push_back(out);
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) {
  const auto parts = proj->forward(x).chunk(2, -1);  // hidden, gate: [B, N, inner] each
  return out->forward(parts[0] * at::gelu(parts[1]));
}

BasicTransformerBlockImpl::BasicTransformerBlockImpl(int dim, int heads, int dim_head, int cross_attention_dim) {
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  attn1 = register_module("attn1", Attention(dim, std::nullopt, heads, dim_head, false));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  attn2 = register_module("attn2", Attention(dim, cross_attention_dim, heads, dim_head, false));
  norm3 = register_module("norm3", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}).eps(1e-5)));
  ff = register_module("ff", FeedForward(dim));
}

at::Tensor BasicTransformerBlockImpl::forward(const at::Tensor& x, const at::Tensor& context) {
  at::Tensor h = attn1->forward(norm1->forward(x)) + x;
  h = attn2->forward(norm2->forward(h), context) + h;
  return ff->forward(norm3->forward(h)) + h;
}

Transformer2DModelImpl::Transformer2DModelImpl(int heads, int dim_head, int in_channels, int num_layers,
                                               int cross_attention_dim, bool use_linear_projection, int norm_groups)
    : linear_projection(use_linear_projection) {
  const int inner = heads * dim_head;
  norm = register_module(
      "norm", torch::nn::GroupNorm(torch::nn::GroupNormOptions(norm_groups, in_channels).eps(1e-6).affine(true)));
  if (linear_projection) {
    proj_in_module = torch::nn::AnyModule(register_module("proj_in", torch::nn::Linear(in_channels, inner)));
  } else {
    proj_in_module = torch::nn::AnyModule(
        register_module("proj_in", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, inner, 1))));
  }
  transformer_blocks = register_module("transformer_blocks", torch::nn::ModuleList());
  for (int i = 0; i < num_layers; ++i)
    transformer_blocks->push_back(BasicTransformerBlock(inner, heads, dim_head, cross_attention_dim));
  if (linear_projection) {
    proj_out_module = torch::nn::AnyModule(register_module("proj_out", torch::nn::Linear(inner, in_channels)));
  } else {
    proj_out_module = torch::nn::AnyModule(
        register_module("proj_out", torch::nn::Conv2d(torch::nn::Conv2dOptions(inner, in_channels, 1))));
  }
}

at::Tensor Transformer2DModelImpl::forward(const at::Tensor& x, const at::Tensor& context) {
  const auto batch = x.size(0), height = x.size(2), width = x.size(3);
  at::Tensor h = norm->forward(x);
  if (!linear_projection) h = proj_in_module.forward(h);  // [B, inner, H, W]
  const auto channels = h.size(1);
  h = h.permute({0, 2, 3, 1}).reshape({batch, height * width, channels});  // [B, HW, C]
  if (linear_projection) h = proj_in_module.forward(h);                    // [B, HW, inner]
  for (auto& block : *transformer_blocks) h = block->as<BasicTransformerBlock>()->forward(h, context);
  if (linear_projection) h = proj_out_module.forward(h);  // [B, HW, C]
  h = h.reshape({batch, height, width, h.size(2)}).permute({0, 3, 1, 2}).contiguous();  // [B, C, H, W]
  if (!linear_projection) h = proj_out_module.forward(h);
  return h + x;
}

}  // namespace tunegrid
