// base_model_parts.cpp — see base_model_parts.h.
#include "workers/builtin/base_model_parts.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "workers/eval/clip_preprocess.h"

namespace tunegrid {

void copy_clip_tokenizer(const std::filesystem::path& clip_dir, const std::filesystem::path& to) {
  std::filesystem::create_directories(to);
  for (const char* file : {"vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"})
    std::filesystem::copy_file(clip_dir / file, to / file, std::filesystem::copy_options::overwrite_existing);
}

CLIPTextModel clip_text_tower(CLIPModel& clip) {
  CLIPTextModel text(clip->text_model->config, false);
  at::NoGradGuard no_grad;
  auto source = clip->text_model->named_parameters();
  for (auto& item : text->text_model->named_parameters()) item.value().copy_(source[item.key()]);
  text->eval();
  return text;
}

LatentPosteriors encode_posteriors(AutoencoderKL& vae, const ImageBatch& images) {
  at::NoGradGuard no_grad;
  const at::Tensor pixels = images_to_tensor(images);
  std::vector<at::Tensor> means, stds;
  for (std::int64_t i = 0; i < pixels.size(0); i += 256) {
    const DiagonalGaussian posterior = vae->encode(pixels.slice(0, i, i + 256));
    means.push_back(posterior.mean);
    stds.push_back(posterior.std);
  }
  return {at::cat(means), at::cat(stds)};
}

PoolBatch draw_pool_batch(const WorldPool& pool, int count, double caption_dropout, Rng& rng) {
  PoolBatch batch;
  batch.index.resize(static_cast<std::size_t>(count));
  for (auto& i : batch.index) {
    i = rng.below(static_cast<int>(pool.size()));
    const bool drop = rng.unit() < caption_dropout;
    batch.captions.push_back(drop ? std::string() : pool.caption(static_cast<std::size_t>(i), rng.next()));
  }
  return batch;
}

at::Tensor posterior_sample(const LatentPosteriors& posteriors, const std::vector<std::int64_t>& index) {
  const at::Tensor chosen = at::tensor(index);
  const at::Tensor mean = posteriors.mean.index_select(0, chosen);
  return mean + posteriors.std.index_select(0, chosen) * at::randn_like(mean);
}

ParameterAverage::ParameterAverage(const std::vector<at::Tensor>& parameters, double decay)
    : parameters_(parameters), decay_(decay) {
  for (const auto& p : parameters_) average_.push_back(p.detach().clone());
}

void ParameterAverage::update(int step) {
  at::NoGradGuard no_grad;
  const double decay = std::min(decay_, (1.0 + step) / (10.0 + step));
  for (std::size_t k = 0; k < parameters_.size(); ++k) average_[k].mul_(decay).add_(parameters_[k].detach(), 1.0 - decay);
}

void ParameterAverage::copy_to() {
  at::NoGradGuard no_grad;
  for (std::size_t k = 0; k < parameters_.size(); ++k) parameters_[k].copy_(average_[k]);
}

}  // namespace tunegrid
