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
  // numpy's randint(low, high) draws from [low, high): scales S/3 … S, or 1.2·S … 1.4·S − 1.
  const int scale = rng.unit() < 0.66 ? between(rng, size / 3, size + 1)
                                       : between(rng, static_cast<int>(1.2 * size), static_cast<int>(1.4 * size));
  const int outer = std::max(scale, size), inner = std::min(scale, size);
  const int top = between(rng, 0, outer - inner + 1), left = between(rng, 0, outer - inner + 1);
  RescaledExample out;
  out.scale = scale;
  out.top = top;
  out.left = left;
  if (scale < 0.6 * size) out.caption_prefix = rng.below(2) == 0 ? "a far away " : "very small ";
  else if (scale > size) out.caption_prefix = rng.below(2) == 0 ? "zoomed in " : "close up ";
  const ImageBatch resized = scale == size ? image : resize_center_crop(image, scale);
  out.image = image;
  if (scale > size) {  // a random S×S window of the enlarged image; the loss counts everywhere
    for (int y = 0; y < size; ++y)
      std::copy_n(resized.pixels.begin() + (static_cast<std::ptrdiff_t>(top + y) * scale + left) * 3, size * 3,
                  out.image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * size * 3);
    out.mask.assign(static_cast<std::size_t>(cells * cells), 1.f);
    return out;
  }
  // Pasted at (top, left) on a zero canvas (128 is 0 in [-1, 1] up to half a level); the loss
  // counts on the latent cells one cell inside the pasted square — also when scale == S.
  std::fill(out.image.pixels.begin(), out.image.pixels.end(), std::uint8_t{128});
  for (int y = 0; y < scale; ++y)
    std::copy_n(resized.pixels.begin() + static_cast<std::ptrdiff_t>(y) * scale * 3, scale * 3,
                out.image.pixels.begin() + (static_cast<std::ptrdiff_t>(top + y) * size + left) * 3);
  out.mask.assign(static_cast<std::size_t>(cells * cells), 0.f);
  const int row_end = (top + scale) / factor - 1, column_end = (left + scale) / factor - 1;
  for (int r = top / factor + 1; r < row_end; ++r)
    for (int c = left / factor + 1; c < column_end; ++c) out.mask[static_cast<std::size_t>(r * cells + c)] = 1.f;
  // With diffusers' 64×64 latents the inset always leaves cells; with the builtin world's 8×8
  // a small paste can leave none (and the masked mean would divide by zero): keep the cell
  // under the centre of the pasted square.
  if (std::all_of(out.mask.begin(), out.mask.end(), [](float m) { return m == 0.f; })) {
    const int r = std::min((top + scale / 2) / factor, cells - 1), c = std::min((left + scale / 2) / factor, cells - 1);
    out.mask[static_cast<std::size_t>(r * cells + c)] = 1.f;
  }
  return out;
}

}  // namespace tunegrid
