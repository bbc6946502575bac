// aerial_conditions.cpp — see aerial_conditions.h: blend, clouds as a few Gaussian blobs of
// opacity, Box–Muller pixel noise.
#include "workers/data/aerial_conditions.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "workers/data/rng.h"

namespace tunegrid {

namespace {

void blend(ImageBatch& image, const ImageBatch& other, float weight) {
  for (std::size_t i = 0; i < image.pixels.size(); ++i)
    image.pixels[i] = static_cast<std::uint8_t>(
        std::lround((1.0f - weight) * static_cast<float>(image.pixels[i]) + weight * static_cast<float>(other.pixels[i])));
}

// Opacity in [0, coverage]: three soft blobs at random places and sizes, scaled so that the
// densest point is `coverage`.
std::vector<float> cloud_opacity(int height, int width, float coverage, Rng& rng) {
  std::vector<float> opacity(static_cast<std::size_t>(height) * width, 0.0f);
  for (int blob = 0; blob < 3; ++blob) {
    const float cx = rng.uniform(0, 1) * width, cy = rng.uniform(0, 1) * height;
    const float radius = rng.uniform(0.15f, 0.4f) * width;
    for (int y = 0; y < height; ++y)
      for (int x = 0; x < width; ++x) {
        const float d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (radius * radius);
        opacity[static_cast<std::size_t>(y) * width + x] += std::exp(-d2);
      }
  }
  const float peak = *std::max_element(opacity.begin(), opacity.end());
  for (auto& o : opacity) o = peak > 0 ? coverage * o / peak : 0.0f;
  return opacity;
}

void add_clouds(ImageBatch& image, float coverage, Rng& rng) {
  const auto opacity = cloud_opacity(image.height, image.width, coverage, rng);
  for (std::size_t p = 0; p < opacity.size(); ++p)
    for (std::size_t c = 0; c < 3; ++c) {
      auto& value = image.pixels[3 * p + c];
      value = static_cast<std::uint8_t>(std::lround((1.0f - opacity[p]) * value + opacity[p] * 245.0f));
    }
}

void add_noise(ImageBatch& image, double std_fraction, Rng& rng) {
  const double sigma = 255.0 * std_fraction;
  for (auto& value : image.pixels) {
    const double u1 = std::max(rng.unit(), 1e-12), u2 = rng.unit();
    const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    value = static_cast<std::uint8_t>(std::clamp(std::lround(value + sigma * normal), 0L, 255L));
  }
}

}  // namespace

void apply_aerial_conditions(ImageBatch& image, const ImageBatch& other, const AerialConditions& conditions,
                             std::uint64_t seed) {
  Rng rng(mix_seed(seed, 0xc0d1710eULL));
  if (conditions.mix > 0) blend(image, other, rng.uniform(0, static_cast<float>(conditions.mix)));
  if (conditions.clouds > 0) add_clouds(image, rng.uniform(0, static_cast<float>(conditions.clouds)), rng);
  if (conditions.noise > 0) add_noise(image, conditions.noise, rng);
}

}  // namespace tunegrid
