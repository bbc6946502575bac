// sample_command.cpp — see sample_command.h.
#include "workers/jobs/sample_command.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "core/errors.h"
#include "core/image_io.h"
#include "workers/builtin/builtin_models.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/diffusion/txt2img_pipeline.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/flux_lora_files.h"

namespace tunegrid {

namespace {

// Stable Diffusion: LoRA and embedding files merged, then StableDiffusionPipeline's sampling.
ImageBatch sample_stable_diffusion(const std::filesystem::path& dir, const SampleRequest& request,
                                   Txt2ImgOptions& options) {
  std::vector<LoRAReference> loras;
  std::vector<EmbeddingReference> embeddings;
  for (const auto& text : request.loras) loras.push_back(parse_lora_reference(text, "--lora"));
  for (const auto& text : request.embeddings) embeddings.push_back(parse_embedding_reference(text, "--embedding"));
  StableDiffusion model = load_stable_diffusion(dir);
  const ExternalAdapters adapters = apply_external_adapters(model, loras, embeddings);
  for (const auto& line : adapters.summary) std::fputs(fmt::format("{}\n", line).c_str(), stdout);
  options.steps = request.steps.value_or(25);
  options.guidance = request.guidance.value_or(7.5);
  options.sampler = request.sampler.value_or("ddim");
  options.prompt = adapters.expand(options.prompt);
  options.negative_prompt = adapters.expand(options.negative_prompt);
  return txt2img(model, options);
}

// FLUX: LoRA files (peft or kohya) merged, then FluxPipeline's sampling (FLUX.1-dev's defaults:
// 28 steps, guidance 3.5).
ImageBatch sample_flux(const std::filesystem::path& dir, const SampleRequest& request, Txt2ImgOptions& options) {
  if (request.sampler)
    throw InputError(fmt::format("--sampler {}: FLUX folders sample with their FlowMatchEulerDiscreteScheduler; "
                                 "--sampler chooses among Stable Diffusion's", *request.sampler));
  if (!request.embeddings.empty())
    throw InputError(fmt::format("{}: --embedding is for Stable Diffusion; FLUX folders take --lora files", dir.string()));
  Flux model = load_flux(dir);
  for (const auto& text : request.loras) {
    const LoRAReference lora = parse_lora_reference(text, "--lora");
    std::fputs(fmt::format("{}\n", merge_flux_lora_file(model, lora.file, lora.scale)).c_str(), stdout);
  }
  options.steps = request.steps.value_or(28);
  options.guidance = request.guidance.value_or(3.5);
  options.sampler = "flow-match euler";
  return flux_txt2img(model, options);
}

}  // namespace

int sample_command(const SampleRequest& request) {
  const std::string& out = request.out;
  if (out.size() < 4 || out.compare(out.size() - 4, 4, ".png") != 0)
    throw InputError(fmt::format("--out {}: expected a .png file name", out));
  const auto start = std::chrono::steady_clock::now();
  const std::filesystem::path dir = resolve_model_reference(request.model, "--model");
  Txt2ImgOptions options = request.options;
  const ImageBatch images =
      is_flux_folder(dir) ? sample_flux(dir, request, options) : sample_stable_diffusion(dir, request, options);
  write_png(out, images.count > 1 ? make_grid(images) : images);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fputs(fmt::format("{}: {} image(s) {}x{}, {} {} steps, guidance {}, seed {} ({:.1f} s)\n", out, images.count,
                         images.width, images.height, options.sampler, options.steps, options.guidance, options.seed,
                         seconds)
                 .c_str(),
             stdout);
  return 0;
}

}  // namespace tunegrid
