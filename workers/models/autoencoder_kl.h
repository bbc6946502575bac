// autoencoder_kl.h — AutoencoderKL as diffusers builds it (models/autoencoders/
// autoencoder_kl.py, vae.py `Encoder` / `Decoder` / `DiagonalGaussianDistribution`), from
// the model folder's vae/config.json: images in [-1, 1] -> latent Gaussian (mean, logvar)
// -> sample or mode; latents -> images. `scaling_factor` and `shift_factor` (FLUX) map latents
// to the denoiser's scale ((latents − shift_factor) · scaling_factor). Older checkpoints' attention names (query, key, value,
// proj_attn) load too.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <torch/nn/modules/container/modulelist.h>

#include "workers/models/resnet.h"
#include "workers/models/transformer_2d.h"
#include "workers/models/weights.h"

namespace tunegrid {

class JsonConfig;

struct AutoencoderKLConfig {
  int in_channels = 3, out_channels = 3;
  std::vector<std::string> down_block_types = {"DownEncoderBlock2D"};
  std::vector<std::string> up_block_types = {"UpDecoderBlock2D"};
  std::vector<int> block_out_channels = {64};
  int layers_per_block = 1;
  int latent_channels = 4;
  int norm_num_groups = 32;
  int sample_size = 32;            // image size the VAE was trained at
  double scaling_factor = 0.18215;  // SD 1.x/2.x
  double shift_factor = 0;          // FLUX: latents = (z − shift_factor)·scaling_factor; null is 0
  bool use_quant_conv = true, use_post_quant_conv = true;
  bool mid_block_add_attention = true;

  static AutoencoderKLConfig from_json(const JsonConfig& config);
  static AutoencoderKLConfig from_file(const std::filesystem::path& file);
};

// The latent distribution: parameters [B, 2·latent, h, w] split into mean and log-variance.
struct DiagonalGaussian {
  at::Tensor mean, logvar, std;
  explicit DiagonalGaussian(const at::Tensor& parameters);
  at::Tensor sample(c10::optional<at::Generator> generator = c10::nullopt) const;
  at::Tensor mode() const { return mean; }
};

// resnets (+ downsamplers.0 / upsamplers.0) of the VAE's encoder and decoder.
struct VAEBlockImpl : torch::nn::Module {
  VAEBlockImpl(int in_channels, int out_channels, int num_layers, int groups, bool add_downsample, bool add_upsample);
  at::Tensor forward(at::Tensor x);
  torch::nn::ModuleList resnets, downsamplers{nullptr}, upsamplers{nullptr};  // null when absent
};
TORCH_MODULE(VAEBlock);

// resnets.0 → attentions.0 (spatial self-attention, one head) → resnets.1.
struct VAEMidBlockImpl : torch::nn::Module {
  VAEMidBlockImpl(int channels, int groups, bool add_attention);
  at::Tensor forward(at::Tensor x);
  torch::nn::ModuleList resnets, attentions;
};
TORCH_MODULE(VAEMidBlock);

struct VAEEncoderImpl : torch::nn::Module {
  explicit VAEEncoderImpl(const AutoencoderKLConfig& config);
  at::Tensor forward(const at::Tensor& x);  // [B, 3, H, W] -> [B, 2·latent, H/f, W/f]
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList down_blocks;
  VAEMidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VAEEncoder);

struct VAEDecoderImpl : torch::nn::Module {
  explicit VAEDecoderImpl(const AutoencoderKLConfig& config);
  at::Tensor forward(const at::Tensor& z);  // [B, latent, h, w] -> [B, 3, h·f, w·f]
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  torch::nn::ModuleList up_blocks;
  VAEMidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(VAEDecoder);

struct AutoencoderKLImpl : torch::nn::Module {
  explicit AutoencoderKLImpl(const AutoencoderKLConfig& config);
  DiagonalGaussian encode(const at::Tensor& images);  // images in [-1, 1]
  at::Tensor decode(const at::Tensor& latents);  // unscaled latents -> images in ~[-1, 1]
  int downscale_factor() const;                             // 2^(blocks-1)

  AutoencoderKLConfig config;
  VAEEncoder encoder{nullptr};
  VAEDecoder decoder{nullptr};
  torch::nn::Conv2d quant_conv{nullptr}, post_quant_conv{nullptr};
};
TORCH_MODULE(AutoencoderKL);

// Reads DIR/config.json and DIR/diffusion_pytorch_model.safetensors strictly (legacy
// attention names accepted); the model is returned in eval mode.
AutoencoderKL load_vae(const std::filesystem::path& dir);

// Writes DIR/config.json and DIR/diffusion_pytorch_model.safetensors as diffusers does.
void save_vae(AutoencoderKL& model, const std::filesystem::path& dir);

// Maps legacy VAE attention keys (query/key/value/proj_attn) to diffusers' current names.
std::string rename_legacy_vae_key(const std::string& key);

}  // namespace tunegrid
