// stable_diffusion_training.h — Stable Diffusion as a model family being fine-tuned
// (denoiser_training.h), as diffusers' train_text_to_image.py / train_dreambooth.py /
// train_custom_diffusion.py train it: latents a VAE posterior sample × scaling_factor,
// Gaussian noise and a timestep uniform in [0, T) per example, the noisy latent and the
// target of the scheduler's prediction_type (ε, v or x0) from DDPMScheduler
// (workers/diffusion/ddpm_scheduler.h), the UNet's prediction under the CLIP text context,
// min-SNR-γ weights for that prediction type, and validation images from txt2img.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "workers/diffusion/ddpm_scheduler.h"
#include "workers/methods/denoiser_training.h"
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

// The components mixed precision may cast (mixed_precision.h): the UNet's weights, the text encoder's.
std::vector<NamedTensors> low_precision_components(StableDiffusion& model);

class StableDiffusionTraining : public DenoiserTraining {
 public:
  // `trains_text_encoder`: encode captions with gradient at every step (the method trains the
  // text side); otherwise each caption is encoded once, without gradient, and kept.
  StableDiffusionTraining(StableDiffusion& model, bool trains_text_encoder)
      : model_(model), trains_text_encoder_(trains_text_encoder) {}

  int latent_downscale() const override;
  at::Tensor stored_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                            const std::vector<bool>& flipped, std::vector<ExampleStreams>& streams,
                            std::size_t first_stream) override;
  at::Tensor encode_images(const ImageBatch& images, std::vector<ExampleStreams>& streams) override;
  TextContext text_context(const std::vector<std::string>& captions) override;

  void start_training() override;
  NoisedLatents add_training_noise(const at::Tensor& latents, std::vector<ExampleStreams>& streams) const override;
  at::Tensor predict(const NoisedLatents& input, const TextContext& context) override;
  at::Tensor loss_weights(const at::Tensor& timesteps, double gamma) const override;

  std::vector<NamedTensors> low_precision_components() override;
  void set_gradient_checkpointing(bool enabled) override;

  void set_training(bool training) override;
  ImageBatch sample(const Txt2ImgOptions& options) override;

 private:
  const DDPMScheduler& noise_scheduler() const;

  StableDiffusion& model_;
  bool trains_text_encoder_;
  // Made by start_training: a run checks its settings and loads its checkpoint before it
  // reports a scheduler config that DDPMScheduler refuses.
  std::optional<DDPMScheduler> noise_scheduler_;
  std::unordered_map<std::string, at::Tensor> context_cache_;  // caption -> [L, d], frozen text side
};

}  // namespace tunegrid
