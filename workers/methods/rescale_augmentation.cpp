// rescale_augmentation.cpp — see rescale_augmentation.h.
#include "workers/methods/rescale_augmentation.h"

#include <algorithm>

#include "workers/data/image_folder.h"

namespace tunegrid {

namespace {

int between(Rng& rng, int low, int high) { return low + rng.below(std::max(1, high - low)); }  // [low, high)

}  // namespace

RescaledExample rescale_augment(const ImageBatch& image, int factor, Rng& rng) {
  const int size = image.height;
  const int cells = size / factor;
  RescaledExample out;
  int scale = rng.unit() < 0.66 ? between(rng, size / 3, size + 1)
                                 : between(rng, static_cast<int>(1.2 * size), static_cast<int>(1.4 * size));
  if (scale % 2 == 1) ++scale;
  out.mask.assign(static_cast<std::size_t>(cells * cells), 1.f);
  if (scale < 0.6 * size) {
    out.caption_prefix = rng.below(2) == 0 ? "a far away " : "very small ";
    const int cx = between(rng, scale / 2, size - scale / 2 + 1);  // row of the centre
    const int cy = between(rng, scale / 2, size - scale / 2 + 1);  // column
    const ImageBatch small = resize_center_crop(image, scale);
    out.image = image;
    std::fill(out.image.pixels.begin(), out.image.pixels.end(), std::uint8_t{128});  // 0 in [-1, 1]
    for (int y = 0; y < scale; ++y)
      std::copy_n(small.pixels.begin() + static_cast<std::ptrdiff_t>(y) * scale * 3, scale * 3,
                  out.image.pixels.begin() + (static_cast<std::ptrdiff_t>(cx - scale / 2 + y) * size + (cy - scale / 2)) * 3);
    std::fill(out.mask.begin(), out.mask.end(), 0.f);
    for (int r = (cx - scale / 2) / factor + 1; r < (cx + scale / 2) / factor - 1; ++r)
      for (int c = (cy - scale / 2) / factor + 1; c < (cy + scale / 2) / factor - 1; ++c)
        out.mask[static_cast<std::size_t>(r * cells + c)] = 1.f;
    // At small latent sizes (the builtin world's 8×8) the one-cell inset can leave nothing:
    // keep at least the centre cell, where diffusers' 64×64 latents never come.
    if (std::all_of(out.mask.begin(), out.mask.end(), [](float m) { return m == 0.f; }))
      out.mask[static_cast<std::size_t>(std::min(cx / factor, cells - 1) * cells + std::min(cy / factor, cells - 1))] = 1.f;
  } else if (scale > size) {
    out.caption_prefix = rng.below(2) == 0 ? "zoomed in " : "close up ";
    const int cx = between(rng, size / 2, scale - size / 2 + 1);
    const int cy = between(rng, size / 2, scale - size / 2 + 1);
    const ImageBatch large = resize_center_crop(image, scale);
    out.image = image;
    for (int y = 0; y < size; ++y)
      std::copy_n(large.pixels.begin() + (static_cast<std::ptrdiff_t>(cx - size / 2 + y) * scale + (cy - size / 2)) * 3,
                  size * 3, out.image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * size * 3);
  } else {
    out.image = image;
  }
  return out;
}

}  // namespace tunegrid
