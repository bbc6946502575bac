// unet_blocks.cpp — see unet_blocks.h.
#include "workers/models/unet_blocks.h"

namespace tunegrid {

namespace {
Transformer2DModel make_transformer(const BlockShape& shape, int channels) {
  return Transformer2DModel(shape.heads, channels / shape.heads, channels, shape.transformer_layers,
                            shape.cross_attention_dim, shape.use_linear_projection, shape.groups);
}
}  // namespace

DownBlockImpl::DownBlockImpl(const BlockShape& shape, bool add_downsample, int downsample_padding) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  for (int i = 0; i < shape.num_layers; ++i) {
    const int in = i == 0 ? shape.in_channels : shape.out_channels;
    resnets->push_back(ResnetBlock2D(in, shape.out_channels, shape.temb_channels, shape.groups, shape.eps));
    if (shape.cross_attention) attentions->push_back(make_transformer(shape, shape.out_channels));
  }
  downsamplers = register_module("downsamplers", torch::nn::ModuleList());
  if (add_downsample) downsamplers->push_back(Downsample2D(shape.out_channels, shape.out_channels, downsample_padding));
}

at::Tensor DownBlockImpl::forward(at::Tensor x, const at::Tensor& temb, const at::Tensor& context,
                                  std::vector<at::Tensor>& skips) {
  for (std::size_t i = 0; i < resnets->size(); ++i) {
    x = resnets[i]->as<ResnetBlock2D>()->forward(x, temb);
    if (!attentions->is_empty()) x = attentions[i]->as<Transformer2DModel>()->forward(x, context);
    skips.push_back(x);
  }
  if (!downsamplers->is_empty()) {
    x = downsamplers[0]->as<Downsample2D>()->forward(x);
    skips.push_back(x);
  }
  return x;
}

MidBlockImpl::MidBlockImpl(const BlockShape& shape) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  const int channels = shape.in_channels;
  auto resnet = [&] {
    return ResnetBlock2D(channels, channels, shape.temb_channels, shape.groups, shape.eps, shape.output_scale);
  };
  resnets->push_back(resnet());
  for (int i = 0; i < shape.num_layers; ++i) {
    attentions->push_back(make_transformer(shape, channels));
    resnets->push_back(resnet());
  }
}

at::Tensor MidBlockImpl::forward(at::Tensor x, const at::Tensor& temb, const at::Tensor& context) {
  x = resnets[0]->as<ResnetBlock2D>()->forward(x, temb);
  for (std::size_t i = 0; i < attentions->size(); ++i) {
    x = attentions[i]->as<Transformer2DModel>()->forward(x, context);
    x = resnets[i + 1]->as<ResnetBlock2D>()->forward(x, temb);
  }
  return x;
}

UpBlockImpl::UpBlockImpl(const BlockShape& shape, int prev_output_channels, bool add_upsample) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  for (int i = 0; i < shape.num_layers; ++i) {
    const int skip = i == shape.num_layers - 1 ? shape.in_channels : shape.out_channels;
    const int in = i == 0 ? prev_output_channels : shape.out_channels;
    resnets->push_back(ResnetBlock2D(in + skip, shape.out_channels, shape.temb_channels, shape.groups, shape.eps));
    if (shape.cross_attention) attentions->push_back(make_transformer(shape, shape.out_channels));
  }
  upsamplers = register_module("upsamplers", torch::nn::ModuleList());
  if (add_upsample) upsamplers->push_back(Upsample2D(shape.out_channels, shape.out_channels));
}

at::Tensor UpBlockImpl::forward(at::Tensor x, std::vector<at::Tensor>& skips, const at::Tensor& temb,
                                const at::Tensor& context, std::optional<std::vector<std::int64_t>> upsample_size) {
  for (std::size_t i = 0; i < resnets->size(); ++i) {
    x = at::cat({x, skips.back()}, 1);  // [B, C + skip, H, W]
    skips.pop_back();
    x = resnets[i]->as<ResnetBlock2D>()->forward(x, temb);
    if (!attentions->is_empty()) x = attentions[i]->as<Transformer2DModel>()->forward(x, context);
  }
  if (!upsamplers->is_empty()) x = upsamplers[0]->as<Upsample2D>()->forward(x, upsample_size);
  return x;
}

}  // namespace tunegrid
