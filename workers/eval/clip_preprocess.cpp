// clip_preprocess.cpp — see clip_preprocess.h.
#include "workers/eval/clip_preprocess.h"

#include <fmt/format.h>

#include <ATen/ATen.h>

#include "core/errors.h"
#include "workers/eval/image_resize.h"

namespace tunegrid {
namespace {

// uint8 HWC batch -> [N, 3, H, W] uint8 (a copy; the batch may be a temporary).
at::Tensor to_nchw_bytes(const ImageBatch& images) {
  const auto expected = static_cast<std::size_t>(images.count) * images.height * images.width * 3;
  if (images.count <= 0 || images.height <= 0 || images.width <= 0 || images.pixels.size() != expected)
    throw InputError(fmt::format("image batch '{}' is inconsistent or empty: {} images of {}x{}, {} bytes (expected {})",
                                 images.key, images.count, images.width, images.height, images.pixels.size(),
                                 expected));
  const at::Tensor hwc = at::from_blob(const_cast<std::uint8_t*>(images.pixels.data()),
                                       {images.count, images.height, images.width, 3}, at::kByte);  // [N, H, W, 3]
  return hwc.permute({0, 3, 1, 2}).contiguous();  // [N, 3, H, W]
}

}  // namespace

at::Tensor clip_pixel_values(const ImageBatch& images, int size) {
  if (size <= 0) throw InputError(fmt::format("clip_pixel_values: the image size must be positive, got {}", size));
  const ImageBatch cropped = center_crop(resize_shortest_side(images, size), size, size);
  // transformers rescales in float64 and casts to float32, then normalises in float32.
  const at::Tensor scaled = (to_nchw_bytes(cropped).to(at::kDouble) * (1.0 / 255.0)).to(at::kFloat);  // [N, 3, S, S]
  const at::Tensor mean = at::tensor(std::vector<double>(kCLIPMean.begin(), kCLIPMean.end()), at::kFloat).view({1, 3, 1, 1});
  const at::Tensor std = at::tensor(std::vector<double>(kCLIPStd.begin(), kCLIPStd.end()), at::kFloat).view({1, 3, 1, 1});
  return (scaled - mean) / std;  // [N, 3, S, S]
}

at::Tensor images_to_tensor(const ImageBatch& images) {
  return to_nchw_bytes(images).to(at::kFloat) / 127.5 - 1.0;  // [N, 3, H, W] in [-1, 1]
}

}  // namespace tunegrid
