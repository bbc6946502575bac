// rescale_augmentation.h — Custom Diffusion's training-image augmentation (Kumari et al.
// 2023, Sec. 3; diffusers' train_custom_diffusion.py CustomDiffusionDataset): with
// probability 0.66 the image is shrunk to a random even size in [S/3, S] and pasted at a
// random place on a zero (mid-grey) canvas, the loss mask covering the pasted area (its
// latent cells one cell inside the border) and the caption prefixed with "a far away " or
// "very small " when the size is below 0.6·S; otherwise it is enlarged to [1.2·S, 1.4·S]
// and a random S×S window cropped ("zoomed in " / "close up "), the mask all ones.
#pragma once
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/data/rng.h"

namespace tunegrid {

struct RescaledExample {
  ImageBatch image;              // count 1, S × S
  std::vector<float> mask;       // (S / factor)², row-major, 1 where the loss counts
  std::string caption_prefix;    // "", "a far away ", "very small ", "zoomed in ", "close up "
};

// `image`: count 1, S × S; `factor`: the VAE's downscale factor.
RescaledExample rescale_augment(const ImageBatch& image, int factor, Rng& rng);

}  // namespace tunegrid
