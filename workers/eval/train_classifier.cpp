// train_classifier.cpp — see train_classifier.h.
#include "workers/eval/train_classifier.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include <fmt/format.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/grad_mode.h>
#include <torch/optim/adamw.h>

#include "core/errors.h"
#include "workers/data/rng.h"
#include "workers/data/scene_world.h"
#include "workers/eval/classifier_metrics.h"
#include "workers/eval/clip_lora_classifier.h"
#include "workers/eval/clip_preprocess.h"
#include "workers/eval/image_resize.h"

namespace tunegrid {
namespace {

void check_labelled(const LabelledImages& data, const ConvClassifierConfig& config) {
  if (!data.images.defined() || data.images.dim() != 4 || data.images.size(0) < 1)
    throw InputError("classifier training: no images (expected a non-empty [N, 3, S, S] tensor)");
  if (data.labels.size() != config.heads.size())
    throw InputError(fmt::format("classifier training: {} label sets for {} heads", data.labels.size(),
                                 config.heads.size()));
  for (std::size_t h = 0; h < config.heads.size(); ++h) {
    const at::Tensor& labels = data.labels[h];
    const auto classes = static_cast<std::int64_t>(config.heads[h].classes.size());
    if (!labels.defined() || labels.dim() != 1 || labels.size(0) != data.images.size(0))
      throw InputError(fmt::format("classifier training: head '{}' needs {} labels, one per image",
                                   config.heads[h].name, data.images.size(0)));
    if (labels.min().item<std::int64_t>() < 0 || labels.max().item<std::int64_t>() >= classes)
      throw InputError(fmt::format("classifier training: head '{}' labels must be class indices in [0, {})",
                                   config.heads[h].name, classes));
  }
}

// [B, C, H, W] blurred per image with separable Gaussians of standard deviations sigma [B].
at::Tensor gaussian_blur(const at::Tensor& x, const at::Tensor& sigma, int radius) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const at::Tensor taps = at::arange(-radius, radius + 1, x.options());                       // [k]
  const at::Tensor s = sigma.clamp_min(1e-3).view({b, 1});                                   // [B, 1]
  at::Tensor kernel = at::exp(-(taps * taps).view({1, -1}) / (2 * s * s));                    // [B, k]
  kernel = (kernel / kernel.sum(1, true)).repeat_interleave(c, 0);                            // [B·C, k]
  const auto k = 2 * radius + 1;
  at::Tensor y = x.reshape({1, b * c, h, w});                                                 // [1, B·C, H, W]
  const auto groups = b * c;
  const std::vector<std::int64_t> ones{1, 1}, zeros{0, 0};
  y = at::conv2d(at::replication_pad2d(y, {radius, radius, 0, 0}), kernel.view({groups, 1, 1, k}), at::Tensor(), ones,
                 at::IntArrayRef(zeros), ones, groups);  // horizontal pass
  y = at::conv2d(at::replication_pad2d(y, {0, 0, radius, radius}), kernel.view({groups, 1, k, 1}), at::Tensor(), ones,
                 at::IntArrayRef(zeros), ones, groups);  // vertical pass
  return y.view({b, c, h, w});
}

// One training set's batches: epochs of a permutation drawn from a generator seeded with
// `seed`, which then draws the batch's augmentation.
class BatchStream {
 public:
  BatchStream(const LabelledImages& data, const ClassifierTrainOptions& options, std::uint64_t seed)
      : data_(&data), options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)),
        batch_(std::min<std::int64_t>(options.batch_size, data.images.size(0))), cursor_(data.images.size(0)) {}

  at::Tensor next() {  // [b, 3, S, S], augmented when options.augment
    const std::int64_t n = data_->images.size(0);
    if (cursor_ + batch_ > n) {
      order_ = at::randperm(n, generator_, at::kLong);
      cursor_ = 0;
    }
    pick_ = order_.slice(0, cursor_, cursor_ + batch_);  // [b]
    cursor_ += batch_;
    const at::Tensor images = data_->images.index_select(0, pick_);
    return options_.augment ? augment_images(images, options_, generator_) : images;
  }
  at::Tensor labels(std::size_t head) const { return data_->labels[head].index_select(0, pick_); }  // [b]

 private:
  const LabelledImages* data_;
  ClassifierTrainOptions options_;
  at::Generator generator_;
  std::int64_t batch_, cursor_;
  at::Tensor order_, pick_;
};

