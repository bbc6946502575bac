// autoencoder_kl.cpp — see autoencoder_kl.h.
#include "workers/models/autoencoder_kl.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

namespace {

const ConfigSchema<AutoencoderKLConfig>& vae_schema() {
  using C = AutoencoderKLConfig;
  static const ConfigSchema<C> schema = [] {
    ConfigSchema<C> s;
    s.integer("in_channels", &C::in_channels, 1, kMaxModelWidth)
        .integer("out_channels", &C::out_channels, 1, kMaxModelWidth)
        .text_list("down_block_types", &C::down_block_types, {"DownEncoderBlock2D"})
        .text_list("up_block_types", &C::up_block_types, {"UpDecoderBlock2D"})
        .integer_list("block_out_channels", &C::block_out_channels, 1, kMaxModelWidth)
        .integer("layers_per_block", &C::layers_per_block, 1, kMaxModelDepth)
        .fixed("act_fn", "silu")
        .integer("latent_channels", &C::latent_channels, 1, kMaxModelWidth)
        .integer("norm_num_groups", &C::norm_num_groups, 1, kMaxModelWidth)
        .integer("sample_size", &C::sample_size, 1, kMaxModelPositions)
        .number("scaling_factor", &C::scaling_factor, 1e-12, 1e6)
        .boolean("use_quant_conv", &C::use_quant_conv)
        .boolean("use_post_quant_conv", &C::use_post_quant_conv)
        .boolean("mid_block_add_attention", &C::mid_block_add_attention)
        .custom(
            [](const JsonConfig& json, C& c) {
              c.shift_factor = json.is_null("shift_factor") ? 0 : json.get_double_in("shift_factor", -1e6, 1e6);
            },
            [](const C& c, nlohmann::json& out) {
              out["shift_factor"] = c.shift_factor != 0 ? nlohmann::json(c.shift_factor) : nlohmann::json(nullptr);
            });
    return s;
  }();
  return schema;
}

}  // namespace

AutoencoderKLConfig AutoencoderKLConfig::from_json(const JsonConfig& json) {
  AutoencoderKLConfig c = vae_schema().read(json);
  const std::size_t blocks = c.block_out_channels.size();
  if (c.down_block_types.size() != blocks || c.up_block_types.size() != blocks)
    json.fail("down_block_types", fmt::format("expected {} down and up block types, found {} and {}", blocks,
                                              c.down_block_types.size(), c.up_block_types.size()));
  for (int channels : c.block_out_channels)
    if (channels % c.norm_num_groups != 0)
      json.fail("block_out_channels",
                fmt::format("{} channels do not divide into norm_num_groups = {}", channels, c.norm_num_groups));
  return c;
}

AutoencoderKLConfig AutoencoderKLConfig::from_file(const std::filesystem::path& file) {
  return from_json(JsonConfig(file));
}

DiagonalGaussian::DiagonalGaussian(const at::Tensor& parameters) {
  const auto parts = parameters.chunk(2, 1);
  mean = parts[0];
  logvar = at::clamp(parts[1], -30.0, 20.0);
  std = at::exp(0.5 * logvar);
}

at::Tensor DiagonalGaussian::sample(c10::optional<at::Generator> generator) const {
  return mean + std * at::randn(mean.sizes(), generator, mean.options());
}

namespace {
constexpr double kVaeEps = 1e-6;
}

VAEBlockImpl::VAEBlockImpl(int in_channels, int out_channels, int num_layers, int groups, bool add_downsample,
                           bool add_upsample) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  for (int i = 0; i < num_layers; ++i)
    resnets->push_back(ResnetBlock2D(i == 0 ? in_channels : out_channels, out_channels, 0, groups, kVaeEps));
  if (add_downsample) {
    downsamplers = register_module("downsamplers", torch::nn::ModuleList());
    downsamplers->push_back(Downsample2D(out_channels, out_channels, 0));
  }
  if (add_upsample) {
    upsamplers = register_module("upsamplers", torch::nn::ModuleList());
    upsamplers->push_back(Upsample2D(out_channels, out_channels));
  }
}

at::Tensor VAEBlockImpl::forward(at::Tensor x) {
  for (auto& resnet : *resnets) x = resnet->as<ResnetBlock2D>()->forward(x);
  if (downsamplers) x = downsamplers[0]->as<Downsample2D>()->forward(x);
  if (upsamplers) x = upsamplers[0]->as<Upsample2D>()->forward(x);
  return x;
}

VAEMidBlockImpl::VAEMidBlockImpl(int channels, int groups, bool add_attention) {
  resnets = register_module("resnets", torch::nn::ModuleList());
  attentions = register_module("attentions", torch::nn::ModuleList());
  resnets->push_back(ResnetBlock2D(channels, channels, 0, groups, kVaeEps));
  if (add_attention) attentions->push_back(Attention(channels, std::nullopt, 1, channels, true, groups, kVaeEps, true));
  resnets->push_back(ResnetBlock2D(channels, channels, 0, groups, kVaeEps));
}

at::Tensor VAEMidBlockImpl::forward(at::Tensor x) {
  x = resnets[0]->as<ResnetBlock2D>()->forward(x);
  if (!attentions->is_empty()) x = attentions[0]->as<Attention>()->forward_spatial(x);
  return resnets[1]->as<ResnetBlock2D>()->forward(x);
}

