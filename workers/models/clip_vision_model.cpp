// clip_vision_model.cpp — see clip_vision_model.h.
#include "workers/models/clip_vision_model.h"

#include "core/atomic_file.h"
#include "workers/models/config_schema.h"
#include "workers/models/model_config.h"
#include "workers/models/weights.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

CLIPVisionTransformerImpl::CLIPVisionTransformerImpl(const CLIPVisionConfig& c) : config(c) {
  const int patches = (c.image_size / c.patch_size) * (c.image_size / c.patch_size);
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  class_embedding = embeddings->register_parameter("class_embedding", at::randn({c.hidden_size}));
  patch_embedding = embeddings->register_module(
      "patch_embedding",
      torch::nn::Conv2d(
          torch::nn::Conv2dOptions(c.num_channels, c.hidden_size, c.patch_size).stride(c.patch_size).bias(false)));
  position_embedding = embeddings->register_module("position_embedding", torch::nn::Embedding(patches + 1, c.hidden_size));
  pre_layrnorm = register_module("pre_layrnorm",
                                 torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
  encoder = register_module("encoder", CLIPEncoder(c.num_hidden_layers, c.hidden_size, c.intermediate_size,
                                                   c.num_attention_heads, c.hidden_act, c.layer_norm_eps));
  post_layernorm = register_module(
      "post_layernorm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

CLIPVisionOutput CLIPVisionTransformerImpl::forward(const at::Tensor& pixel_values) {
  const auto batch = pixel_values.size(0);
  at::Tensor patches = patch_embedding->forward(pixel_values).flatten(2).transpose(1, 2);  // [B, P, hidden]
  const at::Tensor cls = class_embedding.view({1, 1, -1}).expand({batch, 1, class_embedding.size(0)});
  at::Tensor x = at::cat({cls, patches}, 1);  // [B, 1 + P, hidden]
  x = x + position_embedding->weight.unsqueeze(0);
  x = pre_layrnorm->forward(x);
  CLIPVisionOutput out;
  out.last_hidden_state = encoder->forward(x, at::Tensor()).back();
  out.pooled = post_layernorm->forward(out.last_hidden_state.select(1, 0));
  return out;
}

CLIPVisionModelImpl::CLIPVisionModelImpl(const CLIPVisionConfig& config, bool with_projection) {
  vision_model = register_module("vision_model", CLIPVisionTransformer(config));
  if (with_projection)
    visual_projection = register_module(
        "visual_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config.hidden_size, config.projection_dim).bias(false)));
}

CLIPVisionOutput CLIPVisionModelImpl::forward(const at::Tensor& pixel_values) {
  CLIPVisionOutput out = vision_model->forward(pixel_values);
  if (visual_projection) out.image_embeds = visual_projection->forward(out.pooled);
  return out;
}

CLIPModelImpl::CLIPModelImpl(const CLIPTextConfig& text, const CLIPVisionConfig& vision, int projection_dim) {
  text_model = register_module("text_model", CLIPTextTransformer(text));
  vision_model = register_module("vision_model", CLIPVisionTransformer(vision));
  text_projection = register_module(
      "text_projection", torch::nn::Linear(torch::nn::LinearOptions(text.hidden_size, projection_dim).bias(false)));
  visual_projection = register_module(
      "visual_projection", torch::nn::Linear(torch::nn::LinearOptions(vision.hidden_size, projection_dim).bias(false)));
  logit_scale = register_parameter("logit_scale", at::full({}, 2.6592));
}

at::Tensor CLIPModelImpl::text_embeds(const at::Tensor& input_ids) {
  return text_projection->forward(text_model->forward(input_ids).pooled);
}

at::Tensor CLIPModelImpl::image_embeds(const at::Tensor& pixel_values) {
  return visual_projection->forward(vision_model->forward(pixel_values).pooled);
}


CLIPModel load_clip_model(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  if (!json.document().contains("text_config") || !json.document().contains("vision_config"))
    json.fail("text_config", "a CLIPModel config needs text_config and vision_config");
  const JsonConfig text(json.document()["text_config"], json.source() + " text_config");
  const JsonConfig vision(json.document()["vision_config"], json.source() + " vision_config");
  CLIPModel model(CLIPTextConfig::from_json(text), CLIPVisionConfig::from_json(vision), json.get_int_in("projection_dim", 1, kMaxModelWidth, 512));
  load_module_weights(*model, dir, "model");
  model->eval();
  return model;
}

CLIPVisionModel load_clip_vision_model(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  const auto architectures = json.get_string_list("architectures", std::vector<std::string>{"CLIPVisionModel"});
  const bool projection = !architectures.empty() && architectures[0] == "CLIPVisionModelWithProjection";
  CLIPVisionModel model(CLIPVisionConfig::from_json(json), projection);
  load_module_weights(*model, dir, "model");
  model->eval();
  return model;
}

void save_clip_model(CLIPModel& model, const std::filesystem::path& dir) {
  nlohmann::json text = model->text_model->config.to_json();
  text["vocab_size"] = model->text_model->token_embedding->weight.size(0);
  const nlohmann::json vision = model->vision_model->config.to_json();
  const nlohmann::json config = {{"architectures", {"CLIPModel"}},
                                 {"model_type", "clip"},
                                 {"projection_dim", model->text_projection->weight.size(0)},
                                 {"logit_scale_init_value", 2.6592},
                                 {"text_config", text},
                                 {"vision_config", vision},
                                 {"torch_dtype", "float32"},
                                 {"transformers_version", kTransformersVersion}};
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "model.safetensors");
}

}  // namespace tunegrid
