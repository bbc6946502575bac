// sample_command.h — `tunegrid sample --model DIR|builtin:tiny-sd --prompt "..." [--negative "..."]
// [--steps N] [--guidance G] [--seed S] [--sampler ddim|euler] [--num N]
// [--lora FILE[:SCALE]]... [--embedding FILE[:TOKEN]]... --out x.png`: text to image with a
// Stable Diffusion folder, with LoRA and embedding files people bring
// (workers/methods/external_adapters.h); several images are tiled into one PNG. The request is
// torch-free: the command line fills it, libtunegrid_torch.so runs it (torch_plugin_api.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "workers/diffusion/txt2img_options.h"

namespace tunegrid {

struct SampleRequest {
  std::string model;
  std::string out;
  std::vector<std::string> loras;       // FILE[:SCALE]
  std::vector<std::string> embeddings;  // FILE[:TOKEN]
  Txt2ImgOptions options;
};

int sample_command(const SampleRequest& request);

}  // namespace tunegrid
