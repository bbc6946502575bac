// image_folder.h — a training-image folder as kohya-ss/sd-scripts and the diffusers
// training scripts read it: every *.png / *.jpg / *.jpeg (case-insensitive, sorted by
// name, not recursive) with an optional caption in a same-name .txt beside it, resized so
// the short side is `size` (area-averaging when shrinking, bilinear when enlarging),
// center-cropped to size × size, optionally flipped horizontally; and a labelled data set as
// class subfolders (torchvision's ImageFolder).
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

struct LoadedImage {
  std::filesystem::path file;
  ImageBatch image;       // count 1, size × size
  std::string caption;    // trimmed contents of the .txt, empty when there is none
  std::string class_name;  // class folders: the subfolder's name; else empty
};

// Throws InputError naming the folder when it is missing or holds no image, or the file
// when an image cannot be decoded.
std::vector<LoadedImage> read_image_folder(const std::filesystem::path& folder, int size);

// Class folders, as torchvision's ImageFolder and PatternNet lay them out: a folder with no
// images of its own whose subfolders (sorted by name, each a class) hold them. The images are
// read as above and interleaved class by class — item i is class (i mod classes)'s next image
// while every class has one left, then the remaining classes' in turn — so the first n items
// are as class-balanced as the folders allow. Empty when `folder` holds images itself or no
// subfolder holds any (then it is a plain folder, or nothing).
std::vector<LoadedImage> read_class_folders(const std::filesystem::path& folder, int size);

// Any image (PNG or JPEG) as RGB (stb_image); throws InputError naming the file.
ImageBatch read_image_file(const std::filesystem::path& file);

// Short side to `size`, then the centered size × size crop.
ImageBatch resize_center_crop(const ImageBatch& image, int size);
ImageBatch flip_horizontal(const ImageBatch& image);

// The Hanok paper's prompt templates: the phrase naming the subject is replaced by the
// placeholder, e.g. substitute_placeholder("A building with a roof in the fire",
// "A building with a roof", "*") == "* in the fire". Matching is case-insensitive; the
// text is returned unchanged when the phrase does not occur.
std::string substitute_placeholder(const std::string& text, const std::string& phrase,
                                   const std::string& placeholder);

}  // namespace tunegrid
