// flux_transformer.h — FluxTransformer2DModel as diffusers builds it (models/transformers/
// transformer_flux.py, with models/normalization.py AdaLayerNormZero / AdaLayerNormZeroSingle /
// AdaLayerNormContinuous and models/embeddings.py CombinedTimestep(Guidance)TextProjEmbeddings,
// FluxPosEmbed, apply_rotary_emb), named exactly as diffusers names it so a FLUX.1 checkpoint's
// `transformer/` folder loads 1:1:
//   x_embedder, context_embedder, time_text_embed.{timestep,guidance,text}_embedder,
//   transformer_blocks.N (double stream: norm1 / norm1_context, joint attention with the text
//     tokens first and RMS-normed q/k incl. norm_added_q/k, ff / ff_context tanh-GELU MLPs),
//   single_transformer_blocks.N (norm.linear, attn q/k/v, proj_mlp, proj_out over attention ⊕ MLP),
//   norm_out (scale before shift), proj_out.
// Rotary embeddings over 3-axis position ids (0, row, col): frequencies in float64, adjacent
// pairs rotated. Inputs are the packed 2×2 latent patches (flux_latents.h). Every projection a
// LoRA may target is an AdaptableLinear.
#pragma once
#include <filesystem>
#include <vector>

#include <torch/nn/modules/container/modulelist.h>

#include "workers/models/adaptable_linear.h"
#include "workers/models/resnet.h"

namespace tunegrid {

class JsonConfig;

struct FluxTransformerConfig {
  int patch_size = 1;
  int in_channels = 64;
  int out_channels = 0;  // 0: config null, same as in_channels
  int num_layers = 19, num_single_layers = 38;
  int attention_head_dim = 128, num_attention_heads = 24;
  int joint_attention_dim = 4096, pooled_projection_dim = 768;
  bool guidance_embeds = false;
  std::vector<int> axes_dims_rope = {16, 56, 56};

  int inner_dim() const { return attention_head_dim * num_attention_heads; }
  int output_channels() const { return out_channels > 0 ? out_channels : in_channels; }
  static FluxTransformerConfig from_json(const JsonConfig& config);
  static FluxTransformerConfig from_file(const std::filesystem::path& file);
};

// The rotary embedding of position ids [S, axes]: (cos, sin), each [S, head_dim] float32.
struct RotaryEmbedding {
  at::Tensor cos, sin;
};
RotaryEmbedding flux_rotary_embedding(const at::Tensor& ids, const std::vector<int>& axes_dims, double theta = 10000);
// x [B, S, H, d] rotated by `rope` (apply_rotary_emb, use_real_unbind_dim = -1, sequence_dim 1).
at::Tensor apply_rotary_embedding(const at::Tensor& x, const RotaryEmbedding& rope);

// RMSNorm over the last dimension with a learned scale (torch.nn.RMSNorm's `weight`).
struct RMSNormImpl : torch::nn::Module {
  RMSNormImpl(int dim, double eps);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor weight;
  double eps;
};
TORCH_MODULE(RMSNorm);

// FluxAttention: to_q/k/v (+ norm_q/k), with a context stream add_q/k/v_proj (+ norm_added_q/k)
// and to_add_out in the double blocks; to_out.0 except in the single blocks (pre_only).
struct FluxAttentionImpl : torch::nn::Module {
  FluxAttentionImpl(int dim, int heads, int head_dim, bool with_context, bool pre_only);
  // Single stream: x [B, S, D] -> [B, S, D] (before any output projection).
  at::Tensor forward(const at::Tensor& x, const RotaryEmbedding& rope);
  // Double stream: (image [B, N, D], context [B, M, D]) -> (image, context) outputs.
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x, const at::Tensor& context,
                                            const RotaryEmbedding& rope);
  int heads, head_dim;
  RMSNorm norm_q{nullptr}, norm_k{nullptr}, norm_added_q{nullptr}, norm_added_k{nullptr};
  AdaptableLinear to_q{nullptr}, to_k{nullptr}, to_v{nullptr}, to_out{nullptr};
  AdaptableLinear add_q_proj{nullptr}, add_k_proj{nullptr}, add_v_proj{nullptr}, to_add_out{nullptr};

 private:
  at::Tensor split_heads(const at::Tensor& x) const;
};
TORCH_MODULE(FluxAttention);

