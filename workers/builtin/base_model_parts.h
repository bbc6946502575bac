// base_model_parts.h — what the builtin text-to-image models (builtin:tiny-sd, builtin:tiny-flux)
// share: the CLIP tokenizer files and text tower of the CLIP trained without hanok (their
// prompt reader), the latent posteriors of a world pool under the tiny VAE, the batches drawn
// from the pool, and EMA weights.
#pragma once
#include <filesystem>
#include <vector>

#include "core/shard.h"
#include "workers/builtin/world_pool.h"
#include "workers/data/rng.h"
#include "workers/models/autoencoder_kl.h"
#include "workers/models/clip_text_model.h"
#include "workers/models/clip_vision_model.h"

namespace tunegrid {

// The four CLIPTokenizer files of a CLIP folder copied into `to` (created).
void copy_clip_tokenizer(const std::filesystem::path& clip_dir, const std::filesystem::path& to);

// The text tower of a CLIPModel as a CLIPTextModel (the same text_model.* weights), in eval mode.
CLIPTextModel clip_text_tower(CLIPModel& clip);

// The VAE posterior (mean and std, [N, C, h, w]) of every image, encoded 256 at a time.
struct LatentPosteriors {
  at::Tensor mean, std;
};
LatentPosteriors encode_posteriors(AutoencoderKL& vae, const ImageBatch& images);
// z = mean + std · ε of examples `index` (ε from the global generator), in the VAE's raw scale.
at::Tensor posterior_sample(const LatentPosteriors& posteriors, const std::vector<std::int64_t>& index);

// A training batch drawn from a world pool: `count` image indices, each with one of its
// captions, or with probability `caption_dropout` the empty caption (classifier-free guidance).
struct PoolBatch {
  std::vector<std::int64_t> index;
  std::vector<std::string> captions;
};
PoolBatch draw_pool_batch(const WorldPool& pool, int count, double caption_dropout, Rng& rng);

// An exponential moving average of a module's parameters with diffusers' warm-up
// (decay min(`decay`, (1 + step) / (10 + step))); `copy_to` writes it into the parameters.
class ParameterAverage {
 public:
  ParameterAverage(const std::vector<at::Tensor>& parameters, double decay);
  void update(int step);
  void copy_to();

 private:
  std::vector<at::Tensor> parameters_, average_;
  double decay_;
};

}  // namespace tunegrid
