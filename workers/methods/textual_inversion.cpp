// textual_inversion.cpp — see textual_inversion.h.
#include "workers/methods/textual_inversion.h"
#include "workers/methods/stable_diffusion_base.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

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
  string_to_param.insert("*", embeds.to(at::kCPU, at::kFloat).contiguous());  // a .pt names its tensors' device
  c10::impl::GenericDict data(c10::StringType::get(), c10::AnyType::get());
  data.insert("string_to_token", string_to_token);
  data.insert("string_to_param", string_to_param);
  data.insert("name", placeholder_name(config_.placeholder_token));
  data.insert("step", static_cast<std::int64_t>(step));
  data.insert("sd_checkpoint", c10::IValue());
  data.insert("sd_checkpoint_name", c10::IValue());
  write_torch_save_file(dir / (placeholder_name(config_.placeholder_token) + ".pt"), data);
}

EmbeddingFile read_embedding_file(const std::filesystem::path& file) {
  EmbeddingFile embedding;
  if (file.extension() == ".pt" || file.extension() == ".bin") {
    const TorchSaveFile saved = read_torch_save(file);
    if (saved.root.kind != PickleValue::Kind::dict)
      throw InputError(fmt::format("{}: holds {}, expected a dict (an AUTOMATIC1111 embedding)", file.string(),
                                   saved.root.describe()));
    const PickleValue* params = saved.root.find("string_to_param");
    if (!params) throw InputError(file.string() + ": has no 'string_to_param' (not an AUTOMATIC1111 embedding)");
    if (params->kind != PickleValue::Kind::dict || params->entries.size() != 1)
      throw InputError(file.string() + ": 'string_to_param' must be a dict holding exactly one tensor");
    embedding.vectors = tensor_of(saved, params->entries.front().second, file.string() + " string_to_param");
    embedding.a1111 = true;
    if (const PickleValue* name = saved.root.find("name"); name && name->kind == PickleValue::Kind::text)
      embedding.file_token = name->text;
  } else {
    const auto tensors = load_tensors(file);
    if (tensors.size() != 1)
      throw InputError(fmt::format("{}: holds {} tensors; a textual inversion embedding file holds one", file.string(),
                                   tensors.size()));
    embedding.vectors = tensors.begin()->second;
    // AUTOMATIC1111 saves its safetensors embeddings under "emb_params"; diffusers under the token.
    embedding.a1111 = tensors.begin()->first == "emb_params" || tensors.begin()->first == "*";
    if (!embedding.a1111) embedding.file_token = tensors.begin()->first;
  }
  if (embedding.vectors.dim() == 1) embedding.vectors = embedding.vectors.unsqueeze(0);
  embedding.vectors = embedding.vectors.to(at::kFloat);
  return embedding;
}

std::vector<std::string> default_embedding_tokens(const std::filesystem::path& file, const EmbeddingFile& embedding) {
  if (!embedding.a1111) return {embedding.file_token};
  std::vector<std::string> tokens = {file.stem().string()};
  if (!embedding.file_token.empty() && embedding.file_token != tokens.front()) tokens.push_back(embedding.file_token);
  return tokens;
}

std::string add_embedding(StableDiffusion& model, const EmbeddingFile& embedding, const std::string& token,
                          const std::string& what) {
  const auto dim = model.text_encoder->text_model->config.hidden_size;
  if (embedding.vectors.dim() != 2 || embedding.vectors.size(1) != dim)
    throw InputError(fmt::format("{}: embedding of shape [{}], expected [n, {}] for this text encoder", what,
                                 fmt::join(embedding.vectors.sizes(), ", "), dim));
  const auto tokens = token_names(token, static_cast<int>(embedding.vectors.size(0)));
  add_token_embeddings(model, tokens, embedding.vectors, what);
  return fmt::format("{}", fmt::join(tokens, " "));
}

std::string load_textual_inversion(StableDiffusion& model, const std::filesystem::path& file, const std::string& token) {
  return add_embedding(model, read_embedding_file(file), token, file.string());
}

}  // namespace tunegrid
