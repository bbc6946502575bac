// textual_inversion.cpp — see textual_inversion.h.
#include "workers/methods/textual_inversion.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include "core/errors.h"
#include "workers/methods/torch_save_file.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

constexpr const char* kEmbeddingWeight = "text_encoder.text_model.embeddings.token_embedding.weight";
constexpr std::int64_t kA1111StarToken = 265;  // what AUTOMATIC1111 stores as string_to_token["*"]

std::vector<std::string> token_names(const std::string& placeholder, int count) {
  std::vector<std::string> tokens{placeholder};
  for (int i = 1; i < count; ++i) tokens.push_back(fmt::format("{}_{}", placeholder, i));
  return tokens;
}

void freeze(StableDiffusion& model) {
  freeze_all(model);
}

// Appends rows to the text encoder's token embedding (the tokenizer already has the tokens).
void append_embedding_rows(StableDiffusion& model, const at::Tensor& rows) {
  at::NoGradGuard no_grad;
  auto& weight = model.text_encoder->text_model->token_embedding->weight;
  weight.set_data(at::cat({weight.detach(), rows.to(weight.options())}));
  model.text_encoder->text_model->config.vocab_size = static_cast<int>(weight.size(0));
}

std::string placeholder_name(const std::string& token) {
  std::string name;
  for (char c : token)
    if (c != '<' && c != '>') name += c;
  return name.empty() ? "embedding" : name;
}

}  // namespace

std::int64_t add_token_embeddings(StableDiffusion& model, const std::vector<std::string>& tokens,
                                  const at::Tensor& rows, const std::string& what) {
  const auto first = static_cast<std::int64_t>(model.tokenizer->vocab_size());
  for (const auto& token : tokens)
    if (model.tokenizer->add_tokens({token}) != 1)
      throw InputError(fmt::format("{}: the tokenizer already contains '{}'; choose a token that is not one yet", what,
                                   token));
  append_embedding_rows(model, rows);
  return first;
}

std::int64_t single_token_id(StableDiffusion& model, const std::string& text, const std::string& what) {
  const auto ids = model.tokenizer->encode_plain(text);
  if (ids.size() != 1)
    throw InputError(fmt::format("{}: '{}' is {} tokens for this tokenizer; it must be a single token", what, text,
                                 ids.size()));
  return ids[0];
}

void TextualInversion::attach(StableDiffusion& model) {
  if (config_.num_vectors < 1)
    throw InputError(fmt::format("textual_inversion: num_vectors = {}; expected at least 1", config_.num_vectors));
  if (config_.placeholder_token.empty()) throw InputError("textual_inversion: placeholder_token is empty");
  model_ = &model;
  tokens_ = token_names(config_.placeholder_token, config_.num_vectors);
  const std::int64_t init_id = single_token_id(model, config_.initializer_token, "textual_inversion: initializer_token");
  freeze(model);
  auto& weight = model.text_encoder->text_model->token_embedding->weight;
  first_new_id_ = add_token_embeddings(model, tokens_,
                                       weight.detach()[init_id].unsqueeze(0).repeat({config_.num_vectors, 1}),
                                       "textual_inversion");
  weight.set_requires_grad(true);
  original_embeddings_ = weight.detach().clone();
}

NamedTensors TextualInversion::trainable() {
  return {{kEmbeddingWeight, model_->text_encoder->text_model->token_embedding->weight}};
}

std::int64_t TextualInversion::trainable_parameter_count() {
  return config_.num_vectors * model_->text_encoder->text_model->token_embedding->weight.size(1);
}

std::string TextualInversion::concept_text() const {
  return fmt::format("{}", fmt::join(token_names(config_.placeholder_token, config_.num_vectors), " "));
}

void TextualInversion::after_step() {
  at::NoGradGuard no_grad;
  auto& weight = model_->text_encoder->text_model->token_embedding->weight;
  weight.slice(0, 0, first_new_id_).copy_(original_embeddings_.slice(0, 0, first_new_id_));
}

at::Tensor TextualInversion::learned_embeds() const {
  return model_->text_encoder->text_model->token_embedding->weight.detach()
      .slice(0, first_new_id_, first_new_id_ + config_.num_vectors)
      .clone();
}

void TextualInversion::save(const std::filesystem::path& dir, int step) {
  const at::Tensor embeds = learned_embeds();  // [n, dim]
  save_tensors(dir / "learned_embeds.safetensors", {{config_.placeholder_token, embeds}});
  // AUTOMATIC1111's Embedding.save() layout.
  c10::Dict<std::string, std::int64_t> string_to_token;
  string_to_token.insert("*", kA1111StarToken);
  c10::Dict<std::string, at::Tensor> string_to_param;
  string_to_param.insert("*", embeds.to(at::kFloat).contiguous());
  c10::impl::GenericDict data(c10::StringType::get(), c10::AnyType::get());
  data.insert("string_to_token", string_to_token);
  data.insert("string_to_param", string_to_param);
  data.insert("name", placeholder_name(config_.placeholder_token));
  data.insert("step", static_cast<std::int64_t>(step));
  data.insert("sd_checkpoint", c10::IValue());
  data.insert("sd_checkpoint_name", c10::IValue());
  write_torch_save_file(dir / (placeholder_name(config_.placeholder_token) + ".pt"), data);
}

std::string load_textual_inversion(StableDiffusion& model, const std::filesystem::path& file, const std::string& token) {
  at::Tensor embeds;
  if (file.extension() == ".pt" || file.extension() == ".bin") {
    const c10::IValue data = read_torch_save_file(file);
    if (!data.isGenericDict()) throw InputError(file.string() + ": expected a dict (an AUTOMATIC1111 embedding)");
    const auto dict = data.toGenericDict();
    if (!dict.contains("string_to_param"))
      throw InputError(file.string() + ": has no 'string_to_param' (not an AUTOMATIC1111 embedding)");
    const c10::IValue params = dict.at("string_to_param");
    if (!params.isGenericDict() || params.toGenericDict().size() != 1 ||
        !params.toGenericDict().begin()->value().isTensor())
      throw InputError(file.string() + ": 'string_to_param' must be a dict holding exactly one tensor");
    embeds = params.toGenericDict().begin()->value().toTensor();
  } else {
    const auto tensors = load_tensors(file);
    if (tensors.size() != 1)
      throw InputError(fmt::format("{}: holds {} tensors; a textual inversion embedding file holds one", file.string(),
                                   tensors.size()));
    embeds = tensors.begin()->second;
  }
  if (embeds.dim() == 1) embeds = embeds.unsqueeze(0);
  const auto dim = model.text_encoder->text_model->config.hidden_size;
  if (embeds.dim() != 2 || embeds.size(1) != dim)
    throw InputError(fmt::format("{}: embedding of shape [{}], expected [n, {}] for this text encoder", file.string(),
                                 fmt::join(embeds.sizes(), ", "), dim));
  const auto tokens = token_names(token, static_cast<int>(embeds.size(0)));
  add_token_embeddings(model, tokens, embeds.to(at::kFloat), file.string());
  return fmt::format("{}", fmt::join(tokens, " "));
}

}  // namespace tunegrid