// A stream of its own through the device's default generator (what dropout draws from): its
// state is swapped in around `run` and kept for the next call.
class DeviceRngStream {
  // Swaps `state` into the generator; the destructor keeps its new state in `state` and puts the
  // generator's own back.
  struct Swap {
    Swap(at::Generator& generator, at::Tensor& state) : generator_(generator), state_(state) {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      saved_ = generator_.get_state();
      generator_.set_state(state_);
    }
    ~Swap() {
      std::lock_guard<std::mutex> lock(generator_.mutex());
      state_ = generator_.get_state();
      generator_.set_state(saved_);
    }
    at::Generator& generator_;
    at::Tensor& state_;
    at::Tensor saved_;
  };

 public:
  DeviceRngStream(const c10::Device& device, std::uint64_t seed)
      : generator_(at::globalContext().defaultGenerator(device)) {
    at::Generator fresh = generator_.clone();
    fresh.set_current_seed(seed);
    state_ = fresh.get_state();
  }

  template <class F>
  at::Tensor run(F&& fn) {
    const Swap swap(generator_, state_);  // restored on the way out, also when fn throws
    return fn();
  }

 private:
  at::Generator generator_;
  at::Tensor state_;
};

// One training set of DataDream's classifier: its batches, its draws on the device and its loss weight.
struct TrainingStream {
  BatchStream batches;
  DeviceRngStream rng;
  double weight;
};

// The real stream (seed) and the synthetic one (mix_seed(seed, 1)) where their sets have images,
// weighted λ and 1 − λ when both do.
std::vector<TrainingStream> training_streams(const LabelledImages& real, const LabelledImages& synthetic,
                                             const ClassifierTrainOptions& options, double real_weight,
                                             const c10::Device& device) {
  const bool has_real = real.images.defined() && real.images.size(0) > 0;
  const bool has_synthetic = synthetic.images.defined() && synthetic.images.size(0) > 0;
  if (!has_real && !has_synthetic) throw InputError("CLIP classifier training: no real and no synthetic images");
  std::vector<TrainingStream> streams;
  if (has_real)
    streams.push_back({BatchStream(real, options, options.seed), DeviceRngStream(device, options.seed),
                       has_synthetic ? real_weight : 1.0});
  if (has_synthetic) {
    const std::uint64_t seed = mix_seed(options.seed, 1);
    streams.push_back({BatchStream(synthetic, options, seed), DeviceRngStream(device, seed),
                       has_real ? 1.0 - real_weight : 1.0});
  }
  return streams;
}

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
}

}  // namespace

LabelledImages labelled_images(const DataSet& data, const ConvClassifierConfig& config) {
  if (data.items.empty()) throw InputError(fmt::format("{}: no images to train or test a classifier on", data.reference));
  const int size = config.image_size;
  std::vector<at::Tensor> images;
  std::vector<std::vector<std::int64_t>> labels(config.heads.size());
  for (std::size_t i = 0; i < data.items.size(); ++i) {
    const DataItem& item = data.items[i];
    const bool resize = item.image.height != size || item.image.width != size;
    images.push_back(images_to_tensor(resize ? resize_bicubic(item.image, size, size) : item.image));  // [1, 3, S, S]
    for (std::size_t h = 0; h < config.heads.size(); ++h) {
      const auto& head = config.heads[h];
      const auto label = item.labels.find(head.name);
      if (label == item.labels.end())
        throw InputError(fmt::format("{}: item {} has no '{}' label, which classifier head '{}' needs", data.reference,
                                     i, head.name, head.name));
      const auto it = std::find(head.classes.begin(), head.classes.end(), label->second);
      if (it == head.classes.end())
        throw InputError(fmt::format("{}: item {} has {} '{}', not one of the classifier head's classes",
                                     data.reference, i, head.name, label->second));
      labels[h].push_back(it - head.classes.begin());
    }
  }
  LabelledImages out;
  out.images = at::cat(images);  // [N, 3, S, S]
  for (auto& head : labels) out.labels.push_back(at::tensor(head, at::kLong));  // [N]
  return out;
}

