// world_pool.h — the training images of the builtin tiny models: a fixed pool of rendered
// scenes (labels drawn uniformly, optionally without hanok — the base model must never see
// one) and aerial images, with a fresh caption per draw (scene_caption / aerial_caption
// with a per-draw seed), and the learning-rate schedule the pretraining loops share.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/shard.h"
#include "workers/data/scene_world.h"

namespace tunegrid {

struct WorldPool {
  ImageBatch images;                 // scenes first, then aerial images
  std::vector<SceneLabels> scenes;   // labels of images [0, scenes.size())
  std::vector<int> aerial_classes;   // classes of the images after them

  std::size_t size() const { return scenes.size() + aerial_classes.size(); }
  // A caption of image i; `draw` picks the template.
  std::string caption(std::size_t i, std::uint64_t draw) const;
};

WorldPool make_world_pool(int scene_images, int aerial_images, int size, std::uint64_t seed,
                          bool exclude_hanok);

// Linear warm-up over the first 5% of steps, then cosine decay to 10% of `peak`.
double warmup_cosine_lr(double peak, int step, int steps);

}  // namespace tunegrid
