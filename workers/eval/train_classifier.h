// train_classifier.h — training the image classifiers (a ConvClassifier, workers/models/conv_classifier.h,
// or a ViT, workers/models/vit_classifier.h) on labelled images, and the recipe of the builtin
// scene oracle.
//   Loss: the sum over heads of the mean cross-entropy. Optimiser: AdamW (lr, weight decay)
//   with an optional linear warm-up, then a cosine decay of the learning rate to 0. Batches: epochs of a seeded
//   permutation. Augmentation, per image, so that the classifier judges slightly blurry,
//   noisy, off-colour images — what a tiny diffusion model decoded by a tiny VAE draws —
//   as it judges clean renders: random horizontal flip, a random shift of up to max_shift
//   pixels (edge replicated), a Gaussian blur with σ ~ U(0, blur_sigma) px, a brightness
//   shift ~ U(−brightness, brightness), Gaussian noise with σ ~ U(0, noise_std), clamped to
//   [−1, 1]. Everything is drawn from a generator seeded with `seed`: the same inputs give
//   the same losses and weights.
// The scene oracle: heads "style" (scene_style_names()) and "disaster"
// (scene_disaster_names()), trained on builtin:scenes renders of every style, disaster,
// terrain and time (workers/data/scene_world.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "workers/data/data_reference.h"
#include "workers/models/conv_classifier.h"
#include "workers/models/vit_classifier.h"

namespace tunegrid {

struct ClassifierTrainOptions {
  int steps = 600;              // optimiser steps
  int batch_size = 32;          // images per step
  double lr = 3e-3;             // AdamW peak learning rate (cosine decay to 0)
  double weight_decay = 1e-2;   // AdamW decoupled weight decay
  int warmup_steps = 0;         // linear warm-up of the learning rate, then the cosine decay over the rest
  std::uint64_t seed = 0;       // batches and augmentation
  bool augment = true;          // the augmentations below; false trains on the images as they are
  int max_shift = 2;            // random translation, pixels
  double blur_sigma = 1.2;      // Gaussian blur σ ~ U(0, blur_sigma), pixels
  double brightness = 0.1;      // additive shift ~ U(−b, b) in [−1, 1] units
  double noise_std = 0.15;      // Gaussian noise σ ~ U(0, noise_std) in [−1, 1] units
};

// Images with one class index per head.
struct LabelledImages {
  at::Tensor images;               // [N, 3, S, S] float32 in [−1, 1]
  std::vector<at::Tensor> labels;  // per head in config.heads order: [N] int64 class indices
};

// A data set's items as classifier inputs: every image resized to config.image_size (Pillow
// bicubic) when it differs; item.labels[head.name] mapped to the head's class index.
// InputError naming the reference, the item, the head and the class when a label is
// missing or not one of the head's classes.
LabelledImages labelled_images(const DataSet& data, const ConvClassifierConfig& config);

// The augmentation described above applied to a batch [B, 3, H, W] in [−1, 1].
at::Tensor augment_images(const at::Tensor& images, const ClassifierTrainOptions& options, at::Generator& generator);

// The learning rate of `step`: linear warm-up over warmup_steps, then cosine decay to 0.
double classifier_learning_rate(const ClassifierTrainOptions& options, int step);

// The loop every classifier trains with (AdamW, the schedule above, seeded epochs, augmentation,
// the sum over heads of the mean cross-entropy): `forward` maps a batch to per-head logits;
// labels[h] are head h's. Returns the loss of every step.
using ClassifierForward = std::function<std::vector<at::Tensor>(const at::Tensor&)>;
std::vector<float> train_classifier_loop(const std::vector<at::Tensor>& parameters, const ClassifierForward& forward,
                                         const LabelledImages& data, const ClassifierTrainOptions& options);

// Trains a ViT in place on data.labels[0] (its one head, classes in config.labels order).
std::vector<float> train_vit_classifier(ViTForImageClassification& model, const LabelledImages& data,
                                        const ClassifierTrainOptions& options);

// DataDream's classifier training (its classify/main.py): the CLIP-LoRA classifier's factors
// trained with loss λ·CE(real batch) + (1 − λ)·CE(synthetic batch), λ = real_weight, when both
// sets are non-empty, else the CE of the one there is. Each set is its own stream: batch_size
// images a step, its own seeded epochs, augmentation and LoRA dropout (the device's default
// generator swapped to the stream's state around its forward pass; the class prompts are
// embedded under the first stream's), so λ = 1 reproduces the real-only weights exactly. The
// reference draws one pooled loader, the real shots repeated to about the synthetic count, and
// splits each batch by origin: the same halves in expectation. Images in [−1, 1] at the CLIP's
// image_size, CLIP-normalised here. Returns the loss of every step; steps = 0 trains nothing.
class CLIPLoRAClassifier;
std::vector<float> train_clip_lora_classifier(CLIPLoRAClassifier& model, const LabelledImages& real,
                                              const LabelledImages& synthetic, const ClassifierTrainOptions& options,
                                              double real_weight);

// Trains `model` in place (from its current weights) and returns the loss of every step.
// InputError for empty data, labels that do not fit the heads, or steps/batch_size < 1.
std::vector<float> train_conv_classifier(ConvClassifier& model, const LabelledImages& data,
                                         const ClassifierTrainOptions& options);

// Top-1 accuracy of every head on labelled images (eval mode, no gradients).
std::vector<double> head_accuracies(ConvClassifier& model, const LabelledImages& data);

// The scene oracle's config: heads style and disaster over the scene world's label names.
ConvClassifierConfig scene_oracle_config(int image_size = 32);

struct SceneOracleOptions {
  int train_images = 3000;             // renders of builtin:scenes (all labels)
  std::uint64_t data_seed = 1;         // the renders' seed (held-out sets use another)
  // train.seed also seeds the initial weights. Blur up to σ = 2 px (not 1.2): the oracle
  // judges the tiny generator's samples, which are blurrier than σ = 1.2, and at σ 1.5–2 an
  // oracle trained on σ <= 1.2 lost japanese houses in the fire (0.84 / 0.78, docs/builtin-world.md "World
  // check") while keeping every other style.
  ClassifierTrainOptions train = [] {
    ClassifierTrainOptions defaults;
    defaults.blur_sigma = 2.0;
    return defaults;
  }();
  int image_size = 32;
};

// Renders the training scenes, builds the oracle with init_conv_classifier_weights(seed) and
// trains it. `loss` (optional) receives the per-step loss.
ConvClassifier train_scene_oracle(const SceneOracleOptions& options, std::vector<float>* loss = nullptr);

}  // namespace tunegrid
