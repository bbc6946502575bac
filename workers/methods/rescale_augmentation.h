// rescale_augmentation.h — Custom Diffusion's training-image augmentation (Kumari et al.
// 2023, Sec. 3; diffusers' train_custom_diffusion.py CustomDiffusionDataset.preprocess):
// a scale is drawn — with probability 0.66 uniform in [S/3, S], otherwise in
// [1.2·S, 1.4·S) — and the image resized to it. Up to S it is pasted at a uniformly random
// place on a zero (mid-grey) S×S canvas and the loss mask covers the latent cells one cell
// inside the pasted square (at scale S too, as in diffusers); above S a uniformly random
// S×S window is cropped and the mask is all ones. The caption is prefixed with "a far away "
// or "very small " below 0.6·S, with "zoomed in " or "close up " above S.
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
  int scale = 0;                 // the drawn size
  int top = 0, left = 0;         // where it was pasted (scale <= S) or the window cropped (scale > S)
};

// `image`: count 1, S × S; `factor`: the VAE's downscale factor.
RescaledExample rescale_augment(const ImageBatch& image, int factor, Rng& rng);

}  // namespace tunegrid
