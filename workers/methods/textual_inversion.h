// textual_inversion.h — Textual Inversion (Gal et al. 2022) as diffusers'
// examples/textual_inversion/textual_inversion.py trains it: `num_vectors` new tokens
// (<tok>, <tok>_1, ...) are added to the tokenizer and the text encoder's embedding, each
// row initialised as a copy of the single-token `initializer_token`; the optimizer steps
// the embedding matrix and every other row is restored after each step, so only the new
// rows change (all other weights bitwise equal). Defaults (REFERENCE.md): lr 1e-4 ×
// scale_lr, batch 16 (README recipe 1 × accumulation 4), constant schedule, warm-up 500,
// weight decay 1e-2, flip 0.5, object templates.
// Artifacts: learned_embeds.safetensors `{<tok>: [n, dim]}` (diffusers' save_progress;
// AUTOMATIC1111 also loads a one-tensor safetensors file) and <name>.pt, the AUTOMATIC1111
// embedding (`string_to_token {"*": 265}`, `string_to_param {"*": [n, dim]}`, `name`,
// `step`, `sd_checkpoint`, `sd_checkpoint_name`) written as torch.save writes it.
#pragma once
#include <memory>

#include "workers/methods/finetune_method.h"

namespace tunegrid {

struct TextualInversionConfig {
  std::string placeholder_token = "<hanok>";
  std::string initializer_token = "house";
  int num_vectors = 1;
};

class TextualInversion : public FineTuneMethod {
 public:
  explicit TextualInversion(TextualInversionConfig config) : config_(std::move(config)) {}
  std::string name() const override { return "textual_inversion"; }
  void attach(StableDiffusion& model) override;
  NamedTensors trainable() override;
  std::string concept_text() const override;  // "<tok> <tok>_1 ..."
  std::vector<std::string> new_tokens() const override { return {config_.placeholder_token}; }
  bool trains_text_encoder() const override { return true; }
  void after_step() override;
  std::int64_t trainable_parameter_count() override;
  void save(const std::filesystem::path& dir, int step) override;

  // The learned vectors [n, dim].
  at::Tensor learned_embeds() const;

 private:
  TextualInversionConfig config_;
  StableDiffusion* model_ = nullptr;
  std::vector<std::string> tokens_;
  std::int64_t first_new_id_ = 0;
  at::Tensor original_embeddings_;  // the rows that must not change
};

// Adds `tokens` to the tokenizer and `rows` [n, dim] to the text encoder's embedding
// (Textual Inversion, Custom Diffusion's modifier token); returns the first new id. Throws
// InputError naming `what` when a token is already known.
std::int64_t add_token_embeddings(StableDiffusion& model, const std::vector<std::string>& tokens,
                                  const at::Tensor& rows, const std::string& what);

// The single token id of `text`; InputError naming `what` when it is several tokens.
std::int64_t single_token_id(StableDiffusion& model, const std::string& text, const std::string& what);

// Adds the embeddings of a learned_embeds.safetensors / A1111 .pt / one-tensor
// .safetensors file to the model's tokenizer and text encoder under `token` (and token_1,
// ... for several vectors), as diffusers' load_textual_inversion does; returns the prompt
// text that stands for them ("<tok> <tok>_1").
std::string load_textual_inversion(StableDiffusion& model, const std::filesystem::path& file, const std::string& token);

}  // namespace tunegrid
