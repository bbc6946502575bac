// unet_2d_condition.h — UNet2DConditionModel as diffusers builds it
// (models/unets/unet_2d_condition.py) for Stable Diffusion 1.x and 2.x, from the model
// folder's unet/config.json; parameter names match diffusers so checkpoints load 1:1.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <torch/nn/modules/container/modulelist.h>

#include "workers/models/resnet.h"
#include "workers/models/unet_blocks.h"

namespace tunegrid {

class JsonConfig;

struct UNet2DConditionConfig {
  int sample_size = 64;                 // latent height and width the model was trained at
  int in_channels = 4, out_channels = 4;
  bool center_input_sample = false;     // x -> 2x - 1 first
  bool flip_sin_to_cos = true;          // cosines first in the timestep features
  double freq_shift = 0;                // downscale_freq_shift of the timestep features
  std::vector<std::string> down_block_types = {"CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                                               "DownBlock2D"};
  std::string mid_block_type = "UNetMidBlock2DCrossAttn";
  std::vector<std::string> up_block_types = {"UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                                             "CrossAttnUpBlock2D"};
  std::vector<int> block_out_channels = {320, 640, 1280, 1280};
  int layers_per_block = 2;
  int downsample_padding = 1;
  double mid_block_scale_factor = 1;
  int norm_num_groups = 32;
  double norm_eps = 1e-5;
  int cross_attention_dim = 768;        // width of the text encoder's hidden states
  int transformer_layers_per_block = 1;
  std::vector<int> num_attention_heads = {8, 8, 8, 8};  // per block (attention_head_dim in SD configs, sic)
  bool use_linear_projection = false;   // SD 2.x: linear proj_in / proj_out
  bool upcast_attention = false;        // attention in fp32 (always the case here)

  static UNet2DConditionConfig from_json(const JsonConfig& config);
  static UNet2DConditionConfig from_file(const std::filesystem::path& file);
};

struct UNet2DConditionModelImpl : torch::nn::Module {
  explicit UNet2DConditionModelImpl(const UNet2DConditionConfig& config);
  // sample [B, in, h, w], timesteps [B] (or a scalar), context [B, M, cross_attention_dim]
  // -> [B, out, h, w] (the noise or v prediction).
  at::Tensor forward(const at::Tensor& sample, const at::Tensor& timesteps, const at::Tensor& context);
  // Every block's resnets and attentions recomputed in backward (diffusers'
  // enable_gradient_checkpointing; workers/models/gradient_checkpoint.h), or not.
  void set_gradient_checkpointing(bool enabled);

  UNet2DConditionConfig config;
  torch::nn::Conv2d conv_in{nullptr}, conv_out{nullptr};
  TimestepEmbedding time_embedding{nullptr};
  torch::nn::ModuleList down_blocks, up_blocks;
  MidBlock mid_block{nullptr};
  torch::nn::GroupNorm conv_norm_out{nullptr};
};
TORCH_MODULE(UNet2DConditionModel);

// Reads DIR/config.json and DIR/diffusion_pytorch_model.safetensors (or its sharded index)
// strictly; the model is returned in eval mode.
UNet2DConditionModel load_unet(const std::filesystem::path& dir);
// Writes DIR/config.json and DIR/diffusion_pytorch_model.safetensors as diffusers does.
void save_unet(UNet2DConditionModel& model, const std::filesystem::path& dir);

}  // namespace tunegrid
