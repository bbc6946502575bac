// finetune_method.h — what a fine-tuning method is to the shared training loop
// (training_loop.h): which tensors train, what the concept is called in prompts, what
// happens after each optimizer step, and which files it writes; and, through AttachesTo<Model>
// for each model family it fine-tunes, how it prepares a loaded base model (adds tokens or
// adapters, unfreezes what trains). The five methods of the Hanok and Custom Diffusion papers
// implement it for Stable Diffusion: textual_inversion.h, dreambooth.h, lora.h,
// hypernetwork.h, custom_diffusion.h.
#pragma once
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

namespace tunegrid {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

class FineTuneMethod {
 public:
  virtual ~FineTuneMethod() = default;

  virtual std::string name() const = 0;  // "textual_inversion", "lora", ...

  // The tensors the optimizer updates once the method is attached (leaf tensors with
  // requires_grad), named as the method's checkpoints store them. Stable for a given config.
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

// A method that fine-tunes models of one family (Model: StableDiffusion, ...).
template <class Model>
class AttachesTo {
 public:
  virtual ~AttachesTo() = default;
  // Prepares the loaded base model: adds tokens or adapters, initialises what trains and
  // freezes everything else (requires_grad false). Called once, before trainable().
  virtual void attach(Model& model) = 0;
};

}  // namespace tunegrid
