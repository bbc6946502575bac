// conv_classifier.cpp — see conv_classifier.h.
#include "workers/models/conv_classifier.h"

#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/weights.h"

namespace tunegrid {
namespace {

bool is_identifier(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

}  // namespace

ConvClassifierConfig ConvClassifierConfig::from_json(const JsonConfig& json) {
  const int version = json.get_int("format_version", 1);
  if (version > kConvClassifierFormatVersion)
    json.fail("format_version", fmt::format("version {} is newer than this tunegrid reads ({}); upgrade tunegrid",
                                            version, kConvClassifierFormatVersion));
  ConvClassifierConfig c;
  c.image_size = json.get_int("image_size");
  c.in_channels = json.get_int("in_channels", 3);
  c.block_out_channels = json.get_int_list("block_out_channels");
  c.norm_num_groups = json.get_int("norm_num_groups", 8);
  if (json.is_null("heads")) json.fail("heads", "missing; expected a list of {\"name\": ..., \"classes\": [...]}");
  const nlohmann::json& heads = json.document()["heads"];
  if (!heads.is_array()) json.fail("heads", "expected a list of {\"name\": ..., \"classes\": [...]}");
  for (std::size_t i = 0; i < heads.size(); ++i) {
    const JsonConfig head(heads[i], fmt::format("{} heads[{}]", json.source(), i));
    if (!heads[i].is_object()) head.fail("name", "expected an object with name and classes");
    c.heads.push_back({head.get_string("name"), head.get_string_list("classes")});
  }
  c.validate(json.source());
  return c;
}

nlohmann::json ConvClassifierConfig::to_json() const {
  nlohmann::json head_list = nlohmann::json::array();
  for (const auto& head : heads) head_list.push_back({{"name", head.name}, {"classes", head.classes}});
  return {{"architectures", {"ConvClassifier"}},
          {"format_version", kConvClassifierFormatVersion},
          {"image_size", image_size},
          {"in_channels", in_channels},
          {"block_out_channels", block_out_channels},
          {"norm_num_groups", norm_num_groups},
          {"heads", head_list}};
}

void ConvClassifierConfig::validate(const std::string& source) const {
  auto fail = [&](const std::string& key, const std::string& message) {
    throw InputError(fmt::format("{}: key '{}': {}", source, key, message));
  };
  auto check_range = [&](const char* key, int value, int maximum) {
    if (value < 1 || value > maximum) fail(key, fmt::format("expected 1 to {}, found {}", maximum, value));
  };
  check_range("image_size", image_size, kMaxModelPositions);
  check_range("in_channels", in_channels, kMaxModelWidth);
  check_range("norm_num_groups", norm_num_groups, kMaxModelWidth);
  if (block_out_channels.empty() || block_out_channels.size() > static_cast<std::size_t>(kMaxModelDepth))
    fail("block_out_channels", fmt::format("expected 1 to {} blocks, found {}", kMaxModelDepth, block_out_channels.size()));
  for (int channels : block_out_channels) check_range("block_out_channels", channels, kMaxModelWidth);
  for (int channels : block_out_channels)
    if (channels % norm_num_groups != 0)
      fail("block_out_channels", fmt::format("{} channels cannot be split into norm_num_groups = {} groups", channels,
                                             norm_num_groups));
  if (heads.empty()) fail("heads", "expected at least one head");
  std::set<std::string> names;
  for (const auto& head : heads) {
    if (!is_identifier(head.name))
      fail("heads", fmt::format("head name '{}' must be letters, digits and underscores", head.name));
    if (!names.insert(head.name).second) fail("heads", fmt::format("head '{}' appears twice", head.name));
    if (head.classes.size() < 2)
      fail("heads", fmt::format("head '{}' needs at least 2 classes, found {}", head.name, head.classes.size()));
  }
}

std::size_t ConvClassifierConfig::head_index(const std::string& name) const {
  std::string known;
  for (std::size_t i = 0; i < heads.size(); ++i) {
    if (heads[i].name == name) return i;
    known += (i ? ", " : "") + heads[i].name;
  }
  throw InputError(fmt::format("classifier has no head '{}'; its heads are: {}", name, known));
}

ConvClassifierBlockImpl::ConvClassifierBlockImpl(int in_channels, int out_channels, int groups) {
  conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 3).padding(1)));
  norm1 = register_module("norm1", torch::nn::GroupNorm(groups, out_channels));
  conv2 = register_module("conv2",
                          torch::nn::Conv2d(torch::nn::Conv2dOptions(out_channels, out_channels, 3).stride(2).padding(1)));
  norm2 = register_module("norm2", torch::nn::GroupNorm(groups, out_channels));
}

