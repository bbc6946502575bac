// training_examples.cpp — see training_examples.h.
#include "workers/methods/training_examples.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include <numeric>
#include <utility>

#include "core/image_io.h"
#include "workers/data/image_folder.h"
#include "workers/methods/denoiser_training.h"
#include "workers/methods/finetune_method.h"
#include "workers/methods/rescale_augmentation.h"
#include "workers/methods/training_loop.h"
#include "workers/parallel/data_parallel.h"

namespace tunegrid {

std::int64_t ExampleOrder::at(std::int64_t g) {
  const std::int64_t epoch = g / size_;
  if (epoch != epoch_) {
    permutation_.resize(static_cast<std::size_t>(size_));
    std::iota(permutation_.begin(), permutation_.end(), 0);
    Rng rng(mix_seed(seed_, static_cast<std::uint64_t>(epoch)));
    for (int i = size_ - 1; i > 0; --i) std::swap(permutation_[static_cast<std::size_t>(i)],
                                                  permutation_[static_cast<std::size_t>(rng.below(i + 1))]);
    epoch_ = epoch;
  }
  return permutation_[static_cast<std::size_t>(g % size_)];
}

ExampleStreams example_streams(std::uint64_t seed, std::int64_t micro_step, int example) {
  const std::uint64_t base =
      mix_seed(mix_seed(seed, static_cast<std::uint64_t>(micro_step)), static_cast<std::uint64_t>(example));
  return {Rng(mix_seed(base, 1)), at::make_generator<at::CPUGeneratorImpl>(mix_seed(base, 2))};
}

TrainingExamples::TrainingExamples(const FineTuneSettings& settings, const TrainingSet& instances,
                                   const TrainingSet* prior, const FineTuneMethod& method)
    : settings_(settings),
      instances_(instances),
      prior_(prior),
      method_(method),
      instance_order_(instances.size(), mix_seed(settings.seed, 0x1a5)),
      prior_order_(prior ? prior->size() : 1, mix_seed(settings.seed, 0x9e1)) {}

MicroBatch TrainingExamples::deal(DenoiserTraining& family, std::int64_t micro_step, int rank, int ranks) {
  // This rank's share [first, last) of the micro-step's batch_size examples (and of its
  // prior examples).
  const auto [first, last] = batch_share(settings_.batch_size, rank, ranks);
  MicroBatch batch;
  batch.local = last - first;
  batch.with_prior = prior_ != nullptr;
  std::vector<std::int64_t> index;
  std::vector<bool> flipped;
  deal_instances(batch, micro_step, first, last, index, flipped);
  if (batch.local == 0) return batch;
  batch.latents = settings_.rescale_augmentation
                      ? rescaled_latents(batch, family, index, flipped)
                      : family.stored_latents(instances_, index, flipped, batch.streams, 0);
  if (prior_) add_prior(batch, family, micro_step, first, last);
  return batch;
}

// Instance example e draws its flip, then its caption, from its own stream.
void TrainingExamples::deal_instances(MicroBatch& batch, std::int64_t micro_step, int first, int last,
                                      std::vector<std::int64_t>& index, std::vector<bool>& flipped) {
  const int examples = settings_.batch_size;
  for (int e = first; e < last; ++e) {
    batch.streams.push_back(example_streams(settings_.seed, micro_step, e));
    index.push_back(instance_order_.at(micro_step * examples + e));
    flipped.push_back(batch.streams.back().rng.unit() < settings_.data.flip_probability);
    batch.captions.push_back(training_caption(settings_.data, instances_, static_cast<int>(index.back()),
                                              method_.concept_text(), batch.streams.back().rng));
  }
}

// Prior example e is example batch_size + e of the micro-step (its streams); its caption is its
// class caption. Its latents follow the instance latents.
void TrainingExamples::add_prior(MicroBatch& batch, DenoiserTraining& family, std::int64_t micro_step, int first,
                                 int last) {
  const int examples = settings_.batch_size;
  std::vector<std::int64_t> prior_index;
  std::vector<bool> prior_flipped;
  for (int e = first; e < last; ++e) {
    batch.streams.push_back(example_streams(settings_.seed, micro_step, examples + e));
    prior_index.push_back(prior_order_.at(micro_step * examples + e));
    prior_flipped.push_back(batch.streams.back().rng.unit() < settings_.data.flip_probability);
    batch.captions.push_back(prior_->captions[static_cast<std::size_t>(prior_index.back())]);
  }
  batch.latents = at::cat({batch.latents, family.stored_latents(*prior_, prior_index, prior_flipped, batch.streams,
                                                                static_cast<std::size_t>(batch.local))});
}

// Custom Diffusion's examples: rescaled (and maybe mirrored) images encoded now, their loss
// masks [local, 1, h, w], the caption prefixes put in front of their captions.
at::Tensor TrainingExamples::rescaled_latents(MicroBatch& batch, DenoiserTraining& family,
                                              const std::vector<std::int64_t>& index,
                                              const std::vector<bool>& flipped) {
  const int factor = family.latent_downscale();
  ImageBatch images;
  std::vector<float> mask_values;
  for (std::size_t k = 0; k < index.size(); ++k) {
    ImageBatch image = image_at(instances_.images, index[k]);
    if (flipped[k]) image = flip_horizontal(image);
    RescaledExample example = rescale_augment(image, factor, batch.streams[k].rng);
    batch.captions[k] = example.caption_prefix + batch.captions[k];
    images.height = images.width = example.image.height;
    images.pixels.insert(images.pixels.end(), example.image.pixels.begin(), example.image.pixels.end());
    ++images.count;
    mask_values.insert(mask_values.end(), example.mask.begin(), example.mask.end());
  }
  at::Tensor latents = family.encode_images(images, batch.streams);
  at::NoGradGuard no_grad;
  const auto cells = images.height / factor;
  batch.masks = at::tensor(mask_values).view({images.count, 1, cells, cells}).to(latents.device());
  return latents;
}

}  // namespace tunegrid
