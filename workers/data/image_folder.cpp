// image_folder.cpp — see image_folder.h. Decoding by stb_image (PNG, JPEG); resizing as
// separable resampling: box (area) weights when shrinking like OpenCV's INTER_AREA,
// bilinear with half-pixel centres when enlarging like PIL's BILINEAR for upscales.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image.h>
#pragma GCC diagnostic pop

#include "workers/data/image_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace tunegrid {

namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_image_name(const std::filesystem::path& file) {
  const std::string ext = lower(file.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// Weights of one output sample over the input samples.
struct Tap {
  int first = 0;
  std::vector<float> weights;
};

// Output sample i covers input [i / scale, (i + 1) / scale).
std::vector<Tap> resampling_taps(int in, int out) {
  const double scale = static_cast<double>(out) / in;
  std::vector<Tap> taps(out);
  for (int i = 0; i < out; ++i) {
    Tap& tap = taps[i];
    if (scale < 1) {  // area average
      const double x0 = i / scale, x1 = (i + 1) / scale;
      tap.first = static_cast<int>(std::floor(x0));
      const int last = std::min(in - 1, static_cast<int>(std::ceil(x1)) - 1);
      for (int k = tap.first; k <= last; ++k) {
        const double overlap = std::min<double>(x1, k + 1) - std::max<double>(x0, k);
        tap.weights.push_back(static_cast<float>(std::max(0.0, overlap) * scale));
      }
    } else {  // bilinear, half-pixel centres, edges clamped
      const double x = std::clamp((i + 0.5) / scale - 0.5, 0.0, static_cast<double>(in - 1));
      tap.first = std::min(static_cast<int>(std::floor(x)), std::max(0, in - 2));
      const float t = static_cast<float>(x - tap.first);
      if (in == 1) tap.weights = {1.0f};
      else tap.weights = {1 - t, t};
    }
  }
  return taps;
}

}  // namespace

ImageBatch read_image_file(const std::filesystem::path& file) {
  int width = 0, height = 0, channels = 0;
  stbi_uc* data = stbi_load(file.c_str(), &width, &height, &channels, 3);
  if (!data) {
    const char* reason = stbi_failure_reason();
    throw InputError(fmt::format("{}: cannot read the image ({}); expected a PNG or JPEG file", file.string(),
                                 reason ? reason : "unknown error"));
  }
  ImageBatch image;
  image.count = 1;
  image.width = width;
  image.height = height;
  image.pixels.assign(data, data + static_cast<std::size_t>(width) * height * 3);
  stbi_image_free(data);
  return image;
}

ImageBatch resize_center_crop(const ImageBatch& image, int size) {
  const int w = image.width, h = image.height;
  const double scale = static_cast<double>(size) / std::min(w, h);
  const int rw = std::max(size, static_cast<int>(std::lround(w * scale)));
  const int rh = std::max(size, static_cast<int>(std::lround(h * scale)));
  const auto horizontal = resampling_taps(w, rw), vertical = resampling_taps(h, rh);
  const int left = (rw - size) / 2, top = (rh - size) / 2;
  // Horizontal pass over every input row (only the kept columns), then vertical.
  std::vector<float> rows(static_cast<std::size_t>(h) * size * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < size; ++x) {
      const Tap& tap = horizontal[left + x];
      float sum[3] = {0, 0, 0};
      for (std::size_t k = 0; k < tap.weights.size(); ++k) {
        const std::uint8_t* px = &image.pixels[(static_cast<std::size_t>(y) * w + tap.first + k) * 3];
        for (int c = 0; c < 3; ++c) sum[c] += tap.weights[k] * px[c];
      }
      for (int c = 0; c < 3; ++c) rows[(static_cast<std::size_t>(y) * size + x) * 3 + c] = sum[c];
    }
  ImageBatch out;
  out.key = image.key;
  out.count = 1;
  out.width = size;
  out.height = size;
  out.pixels.resize(static_cast<std::size_t>(size) * size * 3);
  for (int y = 0; y < size; ++y) {
    const Tap& tap = vertical[top + y];
    for (int x = 0; x < size; ++x)
      for (int c = 0; c < 3; ++c) {
        float sum = 0;
        for (std::size_t k = 0; k < tap.weights.size(); ++k)
          sum += tap.weights[k] * rows[((tap.first + k) * size + x) * 3 + c];
        out.pixels[(static_cast<std::size_t>(y) * size + x) * 3 + c] =
            static_cast<std::uint8_t>(std::clamp(std::lround(sum), 0L, 255L));
      }
  }
  return out;
}

ImageBatch flip_horizontal(const ImageBatch& image) {
  ImageBatch out = image;
  const std::size_t plane = static_cast<std::size_t>(image.height) * image.width * 3;
  for (int n = 0; n < image.count; ++n)
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x)
        for (int c = 0; c < 3; ++c)
          out.pixels[n * plane + (static_cast<std::size_t>(y) * image.width + x) * 3 + c] =
              image.pixels[n * plane + (static_cast<std::size_t>(y) * image.width + image.width - 1 - x) * 3 + c];
  return out;
}

