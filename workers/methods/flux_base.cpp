// flux_base.cpp — see flux_base.h.
#include "workers/methods/flux_base.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "workers/diffusion/flux_pipeline.h"
#include "workers/methods/class_images.h"
#include "workers/methods/flux_lora_files.h"

namespace tunegrid {

std::unique_ptr<BaseModel> load_flux_base(const std::filesystem::path& dir) {
  return std::make_unique<FluxBase>(load_flux(dir));
}

std::vector<std::string> FluxBase::apply_loras(const std::vector<LoRAReference>& loras) {
  std::vector<std::string> summary;
  for (const auto& lora : loras) summary.push_back(merge_flux_lora_file(model_, lora.file, lora.scale));
  return summary;
}

TrainingSet FluxBase::training_set(const TrainingSetOptions& options, const std::string& what) {
  return make_training_set(model_.vae, model_.default_image_size(), options, what);
}

TrainingSet FluxBase::generated_training_set(const std::string& prompt, int count, int resolution,
                                             std::uint64_t seed, const std::filesystem::path& cache) {
  const ClassImageSampler sampler{[&](const Txt2ImgOptions& options) { return flux_txt2img(model_, options); }, 28,
                                  3.5};
  return make_training_set(model_.vae, class_images(sampler, prompt, count, resolution, seed, cache), prompt);
}

namespace {

FluxMethod& flux_method(const FineTuneMethod& method) {
  auto* flux = dynamic_cast<FluxMethod*>(const_cast<FineTuneMethod*>(&method));
  if (!flux) throw InputError(fmt::format("{}: fine-tunes no FluxPipeline models", method.name()));
  return *flux;
}

}  // namespace

void FluxBase::attach(FineTuneMethod& method) { flux_method(method).attach(model_); }

std::unique_ptr<DenoiserTraining> FluxBase::training(const FineTuneMethod& method) {
  return std::make_unique<FluxTraining>(model_, flux_method(method).training_options());
}

void freeze_all(Flux& model) {
  for (auto& p : model.transformer->parameters()) p.set_requires_grad(false);
  for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder_2->parameters()) p.set_requires_grad(false);
}

}  // namespace tunegrid
