// finetune_method.h — what a fine-tuning method is to the shared training loop
// (training_loop.h): which tensors train and how they start (attach), what the concept is
// called in prompts, what happens after each optimizer step, and which files it writes. The
// five methods of the Hanok and Custom Diffusion papers implement it: textual_inversion.h,
// dreambooth.h, lora.h, hypernetwork.h, custom_diffusion.h.
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "workers/models/stable_diffusion.h"

namespace tunegrid {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

// Sets requires_grad false on every UNet, VAE and text-encoder weight: what each method's
// attach starts from before it unfreezes (or adds) what it trains.
inline void freeze_all(StableDiffusion& model) {
  for (auto& p : model.unet->parameters()) p.set_requires_grad(false);
  for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder->parameters()) p.set_requires_grad(false);
}

class FineTuneMethod {
 public:
  virtual ~FineTuneMethod() = default;

  virtual std::string name() const = 0;  // "textual_inversion", "lora", ...

  // Prepares the loaded base model: adds tokens or adapters, initialises what trains and
  // freezes everything else (requires_grad false). Called once, before trainable().
  virtual void attach(StableDiffusion& model) = 0;

  // The tensors the optimizer updates (leaf tensors with requires_grad), named as the
  // method's checkpoints store them. Stable for a given config.
  virtual NamedTensors trainable() = 0;

  // How many numbers the method learns (Textual Inversion: its new rows only, although the
  // optimizer steps the whole embedding matrix and restores the rest).
  virtual std::int64_t trainable_parameter_count() {
    std::int64_t count = 0;
    for (const auto& item : trainable()) count += item.second.numel();
    return count;
  }

  // What "{}" in a prompt template stands for: "<hanok>", "sks house", ...
  virtual std::string concept_text() const = 0;

  // The tokens the method adds to the tokenizer, the one its embedding file is keyed by
  // first (Textual Inversion's placeholder, Custom Diffusion's modifier); none for the rest.
  virtual std::vector<std::string> new_tokens() const { return {}; }

  // Whether captions must be encoded with gradient at every step (the text side trains);
  // otherwise the loop encodes each caption once, without gradient.
  virtual bool trains_text_encoder() const { return false; }

  // After every optimizer step (Textual Inversion restores the embedding rows that must not move).
  virtual void after_step() {}

  // false while the loop samples validation images (hypernetworks: no dropout, the multiplier).
  virtual void set_training(bool training) {}

  // Writes the method's artifacts into `dir` (created by the caller) after `step` steps.
  virtual void save(const std::filesystem::path& dir, int step) = 0;
};

}  // namespace tunegrid
