// class_images.cpp — see class_images.h.
#include "workers/methods/class_images.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <map>
#include <optional>

#include "core/log.h"
#include "workers/data/rng.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/models/weights.h"

namespace tunegrid {

namespace {

// The images cached in `file` if they are the ones asked for; nothing (and a warning for a
// damaged file) otherwise.
std::optional<ImageBatch> cached_class_images(const std::filesystem::path& file, const std::string& prompt, int count,
                                              int resolution) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::nullopt;
  std::map<std::string, std::string> metadata;
  std::map<std::string, at::Tensor> tensors;
  try {
    tensors = load_tensors(file, &metadata);
  } catch (const std::exception& damaged) {
    log::warn("finetune", "{}: unreadable, generating the class images again ({})", file.string(), damaged.what());
    return std::nullopt;
  }
  const auto found = tensors.find("images");
  if (found == tensors.end() || found->second.scalar_type() != at::kByte || found->second.dim() != 4 ||
      found->second.size(3) != 3) {
    log::warn("finetune", "{}: not a [N, H, W, 3] uint8 'images' tensor, generating the class images again",
              file.string());
    return std::nullopt;
  }
  const at::Tensor pixels = found->second.contiguous();
  if (metadata["prompt"] != prompt || pixels.size(0) != count || pixels.size(1) != resolution ||
      pixels.size(2) != resolution)
    return std::nullopt;  // made for other settings
  ImageBatch images;
  images.key = "class";
  images.count = count;
  images.height = images.width = resolution;
  images.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
  return images;
}

ImageBatch generate_class_images(const ClassImageSampler& sampler, const std::string& prompt, int count,
                                 int resolution, std::uint64_t seed) {
  at::NoGradGuard no_grad;
  ImageBatch images;
  images.key = "class";
  images.height = images.width = resolution;
  for (int done = 0; done < count; done += 16) {
    Txt2ImgOptions options;
    options.prompt = prompt;
    options.num_images = std::min(16, count - done);
    options.steps = sampler.steps;
    options.guidance = sampler.guidance;
    options.seed = mix_seed(seed, static_cast<std::uint64_t>(done));
    options.height = options.width = resolution;
    const ImageBatch part = sampler.draw(options);
    images.pixels.insert(images.pixels.end(), part.pixels.begin(), part.pixels.end());
    images.count += part.count;
  }
  return images;
}

}  // namespace

ImageBatch class_images(StableDiffusion& model, const std::string& prompt, int count, int resolution,
                        std::uint64_t seed, const std::filesystem::path& cache) {
  const ClassImageSampler sampler{[&](const Txt2ImgOptions& options) { return txt2img(model, options); }, 50, 7.5};
  return class_images(sampler, prompt, count, resolution, seed, cache);
}

ImageBatch class_images(const ClassImageSampler& sampler, const std::string& prompt, int count, int resolution,
                        std::uint64_t seed, const std::filesystem::path& cache) {
  if (!cache.empty())
    if (auto cached = cached_class_images(cache, prompt, count, resolution)) return std::move(*cached);
  ImageBatch images = generate_class_images(sampler, prompt, count, resolution, seed);
  if (cache.empty()) return images;
  std::filesystem::create_directories(cache.parent_path());
  const at::Tensor pixels = at::from_blob(images.pixels.data(), {images.count, resolution, resolution, 3}, at::kByte);
  save_tensors(cache, {{"images", pixels}}, {{"prompt", prompt}});
  return images;
}

}  // namespace tunegrid
