// clip_text_model.h — CLIPTextModel and CLIPTextModelWithProjection as in transformers
// (models/clip/modeling_clip.py): token + position embeddings, a causally masked encoder,
// the final layer norm; the pooled output is the hidden state at the end-of-text token,
// projected by text_projection when present. Keys: text_model.embeddings.token_embedding,
// text_model.encoder.layers.N..., text_model.final_layer_norm, text_projection.
#pragma once
#include <filesystem>

#include <torch/nn/modules/embedding.h>

#include "workers/models/clip_encoder.h"

namespace tunegrid {

struct CLIPTextOutput {
  at::Tensor last_hidden_state;  // [B, N, hidden], after final_layer_norm
  at::Tensor pooled;             // [B, hidden] at the eos token
  at::Tensor text_embeds;        // [B, projection_dim]; undefined without a projection
  std::vector<at::Tensor> hidden_states;  // embeddings, then every layer's output (before final_layer_norm)
};

struct CLIPTextTransformerImpl : torch::nn::Module {
  explicit CLIPTextTransformerImpl(const CLIPTextConfig& config);
  // skip_last_layers > 0 stops that many layers early and applies final_layer_norm there
  // (the "penultimate layer" / clip-skip some SD pipelines use).
  CLIPTextOutput forward(const at::Tensor& input_ids, int skip_last_layers = 0);
  // Token embeddings of ids (Textual Inversion edits rows of token_embedding).
  CLIPTextConfig config;
  torch::nn::Embedding token_embedding{nullptr}, position_embedding{nullptr};
  CLIPEncoder encoder{nullptr};
  torch::nn::LayerNorm final_layer_norm{nullptr};
};
TORCH_MODULE(CLIPTextTransformer);

struct CLIPTextModelImpl : torch::nn::Module {
  CLIPTextModelImpl(const CLIPTextConfig& config, bool with_projection);
  CLIPTextOutput forward(const at::Tensor& input_ids, int skip_last_layers = 0);
  CLIPTextTransformer text_model{nullptr};
  torch::nn::Linear text_projection{nullptr};
};
TORCH_MODULE(CLIPTextModel);

// "embeddings.x" -> "text_model.embeddings.x" (checkpoints written by transformers >= 5).
std::string add_text_model_prefix(const std::string& key);

// Reads DIR/config.json (architectures CLIPTextModel or CLIPTextModelWithProjection) and
// DIR/model.safetensors strictly.
CLIPTextModel load_clip_text_model(const std::filesystem::path& dir);
// Writes DIR/config.json and DIR/model.safetensors in the layout of released SD text encoders.
void save_clip_text_model(CLIPTextModel& model, const std::filesystem::path& dir);

}  // namespace tunegrid
