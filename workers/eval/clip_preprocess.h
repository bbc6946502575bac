// clip_preprocess.h — uint8 image batches to model inputs.
//   clip_pixel_values: transformers' CLIPImageProcessor (PIL backend,
//     image_processing_pil_clip.py): resize the shortest side to S with Pillow's bicubic
//     (image_resize.h), center crop S × S, rescale by 1/255, normalise with OpenAI CLIP's
//     mean and std. Matches CLIPImageProcessorPil exactly; the torchvision backend
//     (transformers 5's default CLIPImageProcessor) resizes in float and differs by at most
//     one uint8 level before normalisation.
//   images_to_tensor: [N, 3, H, W] in [-1, 1], what the VAE encoder and the oracle classifier
//     eat (diffusers' VaeImageProcessor.normalize: 2x − 1). The inverse is to_image_batch in
//     workers/diffusion/txt2img_pipeline.h.
#pragma once
#include <array>

#include <ATen/core/Tensor.h>

#include "core/shard.h"

namespace tunegrid {

// OPENAI_CLIP_MEAN and OPENAI_CLIP_STD (transformers image_utils.py).
constexpr std::array<double, 3> kCLIPMean{0.48145466, 0.4578275, 0.40821073};
constexpr std::array<double, 3> kCLIPStd{0.26862954, 0.26130258, 0.27577711};

// [N, 3, S, S] float32, CLIP-normalised. Throws InputError for an inconsistent batch or S ≤ 0.
at::Tensor clip_pixel_values(const ImageBatch& images, int size);

// [N, 3, H, W] float32 in [-1, 1] (pixel / 127.5 − 1).
at::Tensor images_to_tensor(const ImageBatch& images);

}  // namespace tunegrid
