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
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

struct TextualInversionConfig {
  std::string placeholder_token = "<hanok>";
  std::string initializer_token = "house";
  int num_vectors = 1;
};

class TextualInversion : public FineTuneMethod, public AttachesTo<StableDiffusion> {
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

// An embedding file as the tools write it: diffusers' learned_embeds.safetensors ({token: [n,
// dim]}), AUTOMATIC1111's .pt (string_to_param {"*": [n, dim]}, name, ...) or .safetensors
// ({"emb_params": [n, dim]}). InputError naming the file for anything else.
struct EmbeddingFile {
  at::Tensor vectors;      // [n, dim], float32
  std::string file_token;  // the token the file names (diffusers' key, AUTOMATIC1111's 'name'), or ""
  bool a1111 = false;      // an AUTOMATIC1111 embedding
};
EmbeddingFile read_embedding_file(const std::filesystem::path& file);

// The tokens a prompt uses for an embedding when none is given: for AUTOMATIC1111's files the
// file's stem, as AUTOMATIC1111 does (hanok.pt -> "hanok"), and the 'name' it holds too when it
// differs (what diffusers uses); for diffusers' files the token they hold ("<hanok>").
std::vector<std::string> default_embedding_tokens(const std::filesystem::path& file, const EmbeddingFile& embedding);

// Adds the vectors to the model's tokenizer and text encoder under `token` (and token_1, ...
// for several vectors), as diffusers' load_textual_inversion does; returns the prompt text
// that stands for them ("<tok> <tok>_1"). InputError naming `what` for a shape that does not
// fit or a token already known.
std::string add_embedding(StableDiffusion& model, const EmbeddingFile& embedding, const std::string& token,
                          const std::string& what);

// read_embedding_file + add_embedding.
std::string load_textual_inversion(StableDiffusion& model, const std::filesystem::path& file, const std::string& token);

}  // namespace tunegrid
