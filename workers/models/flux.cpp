// flux.cpp — see flux.h.
#include "workers/models/flux.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/model_config.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

int Flux::vae_scale_factor() const { return vae->downscale_factor(); }

int Flux::default_image_size() const { return vae->config.sample_size; }

void Flux::to(const c10::Device& device) {
  text_encoder->to(device);
  text_encoder_2->to(device);
  transformer->to(device);
  vae->to(device);
}

c10::Device Flux::device() const { return transformer->parameters().front().device(); }

bool is_flux_folder(const std::filesystem::path& dir) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(dir / "model_index.json", error)) return false;
  return open_model_index(dir).get_string("_class_name", std::string()) == "FluxPipeline";
}

namespace {

void check_components_fit(const Flux& model) {
  const auto& transformer = model.transformer->config;
  const auto fail = [&](const std::string& what, int found, int expected) {
    throw InputError(fmt::format("{}: {} is {}, but the transformer expects {}", model.dir.string(), what, found,
                                 expected));
  };
  if (model.text_encoder->text_model->config.hidden_size != transformer.pooled_projection_dim)
    fail("text_encoder's hidden_size", model.text_encoder->text_model->config.hidden_size,
         transformer.pooled_projection_dim);
  if (model.text_encoder_2->config.d_model != transformer.joint_attention_dim)
    fail("text_encoder_2's d_model", model.text_encoder_2->config.d_model, transformer.joint_attention_dim);
  if (4 * model.vae->config.latent_channels != transformer.in_channels)
    fail("4 × the VAE's latent_channels (2×2 packing)", 4 * model.vae->config.latent_channels, transformer.in_channels);
}

}  // namespace

Flux load_flux(const std::filesystem::path& dir) {
  const JsonConfig index = open_model_index(dir);
  const std::string pipeline = index.get_string("_class_name", std::string());
  if (pipeline != "FluxPipeline") index.fail("_class_name", "'" + pipeline + "'; expected FluxPipeline");
  std::error_code error;
  for (const char* component : {"tokenizer", "text_encoder", "tokenizer_2", "text_encoder_2", "transformer", "vae",
                                "scheduler"})
    if (!std::filesystem::is_directory(dir / component, error))
      throw InputError(fmt::format("{}: missing the {}/ folder that model_index.json lists", dir.string(), component));
  Flux model;
  model.dir = dir;
  model.tokenizer = std::make_shared<CLIPTokenizer>(dir / "tokenizer");
  model.text_encoder = load_clip_text_model(dir / "text_encoder");
  model.tokenizer_2 = std::make_shared<T5Tokenizer>(dir / "tokenizer_2");
  model.text_encoder_2 = load_t5_encoder(dir / "text_encoder_2");
  model.transformer = load_flux_transformer(dir / "transformer");
  model.vae = load_vae(dir / "vae");
  model.scheduler = FlowMatchSchedulerConfig::from_file(dir / "scheduler" / "scheduler_config.json");
  check_components_fit(model);
  return model;
}

void save_flux(Flux& model, const std::filesystem::path& dir) {
  const nlohmann::json index = {{"_class_name", "FluxPipeline"},
                                {"_diffusers_version", kDiffusersVersion},
                                {"feature_extractor", {nullptr, nullptr}},
                                {"image_encoder", {nullptr, nullptr}},
                                {"scheduler", {"diffusers", "FlowMatchEulerDiscreteScheduler"}},
                                {"text_encoder", {"transformers", "CLIPTextModel"}},
                                {"text_encoder_2", {"transformers", "T5EncoderModel"}},
                                {"tokenizer", {"transformers", "CLIPTokenizer"}},
                                {"tokenizer_2", {"transformers", "T5TokenizerFast"}},
                                {"transformer", {"diffusers", "FluxTransformer2DModel"}},
                                {"vae", {"diffusers", "AutoencoderKL"}}};
  std::filesystem::create_directories(dir);
  save_flux_transformer(model.transformer, dir / "transformer");
  save_vae(model.vae, dir / "vae");
  save_clip_text_model(model.text_encoder, dir / "text_encoder");
  save_t5_encoder(model.text_encoder_2, dir / "text_encoder_2");
  std::filesystem::create_directories(dir / "scheduler");
  write_file_atomically(dir / "scheduler" / "scheduler_config.json", model.scheduler.to_json());
  for (const char* component : {"tokenizer", "tokenizer_2"}) copy_component_files(model.dir / component, dir / component);
  write_file_atomically(dir / "model_index.json", index.dump(2) + "\n");  // last: marks the folder complete
}

}  // namespace tunegrid