VAEEncoderImpl::VAEEncoderImpl(const AutoencoderKLConfig& c) {
  using torch::nn::Conv2dOptions;
  const auto& channels = c.block_out_channels;
  const int blocks = static_cast<int>(channels.size());
  conv_in = register_module("conv_in", torch::nn::Conv2d(Conv2dOptions(c.in_channels, channels[0], 3).padding(1)));
  down_blocks = register_module("down_blocks", torch::nn::ModuleList());
  int output_channel = channels[0];
  for (int i = 0; i < blocks; ++i) {
    const int input_channel = output_channel;
    output_channel = channels[i];
    down_blocks->push_back(
        VAEBlock(input_channel, output_channel, c.layers_per_block, c.norm_num_groups, i != blocks - 1, false));
  }
  mid_block = register_module("mid_block", VAEMidBlock(channels.back(), c.norm_num_groups, c.mid_block_add_attention));
  conv_norm_out = register_module(
      "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.norm_num_groups, channels.back()).eps(kVaeEps)));
  conv_out = register_module("conv_out",
                             torch::nn::Conv2d(Conv2dOptions(channels.back(), 2 * c.latent_channels, 3).padding(1)));
}

at::Tensor VAEEncoderImpl::forward(const at::Tensor& x) {
  at::Tensor h = conv_in->forward(x);
  for (auto& block : *down_blocks) h = block->as<VAEBlock>()->forward(h);
  h = mid_block->forward(h);
  return conv_out->forward(at::silu(conv_norm_out->forward(h)));
}

VAEDecoderImpl::VAEDecoderImpl(const AutoencoderKLConfig& c) {
  using torch::nn::Conv2dOptions;
  const auto& channels = c.block_out_channels;
  const int blocks = static_cast<int>(channels.size());
  conv_in = register_module("conv_in",
                            torch::nn::Conv2d(Conv2dOptions(c.latent_channels, channels.back(), 3).padding(1)));
  mid_block = register_module("mid_block", VAEMidBlock(channels.back(), c.norm_num_groups, c.mid_block_add_attention));
  up_blocks = register_module("up_blocks", torch::nn::ModuleList());
  int output_channel = channels.back();
  for (int i = 0; i < blocks; ++i) {
    const int prev_output = output_channel;
    output_channel = channels[blocks - 1 - i];
    up_blocks->push_back(
        VAEBlock(prev_output, output_channel, c.layers_per_block + 1, c.norm_num_groups, false, i != blocks - 1));
  }
  conv_norm_out = register_module(
      "conv_norm_out", torch::nn::GroupNorm(torch::nn::GroupNormOptions(c.norm_num_groups, channels[0]).eps(kVaeEps)));
  conv_out = register_module("conv_out", torch::nn::Conv2d(Conv2dOptions(channels[0], c.out_channels, 3).padding(1)));
}

at::Tensor VAEDecoderImpl::forward(const at::Tensor& z) {
  at::Tensor h = conv_in->forward(z);
  h = mid_block->forward(h);
  for (auto& block : *up_blocks) h = block->as<VAEBlock>()->forward(h);
  return conv_out->forward(at::silu(conv_norm_out->forward(h)));
}

AutoencoderKLImpl::AutoencoderKLImpl(const AutoencoderKLConfig& c) : config(c) {
  encoder = register_module("encoder", VAEEncoder(c));
  decoder = register_module("decoder", VAEDecoder(c));
  const int moments = 2 * c.latent_channels;
  if (c.use_quant_conv)
    quant_conv = register_module("quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(moments, moments, 1)));
  if (c.use_post_quant_conv)
    post_quant_conv = register_module(
        "post_quant_conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(c.latent_channels, c.latent_channels, 1)));
}

DiagonalGaussian AutoencoderKLImpl::encode(const at::Tensor& images) {
  at::Tensor moments = encoder->forward(images);
  if (quant_conv) moments = quant_conv->forward(moments);
  return DiagonalGaussian(moments);
}

at::Tensor AutoencoderKLImpl::decode(const at::Tensor& latents) {
  const at::Tensor z = post_quant_conv ? post_quant_conv->forward(latents) : latents;
  return decoder->forward(z);
}

int AutoencoderKLImpl::downscale_factor() const { return 1 << (static_cast<int>(config.block_out_channels.size()) - 1); }

std::string rename_legacy_vae_key(const std::string& key) {
  static const std::pair<const char*, const char*> renames[] = {
      {".query.", ".to_q."}, {".key.", ".to_k."}, {".value.", ".to_v."}, {".proj_attn.", ".to_out.0."}};
  if (key.find("mid_block.attentions.") == std::string::npos) return key;
  std::string out = key;
  for (const auto& [from, to] : renames) {
    const auto at = out.find(from);
    if (at != std::string::npos) out.replace(at, std::string(from).size(), to);
  }
  return out;
}

AutoencoderKL load_vae(const std::filesystem::path& dir) {
  AutoencoderKL model(AutoencoderKLConfig::from_file(dir / "config.json"));
  load_module_weights(*model, dir, "diffusion_pytorch_model", rename_legacy_vae_key);
  model->eval();
  return model;
}

void save_vae(AutoencoderKL& model, const std::filesystem::path& dir) {
  nlohmann::json config = {{"_class_name", "AutoencoderKL"}, {"_diffusers_version", kDiffusersVersion}};
  vae_schema().write(model->config, config);
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "diffusion_pytorch_model.safetensors");
}

}  // namespace tunegrid
