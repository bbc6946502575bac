// image_resize.cpp — see image_resize.h. Follows Pillow's libImaging/Resample.c
// (precompute_coeffs, normalize_coeffs_8bpc, ImagingResampleHorizontal_8bpc / Vertical_8bpc,
// ImagingResampleInner) for 8-bit RGB images.
#include "workers/eval/image_resize.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

#include "core/errors.h"

namespace tunegrid {
namespace {

constexpr int kPrecisionBits = 32 - 8 - 2;

double bicubic_filter(double x) {  // Pillow's bicubic, a = -0.5
  constexpr double a = -0.5;
  if (x < 0.0) x = -x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}
constexpr double kBicubicSupport = 2.0;

// For each output position: the first input index, the number of taps, and the taps as
// fixed-point integers (ksize per position).
struct Coefficients {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<std::int32_t> taps;
};

Coefficients precompute_coefficients(int in_size, int out_size) {
  const double scale = static_cast<double>(in_size) / out_size;
  const double filter_scale = scale < 1.0 ? 1.0 : scale;
  const double support = kBicubicSupport * filter_scale;
  Coefficients c;
  c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  c.first.resize(out_size);
  c.count.resize(out_size);
  c.taps.assign(static_cast<std::size_t>(out_size) * c.ksize, 0);
  std::vector<double> k(c.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = (xx + 0.5) * scale;
    const double ss = 1.0 / filter_scale;
    int xmin = static_cast<int>(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      k[x] = bicubic_filter((x + xmin - center + 0.5) * ss);
      ww += k[x];
    }
    for (int x = 0; x < xmax; ++x) {
      const double w = ww != 0.0 ? k[x] / ww : k[x];
      const double fixed = w * (1 << kPrecisionBits);
      c.taps[static_cast<std::size_t>(xx) * c.ksize + x] =
          static_cast<std::int32_t>(w < 0 ? -0.5 + fixed : 0.5 + fixed);
    }
    c.first[xx] = xmin;
    c.count[xx] = xmax;
  }
  return c;
}

std::uint8_t clip8(std::int64_t in) {
  if (in >= (static_cast<std::int64_t>(1) << kPrecisionBits << 8)) return 255;
  if (in <= 0) return 0;
  return static_cast<std::uint8_t>(in >> kPrecisionBits);
}

// One image, HWC RGB. Horizontal: rows [row0, row0 + rows) of `in` (width in_w) -> width out_w.
std::vector<std::uint8_t> resample_horizontal(const std::uint8_t* in, int in_w, int row0, int rows, int out_w,
                                              const Coefficients& c) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(rows) * out_w * 3);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = in + static_cast<std::size_t>(row0 + y) * in_w * 3;
    for (int xx = 0; xx < out_w; ++xx) {
      const std::int32_t* k = &c.taps[static_cast<std::size_t>(xx) * c.ksize];
      for (int ch = 0; ch < 3; ++ch) {
        std::int64_t ss = 1 << (kPrecisionBits - 1);
        for (int x = 0; x < c.count[xx]; ++x) ss += row[(x + c.first[xx]) * 3 + ch] * static_cast<std::int64_t>(k[x]);
        out[(static_cast<std::size_t>(y) * out_w + xx) * 3 + ch] = clip8(ss);
      }
    }
  }
  return out;
}

// Vertical: `in` is width w; output row yy uses rows first[yy] - row_offset ... of `in`.
std::vector<std::uint8_t> resample_vertical(const std::uint8_t* in, int w, int out_h, int row_offset,
                                            const Coefficients& c) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(out_h) * w * 3);
  for (int yy = 0; yy < out_h; ++yy) {
    const std::int32_t* k = &c.taps[static_cast<std::size_t>(yy) * c.ksize];
    const int first = c.first[yy] - row_offset;
    for (int xx = 0; xx < w; ++xx)
      for (int ch = 0; ch < 3; ++ch) {
        std::int64_t ss = 1 << (kPrecisionBits - 1);
        for (int y = 0; y < c.count[yy]; ++y)
          ss += in[(static_cast<std::size_t>(first + y) * w + xx) * 3 + ch] * static_cast<std::int64_t>(k[y]);
        out[(static_cast<std::size_t>(yy) * w + xx) * 3 + ch] = clip8(ss);
      }
  }
  return out;
}

