// sample_command.h — `tunegrid sample --model DIR|builtin:tiny-sd --prompt "..." [--negative "..."]
// [--steps N] [--guidance G] [--seed S] [--sampler ddim|euler] [--num N] --out x.png`:
// text to image with a Stable Diffusion folder; several images are tiled into one PNG.
#pragma once
#include <cstdint>
#include <string>

#include "workers/diffusion/txt2img_pipeline.h"

namespace tunegrid {

struct SampleRequest {
  std::string model;
  std::string out;
  Txt2ImgOptions options;
};

int sample_command(const SampleRequest& request);

}  // namespace tunegrid
