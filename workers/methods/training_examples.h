// training_examples.h — which examples each micro-step of the fine-tuning loop
// (training_loop.h) trains on and the random streams they draw from, as diffusers' example
// scripts deal them (train_text_to_image.py, train_dreambooth.py, train_custom_diffusion.py):
// instance examples in per-epoch shuffles with a random horizontal flip and a caption per
// example; with prior preservation (DreamBooth) as many class examples after them, in a
// shuffle of their own, with the class caption; with Custom Diffusion's augmentation
// (rescale_augmentation.h) the instance images rescaled, encoded now, with loss masks and
// caption prefixes. Unlike the scripts' DataLoader every draw of example e of micro-step k
// comes from streams seeded by (seed, k, e), so the examples a rank takes
// (workers/parallel/data_parallel.h) come out the same whatever the number of ranks, and a
// resumed run's as an uninterrupted run's.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "workers/data/rng.h"
#include "workers/methods/training_set.h"

namespace tunegrid {

class DenoiserTraining;
class FineTuneMethod;
struct FineTuneSettings;

// Examples dealt in per-epoch shuffles: the g-th example drawn is perm(g / N)[g % N].
class ExampleOrder {
 public:
  ExampleOrder(int size, std::uint64_t seed) : size_(size), seed_(seed) {}
  std::int64_t at(std::int64_t g);

 private:
  int size_;
  std::uint64_t seed_;
  std::int64_t epoch_ = -1;
  std::vector<std::int64_t> permutation_;
};

// The random streams of one example: example e of micro-step k draws its flip, caption and
// rescaling from `rng` and its VAE posterior noise, diffusion noise and timestep from
// `noise`, both seeded by (seed, k, e).
struct ExampleStreams {
  Rng rng;
  at::Generator noise;
};

ExampleStreams example_streams(std::uint64_t seed, std::int64_t micro_step, int example);

// This rank's examples of one micro-step: `local` instance rows, then (with a prior set) as
// many prior rows, each with its streams and caption.
struct MicroBatch {
  int local = 0;                        // instance examples this rank takes (0: none this micro-step)
  bool with_prior = false;              // prior rows follow the instance rows
  std::vector<ExampleStreams> streams;  // per row
  std::vector<std::string> captions;    // per row
  at::Tensor latents;                   // [rows, C, h, w] clean latents (undefined when local is 0)
  at::Tensor masks;                     // Custom Diffusion: [local, 1, h, w] loss masks; else undefined
};

class TrainingExamples {
 public:
  // `settings`, the sets and `method` (its concept text) must outlive this.
  TrainingExamples(const FineTuneSettings& settings, const TrainingSet& instances, const TrainingSet* prior,
                   const FineTuneMethod& method);

  // Deals this rank's share of micro-step `micro_step` (rank of ranks) and encodes its latents
  // with `family`: the examples and their random streams of a one-rank run.
  MicroBatch deal(DenoiserTraining& family, std::int64_t micro_step, int rank, int ranks);

 private:
  void deal_instances(MicroBatch& batch, std::int64_t micro_step, int first, int last,
                      std::vector<std::int64_t>& index, std::vector<bool>& flipped);
  void add_prior(MicroBatch& batch, DenoiserTraining& family, std::int64_t micro_step, int first, int last);
  at::Tensor rescaled_latents(MicroBatch& batch, DenoiserTraining& family, const std::vector<std::int64_t>& index,
                              const std::vector<bool>& flipped);

  const FineTuneSettings& settings_;
  const TrainingSet& instances_;
  const TrainingSet* prior_;
  const FineTuneMethod& method_;
  ExampleOrder instance_order_, prior_order_;
};

}  // namespace tunegrid
