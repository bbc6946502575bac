// training_loop.h — the one training loop every fine-tuning method shares, as diffusers'
// example scripts (train_text_to_image / textual_inversion / train_dreambooth[_lora] /
// train_custom_diffusion) run it: a training example's VAE posterior sample × scaling_factor,
// Gaussian noise, a timestep uniform in [0, T), the noisy latent, the target of the
// scheduler's prediction_type (ε or v), the UNet's prediction under the caption's text
// context, MSE per example with optional min-SNR-γ weights (Hang et al. 2023), prior
// preservation (DreamBooth: a class batch after the instance batch, loss = instance +
// λ·prior), Custom Diffusion's rescaled images with a masked instance loss
// (rescale_augmentation.h), gradient accumulation, gradient-norm clipping, AdamW (adamw.h) at
// the schedule's rate (learning_rate_schedule.h), then the method's after_step. The loop is
// written against a model family being fine-tuned (denoiser_training.h; Stable Diffusion:
// stable_diffusion_training.h), deals its examples with training_examples.h and keeps its
// checkpoints with training_checkpoints.h. It runs in mixed precision (fp16 with loss scaling,
// bf16; mixed_precision.h) and with gradient checkpointing when the settings ask.
//
// Determinism: every random draw for example e of micro-step k (its flip, caption, latent
// noise, diffusion noise, timestep) comes from streams seeded by (seed, k, e), and examples
// are dealt in per-epoch shuffles seeded by (seed, epoch); a run resumed from a checkpoint
// therefore continues bitwise as the uninterrupted run would (on the CPU), and a group of
// ranks training data-parallel (`communicator`: each rank takes its share of every batch,
// gradients summed in buckets, workers/parallel/data_parallel.h) takes the steps one rank
// would, up to floating-point summation order. Checkpoints
// (`checkpoint_every`) hold the trainable tensors, the optimizer state and the loss so far in
// CHECKPOINTS/step-NNNNNN/state.safetensors; run_finetune starts from the newest one there.
// A NaN or infinite loss stops the job with the step and the value (with fp16, the step is
// skipped and counted instead, as GradScaler does, until 50 in a row stop it). After every step the
// loop polls core/stop_request.h: on a stop request or past the job's deadline it writes a
// checkpoint (whatever checkpoint_every says, when `checkpoints` is given) and throws
// Preempted or JobTimedOut.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/methods/adamw.h"
#include "workers/methods/prodigy.h"
#include "workers/methods/finetune_method.h"
#include "workers/methods/training_checkpoints.h"  // latest_checkpoint
#include "workers/methods/training_set.h"

namespace tunegrid {

class Communicator;
class DenoiserTraining;

struct FineTuneSettings {
  TrainingSetOptions data;
  int steps = 500;                    // optimizer steps
  int batch_size = 1;                 // examples per micro-step (per half with prior preservation)
  int gradient_accumulation = 1;      // micro-steps per optimizer step
  double learning_rate = 1e-4;
  bool scale_lr = false;              // diffusers: lr × accumulation × batch × processes
  std::string lr_scheduler = "constant";
  int warmup_steps = 0;
  std::string optimizer = "adamw";    // "adamw" | "prodigy" (learning_rate is then d's multiplier)
  AdamWOptions adam;
  ProdigyOptions prodigy;
  double max_grad_norm = 1.0;         // <= 0: no clipping
  double min_snr_gamma = 0.0;         // <= 0: plain MSE
  double prior_loss_weight = 1.0;     // λ of the prior (class) batch, when there is one
  bool rescale_augmentation = false;  // Custom Diffusion: rescaled instance images, masked loss
  std::uint64_t seed = 0;
  int checkpoint_every = 0;           // steps between checkpoints (0: none)
  int checkpoints_total_limit = 0;    // keep the newest N checkpoints (0: all), as diffusers
  int sample_every = 0;               // steps between sample images (0: none)
  std::string sample_prompt = "{}";   // "{}" is the concept text
  int sample_images = 2, sample_steps = 25;
  double sample_guidance = 7.5;
  // Mixed precision (mixed_precision.h): "no", "fp16" (dynamic loss scaling from
  // initial_loss_scale) or "bf16"; gradient checkpointing recomputes the denoiser's blocks
  // (and the text encoder's layers when it trains) in backward instead of keeping them.
  std::string mixed_precision = "no";
  double initial_loss_scale = 65536.0;
  bool gradient_checkpointing = false;
  // Data parallelism: the job's group (nullptr or a group of one: this rank alone) and the
  // gradient bucket size. Neither changes the trajectory, so neither is in a checkpoint's key.
  Communicator* communicator = nullptr;
  std::int64_t bucket_bytes = 25ll << 20;
};

struct FineTuneRun {
  std::vector<float> loss;                  // per optimizer step, from step 0 (resumed runs included)
  int resumed_from = 0;                     // the checkpoint's step (0: fresh start)
  int skipped_steps = 0;                    // fp16: steps skipped for inf / NaN gradients (resumed runs included)
  double train_seconds = 0, sample_seconds = 0;
  std::vector<ImageBatch> samples;          // "sample_step_<N>" every sample_every steps
};

// Trains `method` (already attached to `model`) on `instances` (and `prior`, when given:
// class images with their class caption). `checkpoints` is the folder of the job's
// checkpoints (empty path: no checkpoints, no resume). `what` names the job in errors.
FineTuneRun run_finetune(StableDiffusion& model, FineTuneMethod& method, const FineTuneSettings& settings,
                         const TrainingSet& instances, const TrainingSet* prior,
                         const std::filesystem::path& checkpoints, const std::string& what);

// The same for any model family being fine-tuned (the overload above trains Stable Diffusion
// through StableDiffusionTraining); `method` is attached to the family's model.
FineTuneRun run_finetune(DenoiserTraining& family, FineTuneMethod& method, const FineTuneSettings& settings,
                         const TrainingSet& instances, const TrainingSet* prior,
                         const std::filesystem::path& checkpoints, const std::string& what);

}  // namespace tunegrid
