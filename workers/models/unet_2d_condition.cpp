// unet_2d_condition.cpp — see unet_2d_condition.h.
#include "workers/models/unet_2d_condition.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/weights.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

namespace {

// diffusers reads num_attention_heads, falling back to attention_head_dim (a naming quirk
// of SD 1.x/2.x configs, which write the head count there); an int or one per block.
const char* heads_key(const JsonConfig& json) {
  return json.is_null("num_attention_heads") ? "attention_head_dim" : "num_attention_heads";
}

const ConfigSchema<UNet2DConditionConfig>& unet_schema() {
  using C = UNet2DConditionConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("sample_size", &C::sample_size, 1, kMaxModelPositions)
        .integer("in_channels", &C::in_channels, 1, kMaxModelWidth)
        .integer("out_channels", &C::out_channels, 1, kMaxModelWidth)
        .boolean("center_input_sample", &C::center_input_sample)
        .boolean("flip_sin_to_cos", &C::flip_sin_to_cos)
        .number("freq_shift", &C::freq_shift, -1e6, 1e6)
        .text_list("down_block_types", &C::down_block_types, {"CrossAttnDownBlock2D", "DownBlock2D"})
        .text("mid_block_type", &C::mid_block_type, {"UNetMidBlock2DCrossAttn"})
        .text_list("up_block_types", &C::up_block_types, {"CrossAttnUpBlock2D", "UpBlock2D"})
        .integer_list("block_out_channels", &C::block_out_channels, 1, kMaxModelWidth)
        .integer("layers_per_block", &C::layers_per_block, 1, kMaxModelDepth)
        .integer("downsample_padding", &C::downsample_padding, 0, 16)
        .number("mid_block_scale_factor", &C::mid_block_scale_factor, -1e6, 1e6)
        .fixed("act_fn", "silu")
        .integer("norm_num_groups", &C::norm_num_groups, 1, kMaxModelWidth)
        .number("norm_eps", &C::norm_eps, 1e-12, 1.0)
        .integer("cross_attention_dim", &C::cross_attention_dim, 1, kMaxModelWidth)
        .integer("transformer_layers_per_block", &C::transformer_layers_per_block, 1, kMaxModelDepth)
        .custom(
            [](const JsonConfig& json, C& c) {
              const char* key = heads_key(json);
              c.num_attention_heads = json.get_int_or_list(key, c.block_out_channels.size(), 8);
              for (const int heads : c.num_attention_heads)
                if (heads < 1 || heads > kMaxModelWidth)
                  json.fail(key, fmt::format("expected head counts from 1 to {}, found {}", kMaxModelWidth, heads));
            },
            [](const C& c, nlohmann::json& out) { out["attention_head_dim"] = c.num_attention_heads; })
        .boolean("use_linear_projection", &C::use_linear_projection)
        .boolean("upcast_attention", &C::upcast_attention)
        // Options of other UNets that tunegrid does not build.
        .unsupported("resnet_time_scale_shift", "default")
        .unsupported("time_embedding_type", "positional")
        .unsupported("class_embed_type", nullptr)
        .unsupported("addition_embed_type", nullptr)
        .unsupported("encoder_hid_dim", nullptr)
        .unsupported("time_cond_proj_dim", nullptr)
        .unsupported("dual_cross_attention", false)
        .unsupported("only_cross_attention", false)
        .unsupported("conv_in_kernel", 3)
        .unsupported("conv_out_kernel", 3)
        .unsupported("num_class_embeds", nullptr);
    return s;
  }();
  return schema;
}

}  // namespace

UNet2DConditionConfig UNet2DConditionConfig::from_json(const JsonConfig& json) {
  UNet2DConditionConfig c = unet_schema().read(json);
  const std::size_t blocks = c.block_out_channels.size();
  if (c.down_block_types.size() != blocks || c.up_block_types.size() != blocks)
    json.fail("down_block_types", fmt::format("expected {} down and up block types (one per block_out_channels), "
                                              "found {} and {}",
                                              blocks, c.down_block_types.size(), c.up_block_types.size()));
  for (std::size_t i = 0; i < blocks; ++i) {
    if (c.block_out_channels[i] % c.norm_num_groups != 0)
      json.fail("block_out_channels", fmt::format("{} channels do not divide into norm_num_groups = {}",
                                                  c.block_out_channels[i], c.norm_num_groups));
    if (c.block_out_channels[i] % c.num_attention_heads[i] != 0)
      json.fail(heads_key(json), fmt::format("{} heads do not divide {} channels", c.num_attention_heads[i],
                                             c.block_out_channels[i]));
  }
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

void UNet2DConditionModelImpl::set_gradient_checkpointing(bool enabled) {
  for (auto& block : *down_blocks) block->as<DownBlock>()->gradient_checkpointing = enabled;
  mid_block->gradient_checkpointing = enabled;
  for (auto& block : *up_blocks) block->as<UpBlock>()->gradient_checkpointing = enabled;
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
  nlohmann::json config = {{"_class_name", "UNet2DConditionModel"}, {"_diffusers_version", kDiffusersVersion}};
  unet_schema().write(model->config, config);
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "diffusion_pytorch_model.safetensors");
}

}  // namespace tunegrid
