// sample_command.h — `tunegrid sample --model DIR|builtin:tiny-sd --prompt "..." [--negative "..."]
// [--steps N] [--guidance G] [--seed S] [--sampler ddim|euler] [--num N]
// [--lora FILE[:SCALE]]... [--embedding FILE[:TOKEN]]... --out x.png`: text to image with a
// Stable Diffusion folder, with LoRA and embedding files people bring
// (workers/methods/external_adapters.h), or with a FLUX folder (model_index.json FluxPipeline:
// flux_pipeline.h; --guidance is the embedded distilled guidance, --true-cfg S > 1 adds true
// classifier-free guidance with --negative, --max-sequence-length the T5 tokens). Steps and
// guidance default to the family's pipeline defaults (Stable Diffusion 25 and 7.5, FLUX 28 and
// 3.5). Several images are tiled into one PNG. The request is torch-free: the command line fills
// it, libtunegrid_torch.so runs it (torch_plugin_api.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "workers/diffusion/txt2img_options.h"

namespace tunegrid {

struct SampleRequest {
  std::string model;
  std::string out;
  std::vector<std::string> loras;       // FILE[:SCALE]
  std::vector<std::string> embeddings;  // FILE[:TOKEN]
  Txt2ImgOptions options;  // steps, guidance and sampler come from the fields below
  std::optional<int> steps;
  std::optional<double> guidance;
  std::optional<std::string> sampler;
};

int sample_command(const SampleRequest& request);

}  // namespace tunegrid
