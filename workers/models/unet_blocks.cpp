// unet_blocks.cpp — see unet_blocks.h.
#include "workers/models/unet_blocks.h"

#include "workers/models/gradient_checkpoint.h"

namespace tunegrid {

namespace {
Transformer2DModel make_transformer(const BlockShape& shape, int channels) {
  return Transformer2DModel(shape.heads, channels / shape.heads, channels, shape.transformer_layers,
                            shape.cross_attention_dim, shape.use_linear_projection, shape.groups);
}

// resnets[i](x, temb), recomputed in backward when `checkpoint` is on.
at::Tensor resnet_at(torch::nn::ModuleList& resnets, std::size_t i, const at::Tensor& x, const at::Tensor& temb,
                     bool checkpoint) {
  auto* resnet = resnets[i]->as<ResnetBlock2D>();
  if (!checkpoint) return resnet->forward(x, temb);
  return checkpointed([resnet](const std::vector<at::Tensor>& in) { return resnet->forward(in[0], in[1]); }, {x, temb});
}

// attentions[i](x, context), likewise.
at::Tensor attention_at(torch::nn::ModuleList& attentions, std::size_t i, const at::Tensor& x,
                        const at::Tensor& context, bool checkpoint) {
  auto* attention = attentions[i]->as<Transformer2DModel>();
  if (!checkpoint) return attention->forward(x, context);
  return checkpointed([attention](const std::vector<at::Tensor>& in) { return attention->forward(in[0], in[1]); },
                      {x, context});
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
    x = resnet_at(resnets, i, x, temb, gradient_checkpointing);
    if (!attentions->is_empty()) x = attention_at(attentions, i, x, context, gradient_checkpointing);
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
  x = resnet_at(resnets, 0, x, temb, gradient_checkpointing);
  for (std::size_t i = 0; i < attentions->size(); ++i) {
    x = attention_at(attentions, i, x, context, gradient_checkpointing);
    x = resnet_at(resnets, i + 1, x, temb, gradient_checkpointing);
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
    x = resnet_at(resnets, i, x, temb, gradient_checkpointing);
    if (!attentions->is_empty()) x = attention_at(attentions, i, x, context, gradient_checkpointing);
  }
  if (!upsamplers->is_empty()) x = upsamplers[0]->as<Upsample2D>()->forward(x, upsample_size);
  return x;
}

}  // namespace tunegrid