at::Tensor augment_images(const at::Tensor& images, const ClassifierTrainOptions& o, at::Generator& generator) {
  const auto b = images.size(0), h = images.size(2), w = images.size(3);
  const auto options = images.options();
  at::Tensor x = images;  // [B, 3, H, W]
  const at::Tensor flip = at::rand({b, 1, 1, 1}, generator, options) < 0.5;
  x = at::where(flip, x.flip({3}), x);
  if (o.max_shift > 0) {
    const int s = o.max_shift;
    const at::Tensor padded = at::replication_pad2d(x, {s, s, s, s});             // [B, 3, H+2s, W+2s]
    const at::Tensor offsets = at::randint(0, 2 * s + 1, {b, 2}, generator, at::kLong);  // [B, 2]
    const auto* off = offsets.data_ptr<std::int64_t>();
    std::vector<at::Tensor> shifted;
    for (std::int64_t i = 0; i < b; ++i)
      shifted.push_back(padded[i].narrow(1, off[2 * i], h).narrow(2, off[2 * i + 1], w));  // [3, H, W]
    x = at::stack(shifted);  // [B, 3, H, W]
  }
  if (o.blur_sigma > 0) {
    const int radius = std::max(1, static_cast<int>(std::ceil(3 * o.blur_sigma)));
    x = gaussian_blur(x, at::rand({b}, generator, options) * o.blur_sigma, radius);
  }
  if (o.brightness > 0) x = x + (at::rand({b, 1, 1, 1}, generator, options) * 2 - 1) * o.brightness;
  if (o.noise_std > 0)
    x = x + at::randn(x.sizes(), generator, options) * (at::rand({b, 1, 1, 1}, generator, options) * o.noise_std);
  return x.clamp(-1, 1);  // [B, 3, H, W]
}

double classifier_learning_rate(const ClassifierTrainOptions& options, int step) {
  const int warmup = std::clamp(options.warmup_steps, 0, options.steps - 1);
  if (step < warmup) return options.lr * (step + 1) / warmup;
  return options.lr * 0.5 * (1 + std::cos(M_PI * (step - warmup) / (options.steps - warmup)));
}

std::vector<float> train_classifier_loop(const std::vector<at::Tensor>& parameters, const ClassifierForward& forward,
                                         const LabelledImages& data, const ClassifierTrainOptions& options) {
  if (options.steps < 1 || options.batch_size < 1)
    throw InputError(fmt::format("classifier training: steps ({}) and batch_size ({}) must be at least 1",
                                 options.steps, options.batch_size));
  const auto device = parameters.front().device();
  BatchStream batches(data, options, options.seed);
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  std::vector<float> losses;
  losses.reserve(options.steps);
  for (int step = 0; step < options.steps; ++step) {
    const at::Tensor images = batches.next();  // [b, 3, S, S]
    set_learning_rate(optimizer, classifier_learning_rate(options, step));
    const auto logits = forward(images.to(device));  // per head [b, classes]
    at::Tensor loss = at::zeros({}, logits[0].options());
    for (std::size_t h = 0; h < logits.size(); ++h)
      loss = loss + at::cross_entropy_loss(logits[h], batches.labels(h).to(device));
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    losses.push_back(loss.item<float>());
  }
  return losses;
}

