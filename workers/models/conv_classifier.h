// conv_classifier.h — a small convolutional image classifier with several named heads: the
// builtin "oracle" that judges generated scenes (a style head and a disaster head over the
// scene world's labels, workers/data/scene_world.h) and the classifier of classifier
// studies. Not a port of a reference model; its own layout:
//   blocks.i: conv1 (3×3) → norm1 (GroupNorm) → SiLU → conv2 (3×3, stride 2) → norm2 → SiLU
//   global average pool → heads.<name> (Linear, one per head)
// Input [N, in_channels, H, W] in [-1, 1], any H and W ≥ 1 (trained at image_size).
// Files: DIR/config.json (this config with the class names, format_version) and
// DIR/model.safetensors (keys blocks.0.conv1.weight, ..., heads.style.weight), loaded strictly.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

namespace tunegrid {

class JsonConfig;

// Version of the config.json layout written by save_conv_classifier; newer is refused.
constexpr int kConvClassifierFormatVersion = 1;

struct ConvClassifierHead {
  std::string name;                  // [A-Za-z0-9_]+, unique; the weights' key heads.<name>
  std::vector<std::string> classes;  // class names in logit order (at least 2)
};

struct ConvClassifierConfig {
  int image_size = 32;                        // training resolution; callers resize images to it
  int in_channels = 3;                        // RGB
  std::vector<int> block_out_channels{16, 32, 64};  // one stride-2 block each
  int norm_num_groups = 8;                    // GroupNorm groups; must divide every block's channels
  std::vector<ConvClassifierHead> heads;      // at least one

  // Throws InputError (via config.fail) naming the key for missing or invalid values.
  static ConvClassifierConfig from_json(const JsonConfig& config);
  nlohmann::json to_json() const;
  // InputError naming `source` and the field when the config cannot build a model.
  void validate(const std::string& source) const;
  std::size_t head_index(const std::string& name) const;  // InputError naming the head and the known ones
};

struct ConvClassifierBlockImpl : torch::nn::Module {
  ConvClassifierBlockImpl(int in_channels, int out_channels, int groups);
  at::Tensor forward(const at::Tensor& x);  // [N, in, H, W] -> [N, out, ceil(H/2), ceil(W/2)]
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::GroupNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(ConvClassifierBlock);

struct ConvClassifierImpl : torch::nn::Module {
  explicit ConvClassifierImpl(const ConvClassifierConfig& config);
  at::Tensor features(const at::Tensor& images);                // [N, C, H, W] -> [N, block_out_channels.back()]
  std::vector<at::Tensor> forward(const at::Tensor& images);    // per head [N, classes], in config.heads order
  ConvClassifierConfig config;
  torch::nn::ModuleList blocks{nullptr};
  std::vector<torch::nn::Linear> heads;  // registered under "heads" by name
};
TORCH_MODULE(ConvClassifier);

// Draws every weight again from a generator seeded with `seed` (libtorch's default scheme:
// conv and linear weights and biases U(−1/√fan_in, 1/√fan_in), norms 1 and 0), so a model
// is the same for the same seed whatever the global RNG did before.
void init_conv_classifier_weights(ConvClassifier& model, std::uint64_t seed);

// Writes DIR/config.json and DIR/model.safetensors (atomically, creating DIR).
void save_conv_classifier(ConvClassifier& model, const std::filesystem::path& dir);
// Reads them strictly: a missing or misshapen tensor or config key is an InputError naming it.
ConvClassifier load_conv_classifier(const std::filesystem::path& dir);

}  // namespace tunegrid