std::vector<LoadedImage> read_image_folder(const std::filesystem::path& folder, int size) {
  std::error_code error;
  if (!std::filesystem::exists(folder, error))
    throw InputError(fmt::format("image folder '{}' does not exist; expected a folder of .png/.jpg/.jpeg images",
                                 folder.string()));
  if (!std::filesystem::is_directory(folder, error))
    throw InputError(fmt::format("image folder '{}' is not a folder; expected a folder of .png/.jpg/.jpeg images",
                                 folder.string()));
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file() && is_image_name(entry.path())) files.push_back(entry.path());
  if (files.empty())
    throw InputError(fmt::format("image folder '{}' holds no image; expected .png, .jpg or .jpeg files", folder.string()));
  std::sort(files.begin(), files.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  std::vector<LoadedImage> images;
  for (const auto& file : files) {
    LoadedImage loaded;
    loaded.file = file;
    loaded.image = resize_center_crop(read_image_file(file), size);
    auto caption_file = file;
    caption_file.replace_extension(".txt");
    if (std::ifstream in(caption_file); in) {
      std::stringstream text;
      text << in.rdbuf();
      loaded.caption = trimmed(text.str());
    }
    images.push_back(std::move(loaded));
  }
  return images;
}

namespace {

bool holds_an_image(const std::filesystem::path& folder) {
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_regular_file() && is_image_name(entry.path())) return true;
  return false;
}

// The subfolders holding images, sorted by name; none when `folder` holds images itself.
std::vector<std::filesystem::path> class_subfolders(const std::filesystem::path& folder) {
  std::error_code error;
  if (!std::filesystem::is_directory(folder, error) || holds_an_image(folder)) return {};
  std::vector<std::filesystem::path> classes;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.is_directory() && holds_an_image(entry.path())) classes.push_back(entry.path());
  std::sort(classes.begin(), classes.end(),
            [](const auto& a, const auto& b) { return a.filename().string() < b.filename().string(); });
  return classes;
}

// Round robin over the lists: the first of each, then the second of each that has one, ...
std::vector<LoadedImage> interleave(std::vector<std::vector<LoadedImage>> lists) {
  std::vector<LoadedImage> out;
  for (std::size_t round = 0, taken = 1; taken > 0; ++round) {
    taken = 0;
    for (auto& list : lists)
      if (round < list.size()) {
        out.push_back(std::move(list[round]));
        ++taken;
      }
  }
  return out;
}

}  // namespace

std::vector<LoadedImage> read_class_folders(const std::filesystem::path& folder, int size) {
  std::vector<std::vector<LoadedImage>> per_class;
  for (const auto& path : class_subfolders(folder)) {
    per_class.push_back(read_image_folder(path, size));
    for (auto& loaded : per_class.back()) loaded.class_name = path.filename().string();
  }
  return interleave(std::move(per_class));
}

std::string substitute_placeholder(const std::string& text, const std::string& phrase, const std::string& placeholder) {
  if (phrase.empty()) return text;
  const std::string haystack = lower(text), needle = lower(phrase);
  std::string out;
  std::size_t from = 0;
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, from)) {
    out += text.substr(from, at - from);
    out += placeholder;
    from = at + needle.size();
  }
  return out + text.substr(from);
}

}  // namespace tunegrid
