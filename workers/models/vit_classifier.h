// vit_classifier.h — transformers' ViTForImageClassification (Dosovitskiy et al. 2021, "An Image
// is Worth 16x16 Words"; transformers models/vit/modeling_vit.py): non-overlapping patches
// through a strided convolution, a learned [CLS] token and position embeddings, pre-norm
// encoder layers (layernorm_before → scaled dot-product attention → residual, layernorm_after
// → fc1, exact GELU, fc2 → residual), a final layernorm and a linear head on the [CLS] state.
// Folders as save_pretrained writes them: config.json (image_size, patch_size, hidden_size,
// num_hidden_layers, num_attention_heads, intermediate_size, layer_norm_eps, qkv_bias,
// id2label) + model.safetensors in the original layout (vit.encoder.layer.N.attention.attention.query,
// attention.output.dense, intermediate.dense, output.dense — what transformers 4 and 5 both write
// and read); checkpoints keyed by transformers 5's module names (vit.layers.N.attention.q_proj,
// o_proj, mlp.fc1, mlp.fc2) load too. The input is pixel values as ViTImageProcessor gives them:
// RGB in [0, 1] normalised with mean 0.5 and std 0.5, i.e. [-1, 1], at image_size.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tunegrid {

class JsonConfig;

struct ViTConfig {
  int image_size = 224, patch_size = 16, num_channels = 3;
  int hidden_size = 768, num_hidden_layers = 12, num_attention_heads = 12, intermediate_size = 3072;
  double layer_norm_eps = 1e-12;
  bool qkv_bias = true;
  std::vector<std::string> labels;  // id2label in index order (the classifier's outputs)

  int patches() const { return (image_size / patch_size) * (image_size / patch_size); }
  static ViTConfig from_json(const JsonConfig& config);
};

struct ViTLayerImpl : torch::nn::Module {
  explicit ViTLayerImpl(const ViTConfig& config);
  at::Tensor forward(const at::Tensor& x);
  int heads;
  torch::nn::LayerNorm layernorm_before{nullptr}, layernorm_after{nullptr};
  torch::nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, attention_output{nullptr};
  torch::nn::Linear intermediate{nullptr}, output{nullptr};
};
TORCH_MODULE(ViTLayer);

struct ViTForImageClassificationImpl : torch::nn::Module {
  explicit ViTForImageClassificationImpl(const ViTConfig& config);
  // [B, num_labels] logits of pixel values [B, 3, image_size, image_size] in [-1, 1].
  at::Tensor forward(const at::Tensor& pixel_values);
  // The final layernorm's states [B, 1 + patches, hidden] (transformers' last hidden state).
  at::Tensor encode(const at::Tensor& pixel_values);

  ViTConfig config;
  at::Tensor cls_token, position_embeddings;
  torch::nn::Conv2d patch_projection{nullptr};
  torch::nn::ModuleList layers;
  torch::nn::LayerNorm layernorm{nullptr};
  torch::nn::Linear classifier{nullptr};
};
TORCH_MODULE(ViTForImageClassification);

// transformers 5 module name -> the original checkpoint key (identity for other keys).
std::string original_vit_key(const std::string& key);

// Throws InputError naming the folder, the key or the file that is wrong.
ViTForImageClassification load_vit_classifier(const std::filesystem::path& dir);
// config.json + model.safetensors in the original layout, as ViTForImageClassification.save_pretrained.
void save_vit_classifier(ViTForImageClassification& model, const std::filesystem::path& dir);

}  // namespace tunegrid
