// custom_diffusion.cpp — see custom_diffusion.h.
#include "workers/methods/custom_diffusion.h"
#include "workers/methods/stable_diffusion_base.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/errors.h"
#include "core/text.h"
#include "workers/methods/textual_inversion.h"
#include "workers/models/transformer_2d.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

constexpr const char* kWeightsFile = "pytorch_custom_diffusion_weights.safetensors";
constexpr const char* kEmbeddingWeight = "text_encoder.text_model.embeddings.token_embedding.weight";

// (module path, weight) of every trained projection of every cross-attention (attn2).
NamedTensors cross_attention_weights(UNet2DConditionModel& unet, bool all_of_attn2) {
  NamedTensors out;
  for (const auto& item : unet->named_modules("", false)) {
    auto attention = std::dynamic_pointer_cast<AttentionImpl>(item.value());
    const std::string& path = item.key();
    if (!attention || path.size() < 6 || path.compare(path.size() - 6, 6, ".attn2") != 0) continue;
    if (all_of_attn2) out.emplace_back(path + ".to_q", attention->to_q->weight);
    out.emplace_back(path + ".to_k", attention->to_k->weight);
    out.emplace_back(path + ".to_v", attention->to_v->weight);
    if (all_of_attn2) {
      out.emplace_back(path + ".to_out.0", attention->out_projection->weight);
      out.emplace_back(path + ".to_out.0.bias", attention->out_projection->bias);
    }
  }
  return out;
}

// diffusers' CustomDiffusionAttnProcessor names: "<attn2>.processor.to_k_custom_diffusion.weight",
// "...to_out_custom_diffusion.0.weight" / ".bias".
std::string processor_key(const std::string& name) {
  const auto dot = name.rfind(".attn2.") + 6;
  const std::string path = name.substr(0, dot), projection = name.substr(dot + 1);
  if (projection == "to_out.0") return path + ".processor.to_out_custom_diffusion.0.weight";
  if (projection == "to_out.0.bias") return path + ".processor.to_out_custom_diffusion.0.bias";
  return path + ".processor." + projection + "_custom_diffusion.weight";
}

}  // namespace

const char* custom_diffusion_weights_file() { return kWeightsFile; }

std::string CustomDiffusion::concept_text() const {
  return config_.concept_texts.empty() ? config_.concept_text : join(config_.concept_texts, " and ");
}

std::vector<std::string> CustomDiffusion::new_tokens() const { return split(config_.modifier_token, '+'); }

void CustomDiffusion::attach(StableDiffusion& model) {
  if (config_.freeze_model != "crossattn_kv" && config_.freeze_model != "crossattn")
    throw InputError(fmt::format("custom_diffusion: freeze_model '{}' is not one of crossattn_kv, crossattn",
                                 config_.freeze_model));
  const std::vector<std::string> tokens = new_tokens();
  const std::vector<std::string> initializers = split(config_.initializer_token, '+');
  for (const auto& token : tokens)
    if (token.empty())
      throw InputError(fmt::format("custom_diffusion: modifier_token '{}' has an empty token; expected \"<new1>\" or "
                                   "\"<new1>+<new2>\"",
                                   config_.modifier_token));
  if (initializers.size() < tokens.size())  // diffusers' check; extra initializers are unused there too
    throw InputError(fmt::format("custom_diffusion: modifier_token '{}' has {} tokens but initializer_token '{}' only "
                                 "{}; give one per modifier token, '+'-separated",
                                 config_.modifier_token, tokens.size(), config_.initializer_token, initializers.size()));
  const std::vector<std::string> texts =
      config_.concept_texts.empty() ? std::vector<std::string>{config_.concept_text} : config_.concept_texts;
  for (const auto& token : tokens) {
    bool used = false;
    for (const auto& text : texts) used = used || text.find(token) != std::string::npos;
    if (used) continue;
    if (texts.size() == 1)
      throw InputError(fmt::format("custom_diffusion: instance_text '{}' does not contain the modifier_token '{}'; "
                                   "the token would never be trained (e.g. instance_text = \"{} house\")",
                                   texts[0], token, token));
    throw InputError(fmt::format("custom_diffusion: no concept text ({}) contains the modifier_token '{}'; the token "
                                 "would never be trained",
                                 join(texts, ", "), token));
  }
  model_ = &model;
  std::vector<at::Tensor> rows;
  auto& embedding = model.text_encoder->text_model->token_embedding->weight;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    rows.push_back(embedding.detach()[single_token_id(model, initializers[i], "custom_diffusion: initializer_token")]);
  freeze_all(model);
  token_id_ = add_token_embeddings(model, tokens, at::stack(rows), "custom_diffusion");
  embedding.set_requires_grad(true);
  original_embeddings_ = embedding.detach().clone();
  attention_weights_ = cross_attention_weights(model.unet, config_.freeze_model == "crossattn");
  for (auto& item : attention_weights_) item.second.set_requires_grad(true);
}

NamedTensors CustomDiffusion::trainable() {
  NamedTensors out{{kEmbeddingWeight, model_->text_encoder->text_model->token_embedding->weight}};
  for (const auto& item : attention_weights_) out.emplace_back("unet." + item.first, item.second);
  return out;
}

std::int64_t CustomDiffusion::trainable_parameter_count() {
  std::int64_t count = model_->text_encoder->text_model->token_embedding->weight.size(1) *
                       static_cast<std::int64_t>(new_tokens().size());
  for (const auto& item : attention_weights_) count += item.second.numel();
  return count;
}

void CustomDiffusion::after_step() {
  at::NoGradGuard no_grad;
  auto& weight = model_->text_encoder->text_model->token_embedding->weight;
  weight.slice(0, 0, token_id_).copy_(original_embeddings_.slice(0, 0, token_id_));
}

void CustomDiffusion::save(const std::filesystem::path& dir, int step) {
  NamedTensors weights;
  for (const auto& item : attention_weights_) weights.emplace_back(processor_key(item.first), item.second);
  save_tensors(dir / kWeightsFile, weights, {{"format", "pt"}});
  const std::vector<std::string> tokens = new_tokens();
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const at::Tensor vector =
        model_->text_encoder->text_model->token_embedding->weight.detach()[token_id_ + static_cast<std::int64_t>(i)].clone();
    save_tensors(dir / (tokens[i] + ".safetensors"), {{tokens[i], vector}});
  }
}

std::vector<std::string> load_custom_diffusion(StableDiffusion& model, const std::filesystem::path& dir) {
  const auto file = dir / kWeightsFile;
  const auto tensors = load_tensors(file);
  std::map<std::string, at::Tensor> targets;  // processor key -> weight of this UNet
  for (const auto& item : cross_attention_weights(model.unet, true)) targets.emplace(processor_key(item.first), item.second);
  at::NoGradGuard no_grad;
  for (const auto& [key, value] : tensors) {
    const auto target = targets.find(key);
    if (target == targets.end())
      throw InputError(fmt::format("{}: key '{}' is not a cross-attention projection of this UNet", file.string(), key));
    if (!target->second.sizes().equals(value.sizes()))
      throw InputError(fmt::format("{}: '{}' has shape [{}], the UNet's is [{}]", file.string(), key,
                                   fmt::join(value.sizes(), ", "), fmt::join(target->second.sizes(), ", ")));
    target->second.copy_(value);
  }
  std::vector<std::string> tokens;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name == kWeightsFile || entry.path().extension() != ".safetensors" || name.front() != '<') continue;
    const std::string token = entry.path().stem().string();
    load_textual_inversion(model, entry.path(), token);
    tokens.push_back(token);
  }
  return tokens;
}

}  // namespace tunegrid
