// stable_diffusion_base.h — Stable Diffusion as a base model being fine-tuned (base_model.h):
// external LoRAs merged as external_adapters.h does, training images encoded by its VAE
// (training_set.h), class images from its txt2img pipeline (class_images.h), methods that
// attach to a StableDiffusion, and StableDiffusionTraining (stable_diffusion_training.h) as
// its side of the loop. Also what the Stable Diffusion methods share: freeze_all.
#pragma once
#include "workers/methods/base_model.h"
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

class StableDiffusionBase : public BaseModel {
 public:
  explicit StableDiffusionBase(StableDiffusion model) : model_(std::move(model)) {}

  void to(const c10::Device& device) override { model_.to(device); }
  std::vector<std::string> apply_loras(const std::vector<LoRAReference>& loras) override;
  TrainingSet training_set(const TrainingSetOptions& options, const std::string& what) override;
  TrainingSet generated_training_set(const std::string& prompt, int count, int resolution, std::uint64_t seed,
                                     const std::filesystem::path& cache) override;
  void attach(FineTuneMethod& method) override;
  std::unique_ptr<DenoiserTraining> training(const FineTuneMethod& method) override;

  StableDiffusion& model() { return model_; }

 private:
  StableDiffusion model_;
};

// `method`'s attach to a Stable Diffusion model; InputError when it attaches to another family only.
void attach_method(FineTuneMethod& method, StableDiffusion& model);

// Sets requires_grad false on every UNet, VAE and text-encoder weight: what each method's
// attach starts from before it unfreezes (or adds) what it trains.
void freeze_all(StableDiffusion& model);

}  // namespace tunegrid
