// image_resize.h — resizing and cropping uint8 RGB image batches exactly as Pillow does
// (libImaging/Resample.c, ImagingResample): a separable convolution, horizontal pass first
// (on the rows the vertical pass needs), then vertical; the filter stretched by the scale
// when shrinking (antialiasing); coefficients normalised and rounded to fixed point with 22
// fractional bits; every pass rounds and clips to uint8. Bicubic is Pillow's (a = -0.5,
// support 2). A pass whose size does not change is skipped, so a same-size resize is a copy.
// This is what transformers' CLIPImageProcessor (PIL backend, CLIPImageProcessorPil in
// transformers 5) calls for `resample=BICUBIC`. No torch.
#pragma once
#include "core/shard.h"

namespace tunegrid {

// Every image of `images` resized to height × width with Pillow's BICUBIC filter.
// Throws InputError when a size is not positive or the batch's pixel count is inconsistent.
ImageBatch resize_bicubic(const ImageBatch& images, int height, int width);

// The shortest side resized to `size`, the other to int(size · long / short) (transformers'
// get_resize_output_image_size with default_to_square = False).
ImageBatch resize_shortest_side(const ImageBatch& images, int size);

// The centred height × width window, top = (H − h) / 2, left = (W − w) / 2 rounded down
// (transformers' center_crop); sizes larger than the image are an InputError.
ImageBatch center_crop(const ImageBatch& images, int height, int width);

}  // namespace tunegrid
