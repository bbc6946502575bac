// training_set.h — the images a fine-tuning job learns from, made ready once per job: the
// first `train_images` items of a data reference (builtin:scenes?..., an image folder with
// kohya-style .txt captions), resized to the training resolution, encoded by the frozen VAE
// (posterior mean and std of each image and of its mirror image, so the per-step latent is
// a fresh posterior sample as in diffusers' scripts), and the caption of each training
// example: a random prompt template ("a photo of a {}", diffusers' Textual Inversion) or
// the image's own caption with its concept word replaced (the Hanok paper: "a hanok in the
// fire" -> "<hanok> in the fire"), "{}" standing for the method's concept text — or, for
// Custom Diffusion's joint multi-concept training, for the text of the concept the image
// belongs to (the sets of the concepts appended into one, as diffusers' concepts_list).
#pragma once
#include <string>
#include <vector>

#include <ATen/core/Tensor.h>

#include "core/shard.h"
#include "workers/data/rng.h"
#include "workers/models/stable_diffusion.h"
#include "workers/methods/prompt_templates.h"

namespace tunegrid {

struct TrainingSetOptions {
  std::string data;                          // data reference
  int train_images = 0;                      // the first N items (0: all); more than the data has: InputError
  int resolution = 0;                        // pixels (0: the model's default size)
  double flip_probability = 0.5;             // chance a step sees the mirror image
  std::string captions = "template";         // "template" | "data" | "class"
  std::vector<std::string> prompt_templates;  // "template", "class": each contains "{}"
  std::string concept_word = "hanok";        // "data": the word in captions that names the concept
};

struct TrainingSet {
  ImageBatch images;                  // as trained on (count N, resolution²)
  std::vector<std::string> captions;  // the data's captions (may be empty strings)
  std::vector<std::string> concept_texts;  // per image, its concept's text; empty: the method's
  at::Tensor mean, std;               // [N, C, h, w] unscaled VAE posterior of each image
  at::Tensor flipped_mean, flipped_std;
  int size() const { return images.count; }
};


// Loads, checks and encodes with `vae` (a resolution of 0 is `default_resolution`); `what`
// names the job for messages. Every model family's training set is made here.
TrainingSet make_training_set(AutoencoderKL& vae, int default_resolution, const TrainingSetOptions& options,
                              const std::string& what);
// The same for images already in memory (class / regularization images), all with `caption`.
TrainingSet make_training_set(AutoencoderKL& vae, const ImageBatch& images, const std::string& caption);

// Stable Diffusion's: its VAE and default image size.
TrainingSet make_training_set(StableDiffusion& model, const TrainingSetOptions& options, const std::string& what);
TrainingSet make_training_set(StableDiffusion& model, const ImageBatch& images, const std::string& caption);

// `more` appended to `into` (same resolution; the VAE latents too), each image keeping its
// caption and concept text. Both sets have concept texts or neither has (a logic error
// otherwise); appending to an empty set copies `more`.
void append_training_set(TrainingSet& into, const TrainingSet& more);

// The caption of example `index` for one step: a template or the data caption, with "{}"
// (templates; with captions "class" the image's `class` label with its article, "a hanok",
// DataDream's per-class prompts) or the concept word (data captions; captions without it get "{}, " prefixed)
// replaced by the image's concept text (set.concept_texts), else by `concept_text`.
std::string training_caption(const TrainingSetOptions& options, const TrainingSet& set, int index,
                             const std::string& concept_text, Rng& rng);

// Scaled latents of the chosen examples: (mean + std · ε) · scaling_factor, the mirror
// image's posterior where `flipped` says so. `noise_source` draws ε.
at::Tensor sample_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                          const std::vector<bool>& flipped, double scaling_factor, at::Generator& noise_source);

}  // namespace tunegrid
