// transformer_2d.h — the attention parts of the Stable Diffusion UNet and VAE, named as in
// diffusers (models/attention_processor.py `Attention`, models/attention.py
// `BasicTransformerBlock` / `FeedForward` / `GEGLU`, models/transformers/transformer_2d.py
// `Transformer2DModel`), so checkpoint keys such as
// `down_blocks.0.attentions.1.transformer_blocks.0.attn2.to_k.weight` load 1:1.
#pragma once
#include <functional>
#include <optional>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tunegrid {

// Multi-head attention: to_q, to_k, to_v, to_out.0 (+ group_norm for the VAE's spatial
// attention). Cross-attention when a context is given.
struct AttentionImpl : torch::nn::Module {
  AttentionImpl(int query_dim, std::optional<int> cross_attention_dim, int heads, int dim_head, bool bias,
                std::optional<int> norm_groups = std::nullopt, double norm_eps = 1e-5, bool residual = false);

  // x: [B, N, query_dim]; context: [B, M, cross_dim] or undefined (self-attention).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context = {});
  // The VAE form: x [B, C, H, W] -> group_norm -> attention over H·W -> + x.
  at::Tensor forward_spatial(const at::Tensor& x);

  // Applied to the context before to_k / to_v (AUTOMATIC1111 hypernetworks); optional.
  std::function<at::Tensor(const at::Tensor&)> context_k_hook, context_v_hook;
  // Added to a projection's output when set (LoRA): to_q(x) + to_q_delta(x), likewise for
  // to_k / to_v (on their context) and to_out.0 (on the attention output); optional.
  std::function<at::Tensor(const at::Tensor&)> to_q_delta, to_k_delta, to_v_delta, to_out_delta;

  int heads;
  bool residual;
  torch::nn::Linear to_q{nullptr}, to_k{nullptr}, to_v{nullptr};
  torch::nn::ModuleList to_out;  // to_out.0 = out_projection, to_out.1 = dropout
  torch::nn::Linear out_projection{nullptr};
  torch::nn::GroupNorm group_norm{nullptr};
};
TORCH_MODULE(Attention);

// GEGLU feed-forward: net.0.proj (dim -> 2·inner), gelu gate, net.2 (inner -> dim).
struct FeedForwardImpl : torch::nn::Module {
  FeedForwardImpl(int dim, int mult = 4);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(FeedForward);

// norm1 → attn1 (self) → norm2 → attn2 (cross) → norm3 → ff, each with a residual.
struct BasicTransformerBlockImpl : torch::nn::Module {
  BasicTransformerBlockImpl(int dim, int heads, int dim_head, int cross_attention_dim);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context);
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Attention attn1{nullptr}, attn2{nullptr};
  FeedForward ff{nullptr};
};
TORCH_MODULE(BasicTransformerBlock);

// GroupNorm → proj_in (1×1 conv, or linear with use_linear_projection) → blocks → proj_out
// → + input. x: [B, C, H, W], context: [B, M, cross_attention_dim].
struct Transformer2DModelImpl : torch::nn::Module {
  Transformer2DModelImpl(int heads, int dim_head, int in_channels, int num_layers, int cross_attention_dim,
                         bool use_linear_projection, int norm_groups);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& context);
  bool linear_projection;
  torch::nn::GroupNorm norm{nullptr};
  torch::nn::AnyModule proj_in_module, proj_out_module;
  torch::nn::ModuleList transformer_blocks;
};
TORCH_MODULE(Transformer2DModel);

}  // namespace tunegrid
