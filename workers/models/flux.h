// flux.h — a FLUX model folder in diffusers layout (model_index.json `_class_name` FluxPipeline;
// tokenizer/ + text_encoder/ a CLIP whose pooled output conditions the transformer, tokenizer_2/
// + text_encoder_2/ a T5 encoder whose states it attends to, transformer/ a FluxTransformer2DModel,
// vae/ an AutoencoderKL with 16 latent channels and a shift_factor, scheduler/ a
// FlowMatchEulerDiscreteScheduler), loaded into tunegrid's components. The same code loads the
// tiny test folders and FLUX.1-dev / FLUX.1-schnell (whose checkpoints are sharded).
#pragma once
#include <filesystem>
#include <memory>

#include "workers/diffusion/flow_match_euler_scheduler.h"
#include "workers/models/autoencoder_kl.h"
#include "workers/models/clip_text_model.h"
#include "workers/models/clip_tokenizer.h"
#include "workers/models/flux_transformer.h"
#include "workers/models/t5_encoder.h"
#include "workers/models/t5_tokenizer.h"

namespace tunegrid {

struct Flux {
  std::filesystem::path dir;
  std::shared_ptr<CLIPTokenizer> tokenizer;
  CLIPTextModel text_encoder{nullptr};
  std::shared_ptr<T5Tokenizer> tokenizer_2;
  T5EncoderModel text_encoder_2{nullptr};
  FluxTransformer2DModel transformer{nullptr};
  AutoencoderKL vae{nullptr};
  FlowMatchSchedulerConfig scheduler;

  // Pixels per latent cell: 2^(VAE blocks − 1) (8 for FLUX.1); images are a multiple of twice that.
  int vae_scale_factor() const;
  // The VAE's sample_size (1024 for FLUX.1, what FluxPipeline's 128 × 8 gives).
  int default_image_size() const;
  void to(const c10::Device& device);
  c10::Device device() const;
};

// True when DIR/model_index.json names FluxPipeline.
bool is_flux_folder(const std::filesystem::path& dir);

// Throws InputError naming the folder and the missing or mismatched component.
Flux load_flux(const std::filesystem::path& dir);

// Writes a complete FluxPipeline folder (model_index.json last, transformer/, vae/,
// text_encoder/, text_encoder_2/, scheduler/, and the tokenizer files of the folder the model came
// from), which FluxPipeline.from_pretrained opens.
void save_flux(Flux& model, const std::filesystem::path& dir);

}  // namespace tunegrid
