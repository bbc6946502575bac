// resnet.h — the convolutional parts of the Stable Diffusion UNet and VAE, named as in
// diffusers (models/resnet.py `ResnetBlock2D`, models/downsampling.py `Downsample2D`,
// models/upsampling.py `Upsample2D`, models/embeddings.py `Timesteps` and
// `TimestepEmbedding`).
#pragma once
#include <optional>

#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tunegrid {

// norm1 → SiLU → conv1 (+ time_emb_proj(SiLU(temb))) → norm2 → SiLU → conv2, plus the input
// (through conv_shortcut, a 1×1 conv, when channels change). temb_channels 0: no time input.
struct ResnetBlock2DImpl : torch::nn::Module {
  ResnetBlock2DImpl(int in_channels, int out_channels, int temb_channels, int groups, double eps,
                    double output_scale_factor = 1.0);
  at::Tensor forward(const at::Tensor& x, const at::Tensor& temb = {});
  double output_scale_factor;
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv_shortcut{nullptr};
  torch::nn::Linear time_emb_proj{nullptr};
};
TORCH_MODULE(ResnetBlock2D);

// 3×3 conv with stride 2 (`conv`); padding 0 pads right and bottom by one first (the VAE).
struct Downsample2DImpl : torch::nn::Module {
  Downsample2DImpl(int channels, int out_channels, int padding);
  at::Tensor forward(const at::Tensor& x);
  int padding;
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Downsample2D);

// Nearest 2× (or to `size`) then a 3×3 conv (`conv`).
struct Upsample2DImpl : torch::nn::Module {
  Upsample2DImpl(int channels, int out_channels);
  at::Tensor forward(const at::Tensor& x, std::optional<std::vector<std::int64_t>> size = std::nullopt);
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(Upsample2D);

// Sinusoidal timestep features [N, dim] (get_timestep_embedding): flip_sin_to_cos puts
// cosines first; downscale_freq_shift is the config's freq_shift.
at::Tensor timestep_embedding(const at::Tensor& timesteps, int dim, bool flip_sin_to_cos, double downscale_freq_shift);

// linear_1 → SiLU → linear_2.
struct TimestepEmbeddingImpl : torch::nn::Module {
  TimestepEmbeddingImpl(int in_channels, int time_embed_dim);
  at::Tensor forward(const at::Tensor& x);
  torch::nn::Linear linear_1{nullptr}, linear_2{nullptr};
};
TORCH_MODULE(TimestepEmbedding);

}  // namespace tunegrid