at::Tensor ConvClassifierBlockImpl::forward(const at::Tensor& x) {
  const at::Tensor h = at::silu(norm1->forward(conv1->forward(x)));  // [N, out, H, W]
  return at::silu(norm2->forward(conv2->forward(h)));                // [N, out, ceil(H/2), ceil(W/2)]
}

ConvClassifierImpl::ConvClassifierImpl(const ConvClassifierConfig& c) : config(c) {
  config.validate("conv classifier config");
  blocks = register_module("blocks", torch::nn::ModuleList());
  int channels = c.in_channels;
  for (int out : c.block_out_channels) {
    blocks->push_back(ConvClassifierBlock(channels, out, c.norm_num_groups));
    channels = out;
  }
  auto head_modules = register_module("heads", std::make_shared<torch::nn::Module>());
  for (const auto& head : c.heads)
    heads.push_back(head_modules->register_module(
        head.name, torch::nn::Linear(channels, static_cast<std::int64_t>(head.classes.size()))));
}

at::Tensor ConvClassifierImpl::features(const at::Tensor& images) {
  if (images.dim() != 4 || images.size(1) != config.in_channels)
    throw InputError(fmt::format("conv classifier: expected images [N, {}, H, W], got {} dims{}", config.in_channels,
                                 images.dim(), images.dim() > 1 ? fmt::format(" with {} channels", images.size(1)) : ""));
  at::Tensor x = images;  // [N, C, H, W]
  for (const auto& block : *blocks) x = block->as<ConvClassifierBlock>()->forward(x);
  return x.mean({2, 3});  // [N, block_out_channels.back()]
}

std::vector<at::Tensor> ConvClassifierImpl::forward(const at::Tensor& images) {
  const at::Tensor pooled = features(images);  // [N, C]
  std::vector<at::Tensor> logits;
  for (auto& head : heads) logits.push_back(head->forward(pooled));  // [N, classes]
  return logits;
}

void init_conv_classifier_weights(ConvClassifier& model, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto init_layer = [&](at::Tensor& weight, at::Tensor& bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(weight[0].numel()));  // fan_in
    weight.copy_(at::empty(weight.sizes(), at::kFloat).uniform_(-bound, bound, generator));
    if (bias.defined()) bias.copy_(at::empty(bias.sizes(), at::kFloat).uniform_(-bound, bound, generator));
  };
  for (const auto& item : *model->blocks) {
    auto* block = item->as<ConvClassifierBlock>();
    init_layer(block->conv1->weight, block->conv1->bias);
    init_layer(block->conv2->weight, block->conv2->bias);
    for (auto* norm : {&block->norm1, &block->norm2}) {
      (*norm)->weight.fill_(1.0);
      (*norm)->bias.fill_(0.0);
    }
  }
  for (auto& head : model->heads) init_layer(head->weight, head->bias);
}

void save_conv_classifier(ConvClassifier& model, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  save_weights(*model, dir / "model.safetensors");
  write_file_atomically(dir / "config.json", model->config.to_json().dump(2) + "\n");
}

ConvClassifier load_conv_classifier(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  ConvClassifier model(ConvClassifierConfig::from_json(json));
  load_module_weights(*model, dir, "model");
  model->eval();
  return model;
}

}  // namespace tunegrid
