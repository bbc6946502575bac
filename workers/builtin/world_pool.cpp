// world_pool.cpp — see world_pool.h.
#include "workers/builtin/world_pool.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "workers/data/aerial_world.h"
#include "workers/data/rng.h"

namespace tunegrid {

std::string WorldPool::caption(std::size_t i, std::uint64_t draw) const {
  if (i < scenes.size()) return scene_caption(scenes[i], draw);
  return aerial_caption(aerial_classes[i - scenes.size()], draw);
}

WorldPool make_world_pool(int scene_images, int aerial_images, int size, std::uint64_t seed, bool exclude_hanok) {
  WorldPool pool;
  const int total = scene_images + aerial_images;
  pool.images.key = "pool";
  pool.images.count = total;
  pool.images.height = pool.images.width = size;
  const std::size_t image_bytes = static_cast<std::size_t>(size) * size * 3;
  pool.images.pixels.resize(image_bytes * static_cast<std::size_t>(total));
  Rng rng(mix_seed(seed, 0x5ce7e5));
  const int first_style = exclude_hanok ? 1 : 0;  // hanok is style 0
  const int styles = static_cast<int>(scene_style_names().size());
  for (int i = 0; i < total; ++i) {
    ImageBatch image;
    const std::uint64_t render_seed = mix_seed(seed, static_cast<std::uint64_t>(i));
    if (i < scene_images) {
      SceneLabels labels;
      labels.style = static_cast<SceneStyle>(first_style + rng.below(styles - first_style));
      labels.disaster = static_cast<SceneDisaster>(rng.below(static_cast<int>(scene_disaster_names().size())));
      labels.terrain = static_cast<SceneTerrain>(rng.below(static_cast<int>(scene_terrain_names().size())));
      labels.time = static_cast<SceneTime>(rng.below(static_cast<int>(scene_time_names().size())));
      pool.scenes.push_back(labels);
      image = render_scene(labels, size, render_seed);
    } else {
      const int cls = rng.below(static_cast<int>(aerial_class_names().size()));
      pool.aerial_classes.push_back(cls);
      image = render_aerial(cls, size, render_seed);
    }
    std::memcpy(pool.images.pixels.data() + image_bytes * static_cast<std::size_t>(i), image.pixels.data(), image_bytes);
  }
  return pool;
}

double warmup_cosine_lr(double peak, int step, int steps) {
  const int warmup = std::max(1, steps / 20);
  if (step < warmup) return peak * (step + 1) / warmup;
  const double progress = static_cast<double>(step - warmup) / std::max(1, steps - warmup);
  return peak * (0.1 + 0.9 * 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress))));
}

}  // namespace tunegrid