// FeedForward(activation_fn="gelu-approximate"): net.0.proj (dim -> 4·dim), tanh-GELU, net.2.
struct FluxFeedForwardImpl : torch::nn::Module {
  explicit FluxFeedForwardImpl(int dim);
  at::Tensor forward(const at::Tensor& x);
  AdaptableLinear proj{nullptr}, out{nullptr};
};
TORCH_MODULE(FluxFeedForward);

// AdaLayerNorm{Zero,ZeroSingle,Continuous}'s `linear` over silu(temb), split in `chunks`.
struct AdaptiveModulationImpl : torch::nn::Module {
  AdaptiveModulationImpl(int dim, int chunks);
  std::vector<at::Tensor> forward(const at::Tensor& temb);  // each [B, dim]
  AdaptableLinear linear{nullptr};
  int chunks;
};
TORCH_MODULE(AdaptiveModulation);

struct FluxTransformerBlockImpl : torch::nn::Module {
  FluxTransformerBlockImpl(int dim, int heads, int head_dim);
  // (image, context) -> (image, context).
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& x, const at::Tensor& context, const at::Tensor& temb,
                                            const RotaryEmbedding& rope);
  AdaptiveModulation norm1{nullptr}, norm1_context{nullptr};
  FluxAttention attn{nullptr};
  FluxFeedForward ff{nullptr}, ff_context{nullptr};
};
TORCH_MODULE(FluxTransformerBlock);

struct FluxSingleTransformerBlockImpl : torch::nn::Module {
  FluxSingleTransformerBlockImpl(int dim, int heads, int head_dim);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb, const RotaryEmbedding& rope);  // [B, M+N, D]
  AdaptiveModulation norm{nullptr};
  FluxAttention attn{nullptr};
  AdaptableLinear proj_mlp{nullptr}, proj_out{nullptr};
};
TORCH_MODULE(FluxSingleTransformerBlock);

// CombinedTimestep(Guidance)TextProjEmbeddings: timestep (and guidance) features through
// TimestepEmbedding, plus the pooled text through PixArtAlphaTextProjection(act_fn="silu"),
// whose linear_1 → SiLU → linear_2 is TimestepEmbedding's layout too.
struct FluxTimeTextEmbeddingImpl : torch::nn::Module {
  FluxTimeTextEmbeddingImpl(int dim, int pooled_dim, bool with_guidance);
  // timestep, guidance: [B] already ×1000; guidance undefined without a guidance embedder.
  at::Tensor forward(const at::Tensor& timestep, const at::Tensor& guidance, const at::Tensor& pooled);
  TimestepEmbedding timestep_embedder{nullptr}, guidance_embedder{nullptr}, text_embedder{nullptr};
};
TORCH_MODULE(FluxTimeTextEmbedding);

// What one forward pass takes (FluxTransformer2DModel.forward's arguments).
struct FluxTransformerInput {
  at::Tensor hidden_states;          // [B, N, in_channels] packed latents
  at::Tensor encoder_hidden_states;  // [B, M, joint_attention_dim] T5 states
  at::Tensor pooled_projections;     // [B, pooled_projection_dim] CLIP pooled
  at::Tensor timestep;               // [B] in [0, 1] (σ)
  at::Tensor guidance;               // [B] guidance scale; undefined for models without guidance_embeds
  at::Tensor img_ids, txt_ids;       // [N, 3], [M, 3]
};

struct FluxTransformer2DModelImpl : torch::nn::Module {
  explicit FluxTransformer2DModelImpl(const FluxTransformerConfig& config);
  at::Tensor forward(const FluxTransformerInput& input);  // [B, N, patch²·out_channels]

  FluxTransformerConfig config;
  // Every double and single block recomputed in backward (enable_gradient_checkpointing).
  bool gradient_checkpointing = false;
  AdaptableLinear x_embedder{nullptr}, context_embedder{nullptr}, proj_out{nullptr};
  FluxTimeTextEmbedding time_text_embed{nullptr};
  torch::nn::ModuleList transformer_blocks, single_transformer_blocks;
  AdaptiveModulation norm_out{nullptr};
};
TORCH_MODULE(FluxTransformer2DModel);

// Reads DIR/config.json and DIR/diffusion_pytorch_model.safetensors (or its sharded index)
// strictly; the model is returned in eval mode.
FluxTransformer2DModel load_flux_transformer(const std::filesystem::path& dir);
// Writes DIR/config.json and DIR/diffusion_pytorch_model.safetensors as diffusers does.
void save_flux_transformer(FluxTransformer2DModel& model, const std::filesystem::path& dir);

}  // namespace tunegrid
