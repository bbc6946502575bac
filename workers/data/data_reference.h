// data_reference.h — what a `data = "..."` value in an experiment names (docs/design.md "Model
// and data references"): a path to an image folder (image_folder.h), or a builtin world
// with parameters in query form:
//   builtin:scenes?style=hanok&disaster=fire&count=50&seed=3&size=32
//       style, disaster, terrain, time: a name or a comma list (default: all of them)
//       exclude_style: a comma list of styles left out (e.g. hanok, for pretraining)
//       balance: 1 gives item i style i mod (number of styles), drawn as shot i / n of that
//       style alone: a prefix is class-balanced and style=hanok&balance=1 lists the same
//       hanok shots as style=hanok,chinese&balance=1 (few-shot sets, DataDream)
//       count (default 100; 1..10^7), seed (default 0; a non-negative integer), size
//       (default: the `size` argument; 16..512)
//   builtin:aerial?class=airplane,beach&count=20&seed=0&size=32
//       class: a name or comma list (default all 38); count (default 100) is the total,
//       item i has class i mod (number of classes); seed, size as above; harder conditions
//       (aerial_conditions.h; all 0 by default): clouds (max cover, 0..1), noise (pixel std as
//       a fraction of 255, 0..1), mix (max weight of another class's render blended in, 0..0.5)
//   a folder path (anything not starting with "builtin:"): image_folder.h at `size`; class
//       subfolders (torchvision's ImageFolder, PatternNet's layout) label each item's `class`
//       with its subfolder's name, interleaved so that a prefix is class-balanced; a folder
//       of images alone labels them with its own name (one class's shots)
// Scenes: each item's labels are drawn uniformly from the selection (the style in turn with
// balance=1); `class` is the style's noun ("hanok", "chinese palace"), the name a scene
// classifier and a class prompt use. Items are drawn
// deterministically: item i's labels, caption and render seed depend only on (seed, i), so
// count=5 is a prefix of count=50 with the same seed.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/shard.h"

namespace tunegrid {

struct DataItem {
  ImageBatch image;                          // count 1, size × size, RGB
  std::string caption;
  std::map<std::string, std::string> labels;  // scenes: style, class, disaster, terrain, time;
                                              // aerial: class; folders: class (the folder's name)
};

struct DataSet {
  std::string reference;      // as given
  std::vector<DataItem> items;
};

// Resolves and loads a data reference. `size` is the image size wanted when the reference
// does not say (folders always use it). Throws InputError naming the reference, the
// parameter and what was expected (unknown parameter with did-you-mean, bad value, empty
// selection, missing folder).
DataSet load_data_reference(const std::string& reference, int size);

}  // namespace tunegrid
