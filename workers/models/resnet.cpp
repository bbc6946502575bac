// resnet.cpp — see resnet.h.
#include "workers/models/resnet.h"

#include <cmath>

#include <torch/nn/functional/padding.h>
#include <torch/nn/functional/upsampling.h>

namespace tunegrid {

namespace F = torch::nn::functional;

ResnetBlock2DImpl::ResnetBlock2DImpl(int in_channels, int out_channels, int temb_channels, int groups, double eps,
                                     double output_scale_factor_)
    : output_scale_factor(output_scale_factor_) {
  using torch::nn::Conv2dOptions;
  using torch::nn::GroupNormOptions;
  norm1 = register_module("norm1", torch::nn::GroupNorm(GroupNormOptions(groups, in_channels).eps(eps)));
  conv1 = register_module("conv1", torch::nn::Conv2d(Conv2dOptions(in_channels, out_channels, 3).padding(1)));
  if (temb_channels > 0) time_emb_proj = register_module("time_emb_proj", torch::nn::Linear(temb_channels, out_channels));
  norm2 = register_module("norm2", torch::nn::GroupNorm(GroupNormOptions(groups, out_channels).eps(eps)));
  conv2 = register_module("conv2", torch::nn::Conv2d(Conv2dOptions(out_channels, out_channels, 3).padding(1)));
  if (in_channels != out_channels)
    conv_shortcut = register_module("conv_shortcut", torch::nn::Conv2d(Conv2dOptions(in_channels, out_channels, 1)));
}

at::Tensor ResnetBlock2DImpl::forward(const at::Tensor& x, const at::Tensor& temb) {
  at::Tensor h = conv1->forward(at::silu(norm1->forward(x)));  // [B, out, H, W]
  if (time_emb_proj && temb.defined()) h = h + time_emb_proj->forward(at::silu(temb)).unsqueeze(-1).unsqueeze(-1);
  h = conv2->forward(at::silu(norm2->forward(h)));
  const at::Tensor shortcut = conv_shortcut ? conv_shortcut->forward(x) : x;
  at::Tensor out = shortcut + h;
  return output_scale_factor == 1.0 ? out : out / output_scale_factor;
}

Downsample2DImpl::Downsample2DImpl(int channels, int out_channels, int padding_) : padding(padding_) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out_channels, 3).stride(2).padding(padding)));
}

at::Tensor Downsample2DImpl::forward(const at::Tensor& x) {
  if (padding == 0) return conv->forward(F::pad(x, F::PadFuncOptions({0, 1, 0, 1}).mode(torch::kConstant).value(0)));
  return conv->forward(x);
}

Upsample2DImpl::Upsample2DImpl(int channels, int out_channels) {
  conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, out_channels, 3).padding(1)));
}

at::Tensor Upsample2DImpl::forward(const at::Tensor& x, std::optional<std::vector<std::int64_t>> size) {
  auto options = F::InterpolateFuncOptions().mode(torch::kNearest);
  if (size) options.size(*size);
  else options.scale_factor(std::vector<double>{2.0, 2.0});
  return conv->forward(F::interpolate(x, options));
}

at::Tensor timestep_embedding(const at::Tensor& timesteps, int dim, bool flip_sin_to_cos, double downscale_freq_shift) {
  const int half = dim / 2;
  at::Tensor exponent = at::arange(0, half, at::TensorOptions().dtype(at::kFloat).device(timesteps.device())) *
                        static_cast<float>(-std::log(10000.0));
  exponent = exponent / static_cast<float>(half - downscale_freq_shift);
  at::Tensor emb = timesteps.unsqueeze(1).to(at::kFloat) * at::exp(exponent).unsqueeze(0);  // [N, half]
  emb = flip_sin_to_cos ? at::cat({at::cos(emb), at::sin(emb)}, -1) : at::cat({at::sin(emb), at::cos(emb)}, -1);
  if (dim % 2 == 1) emb = at::constant_pad_nd(emb, {0, 1});
  return emb;  // [N, dim]
}

TimestepEmbeddingImpl::TimestepEmbeddingImpl(int in_channels, int time_embed_dim) {
  linear_1 = register_module("linear_1", torch::nn::Linear(in_channels, time_embed_dim));
  linear_2 = register_module("linear_2", torch::nn::Linear(time_embed_dim, time_embed_dim));
}

at::Tensor TimestepEmbeddingImpl::forward(const at::Tensor& x) { return linear_2->forward(at::silu(linear_1->forward(x))); }

}  // namespace tunegrid
