// unet_2d_condition.cpp — see unet_2d_condition.h.
#include "workers/models/unet_2d_condition.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/model_config.h"
#include "workers/models/weights.h"

namespace tunegrid {

UNet2DConditionConfig UNet2DConditionConfig::from_json(const JsonConfig& json) {
  UNet2DConditionConfig c;
  c.sample_size = json.get_int("sample_size", c.sample_size);
  c.in_channels = json.get_int("in_channels", c.in_channels);
  c.out_channels = json.get_int("out_channels", c.out_channels);
  c.center_input_sample = json.get_bool("center_input_sample", c.center_input_sample);
  c.flip_sin_to_cos = json.get_bool("flip_sin_to_cos", c.flip_sin_to_cos);
  c.freq_shift = json.get_double("freq_shift", c.freq_shift);
  c.down_block_types = json.get_string_list("down_block_types", c.down_block_types);
  c.mid_block_type = json.get_string("mid_block_type", c.mid_block_type);
  c.up_block_types = json.get_string_list("up_block_types", c.up_block_types);
  c.block_out_channels = json.get_int_list("block_out_channels", c.block_out_channels);
  c.layers_per_block = json.get_int("layers_per_block", c.layers_per_block);
  c.downsample_padding = json.get_int("downsample_padding", c.downsample_padding);
  c.mid_block_scale_factor = json.get_double("mid_block_scale_factor", c.mid_block_scale_factor);
  c.norm_num_groups = json.get_int("norm_num_groups", c.norm_num_groups);
  c.norm_eps = json.get_double("norm_eps", c.norm_eps);
  c.cross_attention_dim = json.get_int("cross_attention_dim", c.cross_attention_dim);
  c.transformer_layers_per_block = json.get_int("transformer_layers_per_block", c.transformer_layers_per_block);
  c.use_linear_projection = json.get_bool("use_linear_projection", c.use_linear_projection);
  c.upcast_attention = json.get_bool("upcast_attention", c.upcast_attention);
  const std::size_t blocks = c.block_out_channels.size();
  // diffusers: num_attention_heads = num_attention_heads or attention_head_dim (a naming quirk).
  const char* heads_key = json.is_null("num_attention_heads") ? "attention_head_dim" : "num_attention_heads";
  c.num_attention_heads = json.get_int_or_list(heads_key, blocks, 8);

  if (c.down_block_types.size() != blocks || c.up_block_types.size() != blocks)
    json.fail("down_block_types", fmt::format("expected {} down and up block types (one per block_out_channels), "
                                              "found {} and {}",
                                              blocks, c.down_block_types.size(), c.up_block_types.size()));
  for (const auto& type : c.down_block_types)
    if (type != "CrossAttnDownBlock2D" && type != "DownBlock2D")
      json.fail("down_block_types", "unknown block type '" + type + "'; expected CrossAttnDownBlock2D or DownBlock2D");
  for (const auto& type : c.up_block_types)
    if (type != "CrossAttnUpBlock2D" && type != "UpBlock2D")
      json.fail("up_block_types", "unknown block type '" + type + "'; expected CrossAttnUpBlock2D or UpBlock2D");
  if (c.mid_block_type != "UNetMidBlock2DCrossAttn")
    json.fail("mid_block_type", "unknown block type '" + c.mid_block_type + "'; expected UNetMidBlock2DCrossAttn");
  for (std::size_t i = 0; i < blocks; ++i) {
    if (c.block_out_channels[i] % c.norm_num_groups != 0)
      json.fail("block_out_channels", fmt::format("{} channels do not divide into norm_num_groups = {}",
                                                  c.block_out_channels[i], c.norm_num_groups));
    if (c.block_out_channels[i] % c.num_attention_heads[i] != 0)
      json.fail(heads_key, fmt::format("{} heads do not divide {} channels", c.num_attention_heads[i],
                                       c.block_out_channels[i]));
  }
  // Options of other UNets that tunegrid does not build.
  json.require_default("act_fn", "silu");
  json.require_default("resnet_time_scale_shift", "default");
  json.require_default("time_embedding_type", "positional");
  json.require_default("class_embed_type", nullptr);
  json.require_default("addition_embed_type", nullptr);
  json.require_default("encoder_hid_dim", nullptr);
  json.require_default("time_cond_proj_dim", nullptr);
  json.require_default("dual_cross_attention", false);
  json.require_default("only_cross_attention", false);
  json.require_default("conv_in_kernel", 3);
  json.require_default("conv_out_kernel", 3);
  json.require_default("num_class_embeds", nullptr);
  return c;
}

UNet2DConditionConfig UNet2DConditionConfig::from_file(const std::filesystem::path& file) {
  return from_json(JsonConfig(file));
}

UNet2DConditionModelImpl::UNet2DConditionModelImpl(const UNet2DConditionConfig& c) : config(c) {
  using torch::nn::Conv2dOptions;
  const auto& channels = c.block_out_channels;
  const int blocks = static_cast<int>(channels.size());
  const int time_embed_dim = channels[0] * 4;
  conv_in = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(c.in_channels, channels[0], 3).padding(1)));
  time_embedding = register_module("time_embedding", TimestepEmbedding(channels[0], time_embed_dim));

  auto shape_for = [&](int block, bool cross) {
    BlockShape shape;
    shape.temb_channels = time_embed_dim;
    shape.cross_attention = cross;
    shape.heads = c.num_attention_heads[block];
    shape.transformer_layers = c.transformer_layers_per_block;
    shape.cross_attention_dim = c.cross_attention_dim;
    shape.use_linear_projection = c.use_linear_projection;
    shape.groups = c.norm_num_groups;
    shape.eps = c.norm_eps;
    return shape;
  };

  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int output_channel = channels[0];
  for (int i = 0; i < blocks; ++i) {
    BlockShape shape = shape_for(i, c.down_block_types[i] == "CrossAttnDownBlock2D");
    shape.in_channels = output_channel;
    output_channel = channels[i];
    shape.out_channels = output_channel;
    shape.num_layers = c.layers_per_block;
    down_blocks->push_back(DownBlock(shape, i != blocks - 1, c.downsample_padding));
  }

  BlockShape mid = shape_for(blocks - 1, true);
  mid.in_channels = mid.out_channels = channels.back();
  mid.num_layers = 1;
  mid.output_scale = c.mid_block_scale_factor;
  mid_block = register_module("mid_block", MidBlock(mid));

  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  output_channel = channels.back();
  for (int i = 0; i < blocks; ++i) {
    const int reversed = blocks - 1 - i;
    const int prev_output = output_channel;
    output_channel = channels[reversed];
    BlockShape shape = shape_for(reversed, c.up_block_types[i] == "CrossAttnUpBlock2D");
    shape.in_channels = channels[std::max(reversed - 1, 0)];
    shape.out_channels = output_channel;
    shape.num_layers = c.layers_per_block + 1;
    up_blocks->push_back(UpBlock(shape, prev_output, i != blocks - 1));
  }

  conv_norm_out = register_module(
      "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.norm_num_groups, channels[0]).eps(c.norm_eps)));
  conv_out = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(channels[0], c.out_channels, 3).padding(1)));
}

