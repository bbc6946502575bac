// clip_vision_model.h — CLIPVisionModel(WithProjection) and CLIPModel as in transformers
// (models/clip/modeling_clip.py): patch embedding (conv, no bias), class token, position
// embeddings, pre_layrnorm (sic), encoder, post_layernorm on the class token, and
// visual_projection. CLIPModel pairs it with the text tower for CLIP scores.
#pragma once
#include <filesystem>

#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>

#include "workers/models/clip_encoder.h"
#include "workers/models/clip_text_model.h"

namespace tunegrid {

struct CLIPVisionOutput {
  at::Tensor last_hidden_state;  // [B, 1 + patches, hidden]
  at::Tensor pooled;             // [B, hidden], post_layernorm of the class token
  at::Tensor image_embeds;       // [B, projection_dim]; undefined without a projection
};

struct CLIPVisionTransformerImpl : torch::nn::Module {
  explicit CLIPVisionTransformerImpl(const CLIPVisionConfig& config);
  CLIPVisionOutput forward(const at::Tensor& pixel_values);  // [B, 3, S, S], CLIP-normalised
  CLIPVisionConfig config;
  torch::Tensor class_embedding;
  torch::nn::Conv2d patch_embedding{nullptr};
  torch::nn::Embedding position_embedding{nullptr};
  torch::nn::LayerNorm pre_layrnorm{nullptr}, post_layernorm{nullptr};
  CLIPEncoder encoder{nullptr};
};
TORCH_MODULE(CLIPVisionTransformer);

struct CLIPVisionModelImpl : torch::nn::Module {
  CLIPVisionModelImpl(const CLIPVisionConfig& config, bool with_projection);
  CLIPVisionOutput forward(const at::Tensor& pixel_values);
  CLIPVisionTransformer vision_model{nullptr};
  torch::nn::Linear visual_projection{nullptr};
};
TORCH_MODULE(CLIPVisionModel);

// Both towers with their projections and logit_scale (a CLIPModel checkpoint).
struct CLIPModelImpl : torch::nn::Module {
  CLIPModelImpl(const CLIPTextConfig& text, const CLIPVisionConfig& vision, int projection_dim);
  at::Tensor text_embeds(const at::Tensor& input_ids);       // [B, projection_dim], not normalised
  at::Tensor image_embeds(const at::Tensor& pixel_values);   // [B, projection_dim], not normalised
  CLIPTextTransformer text_model{nullptr};
  CLIPVisionTransformer vision_model{nullptr};
  torch::nn::Linear text_projection{nullptr}, visual_projection{nullptr};
  torch::Tensor logit_scale;
};
TORCH_MODULE(CLIPModel);

// Reads DIR/config.json (CLIPModel: text_config, vision_config, projection_dim) and
// DIR/model.safetensors strictly.
CLIPModel load_clip_model(const std::filesystem::path& dir);
CLIPVisionModel load_clip_vision_model(const std::filesystem::path& dir);
// Writes DIR/config.json and DIR/model.safetensors as transformers' CLIPModel.save_pretrained.
void save_clip_model(CLIPModel& model, const std::filesystem::path& dir);

}  // namespace tunegrid
