// image_io.cpp — see image_io.h.
#include "core/image_io.h"

#include <png.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "core/atomic_file.h"
#include "core/errors.h"

namespace tunegrid {

namespace {
struct FileCloser {
  void operator()(std::FILE* file) const { if (file) std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void png_failure(png_structp png, png_const_charp message) {
  *static_cast<std::string*>(png_get_error_ptr(png)) = message;
  png_longjmp(png, 1);
}
void png_warning_ignored(png_structp, png_const_charp) {}
}  // namespace

void write_png(const std::filesystem::path& path, const ImageBatch& batch, int index) {
  if (index < 0 || index >= batch.count) throw StoreError(fmt::format("{}: no image {} in the batch", path.string(), index));
  const auto temporary = temporary_beside(path);
  std::string problem;
  {
    File file(std::fopen(temporary.c_str(), "wb"));
    if (!file) throw StoreError(fmt::format("{}: cannot write", path.string()));
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &problem, png_failure, png_warning_ignored);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
      png_destroy_write_struct(&png, &info);
      throw StoreError("libpng: out of memory");
    }
    const std::size_t row_bytes = static_cast<std::size_t>(batch.width) * 3;
    const std::uint8_t* first = batch.pixels.data() + static_cast<std::size_t>(index) * batch.height * row_bytes;
    if (setjmp(png_jmpbuf(png)) == 0) {
      png_init_io(png, file.get());
      png_set_IHDR(png, info, batch.width, batch.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                   PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
      png_write_info(png, info);
      for (int y = 0; y < batch.height; ++y) png_write_row(png, first + y * row_bytes);
      png_write_end(png, nullptr);
    } else if (problem.empty()) {
      problem = "libpng failed";
    }
    png_destroy_write_struct(&png, &info);
  }
  if (!problem.empty()) {
    std::filesystem::remove(temporary);
    throw StoreError(fmt::format("{}: {}", path.string(), problem));
  }
  publish_file(temporary, path);
}

ImageBatch read_png(const std::filesystem::path& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) throw InputError(fmt::format("{}: cannot be opened", path.string()));
  std::string problem;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &problem, png_failure, png_warning_ignored);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InputError("libpng: out of memory");
  }
  ImageBatch image;
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png)) == 0) {
    png_init_io(png, file.get());
    png_read_info(png, info);
    png_set_expand(png);  // palette and low bit depths to 8-bit, tRNS to alpha
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_read_update_info(png, info);
    image.count = 1;
    image.width = static_cast<int>(png_get_image_width(png, info));
    image.height = static_cast<int>(png_get_image_height(png, info));
    if (png_get_rowbytes(png, info) != static_cast<std::size_t>(image.width) * 3) png_error(png, "unexpected row size");
    if (static_cast<double>(image.width) * image.height > 1e8) png_error(png, "image too large");
    image.pixels.resize(static_cast<std::size_t>(image.width) * image.height * 3);
    for (int y = 0; y < image.height; ++y) rows.push_back(image.pixels.data() + static_cast<std::size_t>(y) * image.width * 3);
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);
  } else if (problem.empty()) {
    problem = "not a readable PNG";
  }
  png_destroy_read_struct(&png, &info, nullptr);
  if (!problem.empty()) throw InputError(fmt::format("{}: {}", path.string(), problem));
  return image;
}

ImageBatch image_at(const ImageBatch& batch, std::int64_t index) {
  ImageBatch one;
  one.key = batch.key;
  one.count = 1;
  one.height = batch.height;
  one.width = batch.width;
  const std::size_t bytes = static_cast<std::size_t>(batch.height) * batch.width * 3;
  one.pixels.assign(batch.pixels.begin() + static_cast<std::ptrdiff_t>(bytes * index),
                    batch.pixels.begin() + static_cast<std::ptrdiff_t>(bytes * (index + 1)));
  return one;
}

ImageBatch make_grid(const ImageBatch& batch, int columns, int gap, std::uint8_t background) {
  if (columns <= 0) columns = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(batch.count))));
  columns = std::max(1, std::min(columns, batch.count));
  const int rows = (batch.count + columns - 1) / columns;
  ImageBatch grid;
  grid.key = batch.key;
  grid.count = 1;
  grid.width = columns * batch.width + (columns - 1) * gap;
  grid.height = rows * batch.height + (rows - 1) * gap;
  grid.pixels.assign(static_cast<std::size_t>(grid.width) * grid.height * 3, background);
  const std::size_t image_row = static_cast<std::size_t>(batch.width) * 3;
  for (int i = 0; i < batch.count; ++i) {
    const int x0 = (i % columns) * (batch.width + gap), y0 = (i / columns) * (batch.height + gap);
    for (int y = 0; y < batch.height; ++y) {
      const std::uint8_t* source = batch.pixels.data() + (static_cast<std::size_t>(i) * batch.height + y) * image_row;
      std::copy(source, source + image_row,
                grid.pixels.begin() + (static_cast<std::size_t>(y0 + y) * grid.width + x0) * 3);
    }
  }
  return grid;
}

}  // namespace tunegrid