at::Tensor UNet2DConditionModelImpl::forward(const at::Tensor& sample, const at::Tensor& timesteps,
                                             const at::Tensor& context) {
  const auto batch = sample.size(0);
  at::Tensor t = timesteps.dim() == 0 ? timesteps.expand({batch}) : timesteps;
  t = t.to(sample.device());
  if (t.size(0) == 1 && batch > 1) t = t.expand({batch});
  const at::Tensor temb = time_embedding->forward(
      timestep_embedding(t, config.block_out_channels[0], config.flip_sin_to_cos, config.freq_shift).to(sample.dtype()));

  at::Tensor x = config.center_input_sample ? 2 * sample - 1.0 : sample;
  x = conv_in->forward(x);  // [B, C0, h, w]
  std::vector<at::Tensor> skips = {x};
  for (auto& block : *down_blocks) x = block->as<DownBlock>()->forward(x, temb, context, skips);
  x = mid_block->forward(x, temb, context);
  for (std::size_t i = 0; i < up_blocks->size(); ++i) {
    auto* block = up_blocks[i]->as<UpBlock>();
    std::optional<std::vector<std::int64_t>> upsample_size;
    const std::size_t used = block->resnets->size();
    if (i + 1 < up_blocks->size() && skips.size() > used) {  // the size of the next block's first skip
      const auto& next = skips[skips.size() - used - 1];
      upsample_size = std::vector<std::int64_t>{next.size(2), next.size(3)};
    }
    x = block->forward(x, skips, temb, context, upsample_size);
  }
  return conv_out->forward(at::silu(conv_norm_out->forward(x)));  // [B, out, h, w]
}

UNet2DConditionModel load_unet(const std::filesystem::path& dir) {
  UNet2DConditionModel model(UNet2DConditionConfig::from_file(dir / "config.json"));
  load_module_weights(*model, dir, "diffusion_pytorch_model");
  model->eval();
  return model;
}

void save_unet(UNet2DConditionModel& model, const std::filesystem::path& dir) {
  const UNet2DConditionConfig& c = model->config;
  nlohmann::json config = {
      {"_class_name", "UNet2DConditionModel"},
      {"_diffusers_version", "0.30.0"},
      {"sample_size", c.sample_size},
      {"in_channels", c.in_channels},
      {"out_channels", c.out_channels},
      {"center_input_sample", c.center_input_sample},
      {"flip_sin_to_cos", c.flip_sin_to_cos},
      {"freq_shift", c.freq_shift},
      {"down_block_types", c.down_block_types},
      {"mid_block_type", c.mid_block_type},
      {"up_block_types", c.up_block_types},
      {"block_out_channels", c.block_out_channels},
      {"layers_per_block", c.layers_per_block},
      {"downsample_padding", c.downsample_padding},
      {"mid_block_scale_factor", c.mid_block_scale_factor},
      {"act_fn", "silu"},
      {"norm_num_groups", c.norm_num_groups},
      {"norm_eps", c.norm_eps},
      {"cross_attention_dim", c.cross_attention_dim},
      {"transformer_layers_per_block", c.transformer_layers_per_block},
      {"attention_head_dim", c.num_attention_heads},
      {"use_linear_projection", c.use_linear_projection},
      {"upcast_attention", c.upcast_attention},
  };
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "diffusion_pytorch_model.safetensors");
}

}  // namespace tunegrid
