// stable_diffusion.cpp — see stable_diffusion.h.
#include "workers/models/stable_diffusion.h"

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/errors.h"
#include "workers/models/model_config.h"
#include "workers/models/reference_versions.h"

namespace tunegrid {

int StableDiffusion::default_image_size() const { return unet->config.sample_size * vae->downscale_factor(); }

void StableDiffusion::to(const c10::Device& device) {
  if (text_encoder) text_encoder->to(device);
  if (unet) unet->to(device);
  if (vae) vae->to(device);
}

c10::Device StableDiffusion::device() const {
  if (unet) return unet->parameters().front().device();
  if (vae) return vae->parameters().front().device();
  if (text_encoder) return text_encoder->parameters().front().device();
  return c10::Device(c10::kCPU);  // nothing loaded yet
}

StableDiffusion load_stable_diffusion(const std::filesystem::path& dir) {
  const JsonConfig index = open_model_index(dir);
  const std::string pipeline = index.get_string("_class_name", std::string("StableDiffusionPipeline"));
  if (pipeline != "StableDiffusionPipeline")
    index.fail("_class_name", "'" + pipeline + "'; tunegrid loads StableDiffusionPipeline folders here");
  std::error_code error;
  for (const char* component : {"tokenizer", "text_encoder", "unet", "vae", "scheduler"})
    if (!std::filesystem::is_directory(dir / component, error))
      throw InputError(fmt::format("{}: missing the {}/ folder that model_index.json lists", dir.string(), component));
  StableDiffusion model;
  model.dir = dir;
  model.tokenizer = std::make_shared<CLIPTokenizer>(dir / "tokenizer");
  model.text_encoder = load_clip_text_model(dir / "text_encoder");
  model.unet = load_unet(dir / "unet");
  model.vae = load_vae(dir / "vae");
  model.scheduler = read_scheduler_config(dir / "scheduler" / "scheduler_config.json");
  if (model.vae->config.shift_factor != 0)
    throw InputError(fmt::format("{}: vae/config.json has shift_factor {}, which Stable Diffusion pipelines do not apply "
                                 "(a FLUX or SD3 VAE?)", dir.string(), model.vae->config.shift_factor));
  if (model.text_encoder->text_model->config.hidden_size != model.unet->config.cross_attention_dim)
    throw InputError(fmt::format("{}: the text encoder's hidden_size ({}) differs from the UNet's cross_attention_dim ({})",
                                 dir.string(), model.text_encoder->text_model->config.hidden_size,
                                 model.unet->config.cross_attention_dim));
  return model;
}

void save_stable_diffusion(StableDiffusion& model, const std::filesystem::path& dir) {
  const nlohmann::json index = {{"_class_name", "StableDiffusionPipeline"},
                                {"_diffusers_version", kDiffusersVersion},
                                {"feature_extractor", {nullptr, nullptr}},
                                {"safety_checker", {nullptr, nullptr}},
                                {"requires_safety_checker", false},
                                {"scheduler", {"diffusers", model.scheduler.class_name.empty() ? "DDIMScheduler"
                                                                                              : model.scheduler.class_name}},
                                {"text_encoder", {"transformers", "CLIPTextModel"}},
                                {"tokenizer", {"transformers", "CLIPTokenizer"}},
                                {"unet", {"diffusers", "UNet2DConditionModel"}},
                                {"vae", {"diffusers", "AutoencoderKL"}}};
  std::filesystem::create_directories(dir);
  save_unet(model.unet, dir / "unet");
  save_vae(model.vae, dir / "vae");
  save_clip_text_model(model.text_encoder, dir / "text_encoder");
  for (const char* component : {"tokenizer", "scheduler"}) copy_component_files(model.dir / component, dir / component);
  write_file_atomically(dir / "model_index.json", index.dump(2) + "\n");  // last: marks the folder complete
}

}  // namespace tunegrid
