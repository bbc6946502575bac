// txt2img_options.h — what text-to-image sampling takes (txt2img_pipeline.h runs it): the
// prompt and negative prompt, sampler, steps, guidance, seed, image count and size. No torch:
// the command line fills it before libtorch is loaded.
#pragma once
#include <cstdint>
#include <string>

namespace tunegrid {

struct Txt2ImgOptions {
  std::string prompt;
  std::string negative_prompt;  // "" is diffusers' default unconditional prompt
  int steps = 25;
  double guidance = 7.5;
  std::uint64_t seed = 0;
  std::string sampler = "ddim";  // "ddim" | "euler" | "ddpm"
  int num_images = 1;
  int height = 0, width = 0;     // 0: the model's default size
  // FLUX only (flux_pipeline.h): `guidance` is the distilled guidance the transformer embeds;
  // true classifier-free guidance with the negative prompt runs when true_cfg > 1.
  double true_cfg = 1.0;
  int max_sequence_length = 0;  // T5 tokens; 0: tokenizer_2's default_max_length() (512 for FLUX.1)
};

}  // namespace tunegrid
