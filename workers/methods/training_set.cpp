// training_set.cpp — see training_set.h.
#include "workers/methods/training_set.h"

#include <ATen/ATen.h>
#include <fmt/format.h>

#include <stdexcept>

#include "core/errors.h"
#include "core/text.h"
#include "workers/data/aerial_world.h"
#include "workers/data/data_reference.h"
#include "workers/data/image_folder.h"
#include "workers/eval/clip_preprocess.h"

namespace tunegrid {

namespace {

void encode(AutoencoderKL& vae, TrainingSet& set) {
  at::NoGradGuard no_grad;
  // [N, 3, S, S] in [-1, 1], on the model's device; the encodings are kept on the CPU.
  const at::Tensor pixels = images_to_tensor(set.images).to(vae->parameters().front().device());
  std::vector<at::Tensor> mean, std, flipped_mean, flipped_std;
  for (std::int64_t i = 0; i < pixels.size(0); i += 64) {
    const at::Tensor chunk = pixels.slice(0, i, i + 64);
    const DiagonalGaussian straight = vae->encode(chunk);
    const DiagonalGaussian mirrored = vae->encode(chunk.flip({3}));
    mean.push_back(straight.mean.cpu());
    std.push_back(straight.std.cpu());
    flipped_mean.push_back(mirrored.mean.cpu());
    flipped_std.push_back(mirrored.std.cpu());
  }
  set.mean = at::cat(mean);
  set.std = at::cat(std);
  set.flipped_mean = at::cat(flipped_mean);
  set.flipped_std = at::cat(flipped_std);
}

// Item i's `class` label; InputError naming the job, the data and the item without one.
const std::string& class_label(const DataSet& data, int i, const std::string& what) {
  const auto& labels = data.items[static_cast<std::size_t>(i)].labels;
  const auto found = labels.find("class");
  if (found == labels.end())
    throw InputError(fmt::format("{}: captions = 'class' but item {} of '{}' has no class label (builtin:scenes, "
                                 "builtin:aerial and class folders have one)", what, i, data.reference));
  return found->second;
}

void check_caption_options(const TrainingSetOptions& options, const std::string& what) {
  if (options.captions != "template" && options.captions != "data" && options.captions != "class")
    throw InputError(fmt::format("{}: captions '{}' is not one of template, data, class", what, options.captions));
  if (options.captions == "data") return;
  if (options.prompt_templates.empty()) throw InputError(what + ": prompt_templates is empty");
  for (const auto& t : options.prompt_templates)
    if (t.find("{}") == std::string::npos)
      throw InputError(fmt::format("{}: prompt template '{}' has no {{}} for the concept", what, t));
}

}  // namespace

TrainingSet make_training_set(StableDiffusion& model, const TrainingSetOptions& options, const std::string& what) {
  return make_training_set(model.vae, model.default_image_size(), options, what);
}

TrainingSet make_training_set(StableDiffusion& model, const ImageBatch& images, const std::string& caption) {
  return make_training_set(model.vae, images, caption);
}

TrainingSet make_training_set(AutoencoderKL& vae, int default_resolution, const TrainingSetOptions& options,
                              const std::string& what) {
  check_caption_options(options, what);
  const int resolution = options.resolution > 0 ? options.resolution : default_resolution;
  const DataSet data = load_data_reference(options.data, resolution);
  const int available = static_cast<int>(data.items.size());
  const int wanted = options.train_images > 0 ? options.train_images : available;
  if (wanted > available)
    throw InputError(fmt::format("{}: train_images = {} but data '{}' has only {} images", what, wanted,
                                 options.data, available));
  TrainingSet set;
  set.images.key = "train";
  set.images.height = set.images.width = resolution;
  for (int i = 0; i < wanted; ++i) {
    const auto& item = data.items[static_cast<std::size_t>(i)];
    const ImageBatch image = item.image.height == resolution && item.image.width == resolution
                                 ? item.image
                                 : resize_center_crop(item.image, resolution);
    set.images.pixels.insert(set.images.pixels.end(), image.pixels.begin(), image.pixels.end());
    ++set.images.count;
    set.captions.push_back(item.caption);
    if (options.captions == "class") set.concept_texts.push_back(class_subject(class_label(data, i, what)));
  }
  encode(vae, set);
  return set;
}

TrainingSet make_training_set(AutoencoderKL& vae, const ImageBatch& images, const std::string& caption) {
  TrainingSet set;
  set.images = images;
  set.captions.assign(static_cast<std::size_t>(images.count), caption);
  encode(vae, set);
  return set;
}

void append_training_set(TrainingSet& into, const TrainingSet& more) {
  if (into.size() == 0) {
    into = more;
    return;
  }
  if (more.images.height != into.images.height || more.images.width != into.images.width)
    throw std::logic_error("append_training_set: sets of different resolutions");
  if (into.concept_texts.empty() != more.concept_texts.empty())
    throw std::logic_error("append_training_set: concept texts on one set only");
  into.images.pixels.insert(into.images.pixels.end(), more.images.pixels.begin(), more.images.pixels.end());
  into.images.count += more.images.count;
  into.captions.insert(into.captions.end(), more.captions.begin(), more.captions.end());
  into.concept_texts.insert(into.concept_texts.end(), more.concept_texts.begin(), more.concept_texts.end());
  into.mean = at::cat({into.mean, more.mean});
  into.std = at::cat({into.std, more.std});
  into.flipped_mean = at::cat({into.flipped_mean, more.flipped_mean});
  into.flipped_std = at::cat({into.flipped_std, more.flipped_std});
}

std::string training_caption(const TrainingSetOptions& options, const TrainingSet& set, int index,
                             const std::string& method_concept_text, Rng& rng) {
  const std::string& concept_text =
      set.concept_texts.empty() ? method_concept_text : set.concept_texts[static_cast<std::size_t>(index)];
  if (options.captions != "data") {
    const auto& templates = options.prompt_templates;
    return replace_all(templates[static_cast<std::size_t>(rng.below(static_cast<int>(templates.size())))], "{}",
                       concept_text);
  }
  const std::string& caption = set.captions[static_cast<std::size_t>(index)];
  if (caption.find(options.concept_word) == std::string::npos || options.concept_word.empty())
    return caption.empty() ? concept_text : concept_text + ", " + caption;
  return replace_all(caption, options.concept_word, concept_text);
}

at::Tensor sample_latents(const TrainingSet& set, const std::vector<std::int64_t>& index,
                          const std::vector<bool>& flipped, double scaling_factor, at::Generator& noise_source) {
  std::vector<at::Tensor> rows;
  for (std::size_t k = 0; k < index.size(); ++k) {
    const at::Tensor& mean = flipped[k] ? set.flipped_mean : set.mean;
    const at::Tensor& std = flipped[k] ? set.flipped_std : set.std;
    rows.push_back(mean[index[k]] + std[index[k]] * at::randn(mean[index[k]].sizes(), noise_source, mean.options()));
  }
  return at::stack(rows) * scaling_factor;
}

}  // namespace tunegrid