void check_batch(const ImageBatch& images, const char* what) {
  const auto expected = static_cast<std::size_t>(images.count) * images.height * images.width * 3;
  if (images.count < 0 || images.height <= 0 || images.width <= 0 || images.pixels.size() != expected)
    throw InputError(fmt::format("{}: image batch '{}' is inconsistent: {} images of {}x{} need {} bytes, found {}",
                                 what, images.key, images.count, images.width, images.height, expected,
                                 images.pixels.size()));
}

}  // namespace

ImageBatch resize_bicubic(const ImageBatch& images, int height, int width) {
  check_batch(images, "resize_bicubic");
  if (height <= 0 || width <= 0)
    throw InputError(fmt::format("resize_bicubic: the target size must be positive, got {}x{}", width, height));
  const bool horizontal = width != images.width, vertical = height != images.height;
  const Coefficients ch = precompute_coefficients(images.width, width);
  const Coefficients cv = precompute_coefficients(images.height, height);
  // Rows of the source the vertical pass reads (Pillow's ybox_first / ybox_last).
  const int row_first = cv.first[0];
  const int row_last = cv.first[height - 1] + cv.count[height - 1];
  ImageBatch out;
  out.key = images.key;
  out.count = images.count;
  out.height = height;
  out.width = width;
  out.pixels.reserve(static_cast<std::size_t>(images.count) * height * width * 3);
  const std::size_t in_stride = static_cast<std::size_t>(images.height) * images.width * 3;
  for (int i = 0; i < images.count; ++i) {
    const std::uint8_t* in = images.pixels.data() + i * in_stride;
    std::vector<std::uint8_t> image(in, in + in_stride);
    int row_offset = 0;
    if (horizontal) {
      image = resample_horizontal(in, images.width, row_first, row_last - row_first, width, ch);
      row_offset = row_first;
    }
    if (vertical) image = resample_vertical(image.data(), width, height, row_offset, cv);
    out.pixels.insert(out.pixels.end(), image.begin(), image.end());
  }
  return out;
}

ImageBatch resize_shortest_side(const ImageBatch& images, int size) {
  check_batch(images, "resize_shortest_side");
  if (size <= 0) throw InputError(fmt::format("resize_shortest_side: the size must be positive, got {}", size));
  const bool portrait = images.width <= images.height;
  const int shorter = portrait ? images.width : images.height;
  const int longer = portrait ? images.height : images.width;
  const int new_long = static_cast<int>(static_cast<double>(size) * longer / shorter);
  return portrait ? resize_bicubic(images, new_long, size) : resize_bicubic(images, size, new_long);
}

ImageBatch center_crop(const ImageBatch& images, int height, int width) {
  check_batch(images, "center_crop");
  if (height <= 0 || width <= 0 || height > images.height || width > images.width)
    throw InputError(fmt::format("center_crop: cannot crop {}x{} out of images of {}x{}", width, height,
                                 images.width, images.height));
  const int top = (images.height - height) / 2, left = (images.width - width) / 2;
  ImageBatch out;
  out.key = images.key;
  out.count = images.count;
  out.height = height;
  out.width = width;
  out.pixels.reserve(static_cast<std::size_t>(images.count) * height * width * 3);
  for (int i = 0; i < images.count; ++i)
    for (int y = 0; y < height; ++y) {
      const auto start = ((static_cast<std::size_t>(i) * images.height + top + y) * images.width + left) * 3;
      out.pixels.insert(out.pixels.end(), images.pixels.begin() + start, images.pixels.begin() + start + width * 3);
    }
  return out;
}

}  // namespace tunegrid
