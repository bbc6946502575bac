// denoiser_training.h — a model family being fine-tuned, as the shared training loop
// (training_loop.h) sees it: how it turns a batch of training examples into clean latents,
// how it draws the noise and timesteps of a training example and what its denoiser learns to
// predict (the prediction target), how the denoiser predicts under a caption's text context,
// the loss weights of min-SNR-γ, its training / evaluation mode and how it samples validation
// images. Stable Diffusion implements it
// (stable_diffusion_training.h: DDPM noising with ε or v targets, as diffusers'
// train_text_to_image.py / train_dreambooth.py); a rectified-flow family (FLUX, diffusers'
// train_dreambooth_lora_flux.py: noisy = (1 − σ)·x0 + σ·noise, target noise − x0, weights of
// its weighting_scheme; flux_training.h) fits the same calls. A family's BaseModel (base_model.h) makes it; the fine-tuning methods attach to the
// family's model itself (finetune_method.h's AttachesTo).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/shard.h"
#include "workers/diffusion/txt2img_options.h"
#include "workers/methods/finetune_method.h"  // NamedTensors
#include "workers/methods/training_examples.h"
#include "workers/methods/training_set.h"

namespace tunegrid {

// A batch of clean latents made ready for one training step.
struct NoisedLatents {
  at::Tensor noisy;      // [rows, C, h, w] the denoiser's input
  at::Tensor timesteps;  // [rows] where each row is on the noise schedule (the family's own units)
  at::Tensor target;     // [rows, C, h, w] what the denoiser learns to predict
  at::Tensor weights;    // [rows] the family's loss weight of each row (FLUX's weighting_scheme); undefined: 1
};

// The text conditioning of a batch of captions.
struct TextContext {
  at::Tensor states;  // [rows, L, d] what the denoiser attends to (CLIP's last states; FLUX: T5's)
  at::Tensor pooled;  // [rows, p] a pooled text vector (FLUX: CLIP's pooled output); undefined for Stable Diffusion
};

class DenoiserTraining {
 public:
  virtual ~DenoiserTraining() = default;

  // ---- encoding a batch ----
  // Image pixels per latent cell along each side (Custom Diffusion's loss masks).
  virtual int latent_downscale() const = 0;
  // Clean latents of examples `index` of `set` from its stored encodings (the mirror image's
  // where `flipped` says so); row k draws its encoder noise from streams[first_stream + k].noise.
  virtual at::Tensor stored_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                                    const std::vector<bool>& flipped, std::vector<ExampleStreams>& streams,
                                    std::size_t first_stream) = 0;
  // Clean latents of images encoded now, without gradient; row k draws its encoder noise from
  // streams[k].noise.
  virtual at::Tensor encode_images(const ImageBatch& images, std::vector<ExampleStreams>& streams) = 0;
  // The text context of each caption: with gradient when the text side trains.
  virtual TextContext text_context(const std::vector<std::string>& captions) = 0;

  // ---- the training objective ----
  // Called once before a run's first step: makes what training needs and puts the denoiser
  // in training mode.
  virtual void start_training() = 0;
  // Noise and a timestep for each row, drawn from streams[row].noise (noise first, then the
  // timestep, row by row), the noisy input and the prediction target.
  virtual NoisedLatents add_training_noise(const at::Tensor& latents, std::vector<ExampleStreams>& streams) const = 0;
  // The denoiser's prediction for `input` under `context`.
  virtual at::Tensor predict(const NoisedLatents& input, const TextContext& context) = 0;
  // Min-SNR-γ weights of the per-example losses at `timesteps` (Hang et al. 2023).
  virtual at::Tensor loss_weights(const at::Tensor& timesteps, double gamma) const = 0;

  // ---- memory and precision ----
  // The weights mixed precision may hold in its low precision, by component (mixed_precision.h):
  // the denoiser's, the text encoder's.
  virtual std::vector<NamedTensors> low_precision_components() = 0;
  // Gradient checkpointing on or off: the denoiser's blocks (and the text encoder's layers,
  // when they train) recomputed in backward (diffusers' enable_gradient_checkpointing).
  virtual void set_gradient_checkpointing(bool enabled) = 0;

  // ---- around training ----
  // Training mode (dropout and the like) on or off: off while sampling and after the run.
  virtual void set_training(bool training) = 0;
  // Validation images from the model as it is.
  virtual ImageBatch sample(const Txt2ImgOptions& options) = 0;
};

}  // namespace tunegrid