std::vector<float> train_clip_lora_classifier(CLIPLoRAClassifier& model, const LabelledImages& real,
                                              const LabelledImages& synthetic, const ClassifierTrainOptions& options,
                                              double real_weight) {
  if (options.steps < 0 || options.batch_size < 1)
    throw InputError(fmt::format("CLIP classifier training: steps ({}) must be at least 0 and batch_size ({}) at "
                                 "least 1", options.steps, options.batch_size));
  if (real_weight < 0 || real_weight > 1)
    throw InputError(fmt::format("CLIP classifier training: real_weight {} must be in [0, 1]", real_weight));
  if (options.steps == 0) return {};
  const std::vector<at::Tensor> parameters = model.parameters();
  const auto device = parameters.front().device();
  std::vector<TrainingStream> streams = training_streams(real, synthetic, options, real_weight, device);
  torch::optim::AdamW optimizer(parameters, torch::optim::AdamWOptions(options.lr).weight_decay(options.weight_decay));
  std::vector<float> losses;
  model.train(true);
  for (int step = 0; step < options.steps; ++step) {
    set_learning_rate(optimizer, classifier_learning_rate(options, step));
    at::Tensor loss, text;  // text: the class embeddings, once a step
    for (TrainingStream& stream : streams) {
      const at::Tensor pixels = clip_normalise(stream.batches.next().to(device));  // [b, 3, S, S]
      const at::Tensor logits = stream.rng.run([&] {
        if (!text.defined()) text = model.class_embeddings();
        return model.logits(pixels, text);
      });
      const at::Tensor term = stream.weight * at::cross_entropy_loss(logits, stream.batches.labels(0).to(device));
      loss = loss.defined() ? loss + term : term;
    }
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    losses.push_back(loss.item<float>());
  }
  model.train(false);
  return losses;
}

std::vector<float> train_conv_classifier(ConvClassifier& model, const LabelledImages& data,
                                         const ClassifierTrainOptions& options) {
  check_labelled(data, model->config);
  model->train();
  std::vector<float> losses = train_classifier_loop(
      model->parameters(), [&](const at::Tensor& images) { return model->forward(images); }, data, options);
  model->eval();
  return losses;
}

std::vector<float> train_vit_classifier(ViTForImageClassification& model, const LabelledImages& data,
                                        const ClassifierTrainOptions& options) {
  if (data.labels.size() != 1 || !data.images.defined() || data.images.size(0) < 1)
    throw InputError("ViT training: expected a non-empty set of images with one label each");
  const auto classes = static_cast<std::int64_t>(model->config.labels.size());
  if (data.labels[0].min().item<std::int64_t>() < 0 || data.labels[0].max().item<std::int64_t>() >= classes)
    throw InputError(fmt::format("ViT training: labels must be class indices in [0, {})", classes));
  model->train();
  std::vector<float> losses = train_classifier_loop(
      model->parameters(), [&](const at::Tensor& images) { return std::vector<at::Tensor>{model->forward(images)}; },
      data, options);
  model->eval();
  return losses;
}

std::vector<double> head_accuracies(ConvClassifier& model, const LabelledImages& data) {
  check_labelled(data, model->config);
  const auto logits = classify_tensor(model, data.images);
  std::vector<double> out;
  for (std::size_t h = 0; h < logits.size(); ++h) out.push_back(accuracy(logits[h], data.labels[h]));
  return out;
}

ConvClassifierConfig scene_oracle_config(int image_size) {
  ConvClassifierConfig config;
  config.image_size = image_size;
  config.heads = {{"style", scene_style_names()}, {"disaster", scene_disaster_names()}};
  return config;
}

ConvClassifier train_scene_oracle(const SceneOracleOptions& options, std::vector<float>* loss) {
  const std::string reference = fmt::format("builtin:scenes?count={}&seed={}&size={}", options.train_images,
                                            options.data_seed, options.image_size);
  ConvClassifier model(scene_oracle_config(options.image_size));
  init_conv_classifier_weights(model, options.train.seed);
  const LabelledImages data = labelled_images(load_data_reference(reference, options.image_size), model->config);
  std::vector<float> losses = train_conv_classifier(model, data, options.train);
  if (loss) *loss = std::move(losses);
  return model;
}

}  // namespace tunegrid
