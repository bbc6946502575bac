// aerial_conditions.h — what makes real overhead imagery harder than the clean builtin renders:
// cloud cover, sensor noise and mixed land use (a second class's pattern showing through), as
// optional parameters of builtin:aerial (data_reference.h). The ratio study (Khrulev, seed 003)
// needs real data a classifier does not already master from 1,000 images: clean renders give
// 0.997 real-only accuracy (docs/builtin-world.md), PatternNet gives the paper ~0.93.
// Every parameter at 0 leaves the render untouched, so builtin:aerial without them is unchanged.
#pragma once
#include <cstdint>

#include "core/shard.h"

namespace tunegrid {

struct AerialConditions {
  double clouds = 0;  // at most this fraction of the image's light blocked by soft white clouds, [0, 1]
  double noise = 0;   // Gaussian pixel noise, std as a fraction of 255, [0, 1]
  double mix = 0;     // at most this weight of a second class's render blended in, [0, 0.5]
  bool any() const { return clouds > 0 || noise > 0 || mix > 0; }
};

// Degrades `image` (count 1, RGB) in place: first blends `other` (same size, another class's
// render; ignored when mix is 0) with weight U(0, mix), then clouds with a coverage U(0, clouds),
// then noise. Deterministic in (`image`, `other`, conditions, seed).
void apply_aerial_conditions(ImageBatch& image, const ImageBatch& other, const AerialConditions& conditions,
                             std::uint64_t seed);

}  // namespace tunegrid
