// clip_text_model.cpp — see clip_text_model.h.
#include "workers/models/clip_text_model.h"

#include <limits>

#include "core/atomic_file.h"
#include "workers/models/model_config.h"
#include "workers/models/weights.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

CLIPTextTransformerImpl::CLIPTextTransformerImpl(const CLIPTextConfig& c) : config(c) {
  auto embeddings = register_module("embeddings", std::make_shared<torch::nn::Module>());
  token_embedding = embeddings->register_module("token_embedding", torch::nn::Embedding(c.vocab_size, c.hidden_size));
  position_embedding =
      embeddings->register_module("position_embedding", torch::nn::Embedding(c.max_position_embeddings, c.hidden_size));
  encoder = register_module("encoder", CLIPEncoder(c.num_hidden_layers, c.hidden_size, c.intermediate_size,
                                                   c.num_attention_heads, c.hidden_act, c.layer_norm_eps));
  final_layer_norm = register_module(
      "final_layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps)));
}

CLIPTextOutput CLIPTextTransformerImpl::forward(const at::Tensor& input_ids, int skip_last_layers) {
  const auto batch = input_ids.size(0), tokens = input_ids.size(1);
  const auto options = token_embedding->weight.options();
  const at::Tensor positions = at::arange(tokens, at::TensorOptions().dtype(at::kLong).device(input_ids.device()));
  const at::Tensor x = token_embedding->forward(input_ids) + position_embedding->forward(positions).unsqueeze(0);
  const at::Tensor causal =
      at::full({tokens, tokens}, -std::numeric_limits<float>::infinity(), options).triu(1);  // [N, N]
  const int layers = config.num_hidden_layers - skip_last_layers;
  CLIPTextOutput out;
  out.hidden_states = encoder->forward(x, causal, layers);
  out.last_hidden_state = final_layer_norm->forward(out.hidden_states.back());
  // transformers: the legacy eos id 2 means "the highest id is the eos token".
  const at::Tensor ids = input_ids.to(at::kInt);
  const at::Tensor eos_index =
      config.eos_token_id == 2 ? ids.argmax(-1) : (ids == config.eos_token_id).to(at::kInt).argmax(-1);  // [B]
  out.pooled = out.last_hidden_state.index({at::arange(batch, eos_index.options().dtype(at::kLong)), eos_index});
  return out;
}

CLIPTextModelImpl::CLIPTextModelImpl(const CLIPTextConfig& config, bool with_projection) {
  text_model = register_module("text_model", CLIPTextTransformer(config));
  if (with_projection)
    text_projection = register_module(
        "text_projection",
        torch::nn::Linear(torch::nn::LinearOptions(config.hidden_size, config.projection_dim).bias(false)));
}

CLIPTextOutput CLIPTextModelImpl::forward(const at::Tensor& input_ids, int skip_last_layers) {
  CLIPTextOutput out = text_model->forward(input_ids, skip_last_layers);
  if (text_projection) out.text_embeds = text_projection->forward(out.pooled);
  return out;
}

std::string add_text_model_prefix(const std::string& key) {
  // transformers 5 writes CLIPTextModel checkpoints without the "text_model." prefix that
  // every released Stable Diffusion text encoder has; accept both.
  for (const char* root : {"embeddings.", "encoder.", "final_layer_norm."})
    if (key.rfind(root, 0) == 0) return "text_model." + key;
  return key;
}

CLIPTextModel load_clip_text_model(const std::filesystem::path& dir) {
  const JsonConfig json(dir / "config.json");
  const auto architectures = json.get_string_list("architectures", std::vector<std::string>{"CLIPTextModel"});
  const bool projection = !architectures.empty() && architectures[0] == "CLIPTextModelWithProjection";
  if (!architectures.empty() && architectures[0] != "CLIPTextModel" && !projection)
    json.fail("architectures", "'" + architectures[0] + "'; expected CLIPTextModel or CLIPTextModelWithProjection");
  CLIPTextModel model(CLIPTextConfig::from_json(json), projection);
  load_module_weights(*model, dir, "model", add_text_model_prefix);
  model->eval();
  return model;
}

void save_clip_text_model(CLIPTextModel& model, const std::filesystem::path& dir) {
  nlohmann::json config = model->text_model->config.to_json();
  config["architectures"] = {model->text_projection ? "CLIPTextModelWithProjection" : "CLIPTextModel"};
  config["vocab_size"] = model->text_model->token_embedding->weight.size(0);  // added tokens included
  config["torch_dtype"] = "float32";
  config["transformers_version"] = kTransformersVersion;
  std::filesystem::create_directories(dir);
  write_file_atomically(dir / "config.json", config.dump(2) + "\n");
  save_weights(*model, dir / "model.safetensors");
}

}  // namespace tunegrid
