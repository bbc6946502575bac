// sample_command.cpp — see sample_command.h.
#include "workers/jobs/sample_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "core/errors.h"
#include "core/image_io.h"
#include "workers/builtin/builtin_models.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/methods/external_adapters.h"

namespace tunegrid {

int sample_command(const SampleRequest& request) {
  const std::string& out = request.out;
  if (out.size() < 4 || out.compare(out.size() - 4, 4, ".png") != 0)
    throw InputError(fmt::format("--out {}: expected a .png file name", out));
  const auto start = std::chrono::steady_clock::now();
  std::vector<LoRAReference> loras;
  std::vector<EmbeddingReference> embeddings;
  for (const auto& text : request.loras) loras.push_back(parse_lora_reference(text, "--lora"));
  for (const auto& text : request.embeddings) embeddings.push_back(parse_embedding_reference(text, "--embedding"));
  StableDiffusion model = load_stable_diffusion(resolve_model_reference(request.model, "--model"));
  const ExternalAdapters adapters = apply_external_adapters(model, loras, embeddings);
  for (const auto& line : adapters.summary) std::fputs(fmt::format("{}\n", line).c_str(), stdout);
  Txt2ImgOptions options = request.options;
  options.prompt = adapters.expand(options.prompt);
  options.negative_prompt = adapters.expand(options.negative_prompt);
  const ImageBatch images = txt2img(model, options);
  write_png(out, images.count > 1 ? make_grid(images) : images);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fputs(fmt::format("{}: {} image(s) {}x{}, {} {} steps, guidance {}, seed {} ({:.1f} s)\n", out, images.count,
                         images.width, images.height, request.options.sampler, request.options.steps,
                         request.options.guidance, request.options.seed, seconds)
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace tunegrid
