// stable_diffusion.h — a Stable Diffusion model folder in diffusers layout
// (model_index.json; tokenizer/, text_encoder/, unet/, vae/, scheduler/), loaded into
// tunegrid's components. The same code loads the tiny builtin models and real SD 1.x / 2.x
// checkpoints.
#pragma once
#include <filesystem>
#include <memory>

#include "workers/diffusion/scheduler_config.h"
#include "workers/models/autoencoder_kl.h"
#include "workers/models/clip_text_model.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/models/unet_2d_condition.h"

namespace tunegrid {

struct StableDiffusion {
  std::filesystem::path dir;
  std::shared_ptr<CLIPTokenizer> tokenizer;
  CLIPTextModel text_encoder{nullptr};
  UNet2DConditionModel unet{nullptr};
  AutoencoderKL vae{nullptr};
  SchedulerConfig scheduler;

  // Image size the UNet was trained at: unet sample_size × the VAE's downscale factor.
  int default_image_size() const;
  // Moves the text encoder, UNet and VAE (those loaded) to `device`; where the weights are
  // (the UNet's, else the VAE's, else the text encoder's: pretraining builds them one by one).
  void to(const c10::Device& device);
  c10::Device device() const;
};

// Throws InputError naming the folder and the missing or malformed component.
StableDiffusion load_stable_diffusion(const std::filesystem::path& dir);

// Writes a complete diffusers folder (model_index.json, unet/, vae/, text_encoder/, and the
// tokenizer and scheduler files of the folder the model came from), so a fully fine-tuned
// model reopens in diffusers' StableDiffusionPipeline.from_pretrained.
void save_stable_diffusion(StableDiffusion& model, const std::filesystem::path& dir);

}  // namespace tunegrid
