// unet_blocks.h — the UNet's down, mid and up blocks, named as in diffusers
// (models/unets/unet_2d_blocks.py): CrossAttnDownBlock2D / DownBlock2D (resnets,
// attentions, downsamplers.0), UNetMidBlock2DCrossAttn (resnets.0, attentions.0,
// resnets.1), CrossAttnUpBlock2D / UpBlock2D (resnets, attentions, upsamplers.0). A block
// with an empty `attentions` list is the plain variant.
#pragma once
#include <vector>

#include <torch/nn/modules/container/modulelist.h>

#include "workers/models/resnet.h"
#include "workers/models/transformer_2d.h"

namespace tunegrid {

struct BlockShape {
  int in_channels = 0, out_channels = 0, temb_channels = 0;
  int num_layers = 1;        // resnets in the block
  bool cross_attention = false;
  int heads = 8;             // attention heads (diffusers' attention_head_dim for SD, sic)
  int transformer_layers = 1;
  int cross_attention_dim = 768;
  bool use_linear_projection = false;
  int groups = 32;
  double eps = 1e-5;
  double output_scale = 1.0;  // resnet output divisor (mid_block_scale_factor)
};

struct DownBlockImpl : torch::nn::Module {
  DownBlockImpl(const BlockShape& shape, bool add_downsample, int downsample_padding);
  // Returns the block output; appends every intermediate state to `skips`.
  at::Tensor forward(at::Tensor x, const at::Tensor& temb, const at::Tensor& context, std::vector<at::Tensor>& skips);
  torch::nn::ModuleList resnets, attentions, downsamplers;
  bool gradient_checkpointing = false;  // resnets and attentions recomputed in backward (gradient_checkpoint.h)
};
TORCH_MODULE(DownBlock);

struct MidBlockImpl : torch::nn::Module {
  explicit MidBlockImpl(const BlockShape& shape);
  at::Tensor forward(at::Tensor x, const at::Tensor& temb, const at::Tensor& context);
  torch::nn::ModuleList resnets, attentions;
  bool gradient_checkpointing = false;  // resnets and attentions recomputed in backward (gradient_checkpoint.h)
};
TORCH_MODULE(MidBlock);

struct UpBlockImpl : torch::nn::Module {
  // in_channels: the matching down block's input; prev_output_channels: what comes from below.
  UpBlockImpl(const BlockShape& shape, int prev_output_channels, bool add_upsample);
  // Consumes the last num_layers entries of `skips`.
  at::Tensor forward(at::Tensor x, std::vector<at::Tensor>& skips, const at::Tensor& temb, const at::Tensor& context,
                     std::optional<std::vector<std::int64_t>> upsample_size);
  torch::nn::ModuleList resnets, attentions, upsamplers;
  bool gradient_checkpointing = false;  // resnets and attentions recomputed in backward (gradient_checkpoint.h)
};
TORCH_MODULE(UpBlock);

}  // namespace tunegrid
