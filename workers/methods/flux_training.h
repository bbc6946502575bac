// flux_training.h — FLUX as a model family being fine-tuned (denoiser_training.h), as diffusers'
// train_dreambooth_lora_flux.py trains it (rectified flow): latents a VAE posterior sample,
// (z − shift_factor)·scaling_factor; per example Gaussian noise ε and u ~ the weighting
// scheme's timestep density (compute_density_for_timestep_sampling: uniform, logit-normal
// sigmoid(N(logit_mean, logit_std²)), or "mode" with mode_scale), the training schedule's
// σ at index ⌊u·T⌋ (FlowMatchEulerDiscreteScheduler as configured: unshifted for FLUX.1-dev's
// dynamic shifting), noisy = (1 − σ)·x₀ + σ·ε, target ε − x₀, and a loss weight per example
// (compute_loss_weighting_for_sd3: sigma_sqrt 1/σ², cosmap 2/(π(1 − 2σ + 2σ²)), else 1). The
// transformer predicts from the packed noisy latents at timestep σ, with guidance_scale
// embedded for guidance-distilled models, under T5 states (max_sequence_length tokens) and
// CLIP's pooled text; its prediction is unpacked to [rows, C, h, w]. Validation images come
// from flux_pipeline.h.
#pragma once
#include <optional>
#include <string>
#include <unordered_map>

#include "workers/diffusion/flow_match_euler_scheduler.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/methods/denoiser_training.h"
#include "workers/models/flux.h"

namespace tunegrid {

struct FluxTrainingOptions {
  std::string weighting_scheme = "none";  // none | sigma_sqrt | logit_normal | mode | cosmap
  double logit_mean = 0.0, logit_std = 1.0, mode_scale = 1.29;
  double guidance_scale = 3.5;    // embedded when the transformer has guidance_embeds
  int max_sequence_length = 0;  // T5 tokens of a caption; 0: tokenizer_2's default_max_length() (512 for FLUX.1)
  bool trains_text_encoder = false;
};

// u in [0, 1) for one example from `source` (compute_density_for_timestep_sampling).
double flux_timestep_density(const FluxTrainingOptions& options, at::Generator& source);
// The loss weight of an example at σ (compute_loss_weighting_for_sd3).
at::Tensor flux_loss_weights(const std::string& weighting_scheme, const at::Tensor& sigmas);

class FluxTraining : public DenoiserTraining {
 public:
  FluxTraining(Flux& model, FluxTrainingOptions options);

  int latent_downscale() const override;
  at::Tensor stored_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                            const std::vector<bool>& flipped, std::vector<ExampleStreams>& streams,
                            std::size_t first_stream) override;
  at::Tensor encode_images(const ImageBatch& images, std::vector<ExampleStreams>& streams) override;
  TextContext text_context(const std::vector<std::string>& captions) override;

  void start_training() override;
  NoisedLatents add_training_noise(const at::Tensor& latents, std::vector<ExampleStreams>& streams) const override;
  at::Tensor predict(const NoisedLatents& input, const TextContext& context) override;
  // FLUX has no min-SNR-γ: its weighting_scheme weights the loss (NoisedLatents::weights).
  at::Tensor loss_weights(const at::Tensor& timesteps, double gamma) const override;

  std::vector<NamedTensors> low_precision_components() override;
  void set_gradient_checkpointing(bool enabled) override;

  void set_training(bool training) override;
  ImageBatch sample(const Txt2ImgOptions& options) override;

 private:
  Flux& model_;
  FluxTrainingOptions options_;
  FlowMatchEulerScheduler training_schedule_;  // the scheduler as constructed: σ of each training timestep
  std::unordered_map<std::string, std::pair<at::Tensor, at::Tensor>> context_cache_;  // frozen text side
};

}  // namespace tunegrid
