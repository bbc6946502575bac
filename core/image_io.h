// image_io.h — 8-bit RGB images as the store keeps them (row-major, 3 bytes a pixel):
// PNG writing and reading (libpng) and tiling several images into one grid image.
#pragma once
#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

// Writes image `index` of `batch` as an RGB PNG, atomically. Throws StoreError.
void write_png(const std::filesystem::path& path, const ImageBatch& batch, int index = 0);

// Reads a PNG (any bit depth / colour type) as 8-bit RGB; throws InputError naming the file.
ImageBatch read_png(const std::filesystem::path& path);

// Image `index` of `batch` as a batch of one (same key and size).
ImageBatch image_at(const ImageBatch& batch, std::int64_t index);

// All images of `batch` tiled into one image, `columns` per row (0: a near-square grid),
// separated by `gap` pixels of `background`.
ImageBatch make_grid(const ImageBatch& batch, int columns = 0, int gap = 2, std::uint8_t background = 255);

}  // namespace tunegrid
