// stable_diffusion_base.cpp — see stable_diffusion_base.h.
#include "workers/methods/stable_diffusion_base.h"

#include <fmt/format.h>

#include "core/errors.h"
#include "workers/methods/class_images.h"
#include "workers/methods/external_adapters.h"
#include "workers/methods/stable_diffusion_training.h"

namespace tunegrid {

std::unique_ptr<BaseModel> load_stable_diffusion_base(const std::filesystem::path& dir) {
  return std::make_unique<StableDiffusionBase>(load_stable_diffusion(dir));
}

std::vector<std::string> StableDiffusionBase::apply_loras(const std::vector<LoRAReference>& loras) {
  return apply_external_adapters(model_, loras, {}).summary;
}

TrainingSet StableDiffusionBase::training_set(const TrainingSetOptions& options, const std::string& what) {
  return make_training_set(model_, options, what);
}

TrainingSet StableDiffusionBase::generated_training_set(const std::string& prompt, int count, int resolution,
                                                        std::uint64_t seed, const std::filesystem::path& cache) {
  return make_training_set(model_, class_images(model_, prompt, count, resolution, seed, cache), prompt);
}

void StableDiffusionBase::attach(FineTuneMethod& method) { attach_method(method, model_); }

std::unique_ptr<DenoiserTraining> StableDiffusionBase::training(const FineTuneMethod& method) {
  return std::make_unique<StableDiffusionTraining>(model_, method.trains_text_encoder());
}

void attach_method(FineTuneMethod& method, StableDiffusion& model) {
  auto* attaches = dynamic_cast<AttachesTo<StableDiffusion>*>(&method);
  if (!attaches)
    throw InputError(fmt::format("{}: fine-tunes no StableDiffusionPipeline models", method.name()));
  attaches->attach(model);
}

void freeze_all(StableDiffusion& model) {
  for (auto& p : model.unet->parameters()) p.set_requires_grad(false);
  for (auto& p : model.vae->parameters()) p.set_requires_grad(false);
  for (auto& p : model.text_encoder->parameters()) p.set_requires_grad(false);
}

}  // namespace tunegrid
