// flux_base.h — FLUX as a base model being fine-tuned (base_model.h): external FLUX LoRA files
// merged into its transformer (and CLIP text encoder) weights (flux_lora_files.h), training
// images encoded by its VAE, class images from its pipeline (FluxPipeline's 28 steps at guidance
// 3.5, as train_dreambooth_lora_flux.py makes them), and FluxTraining (flux_training.h) as its
// side of the loop. A method fine-tunes FLUX by deriving from FluxMethod: it attaches to a Flux
// and carries the training script's objective arguments (weighting scheme, guidance, T5 length).
#pragma once
#include "workers/methods/base_model.h"
#include "workers/methods/flux_training.h"
#include "workers/models/flux.h"

namespace tunegrid {

class FluxMethod : public AttachesTo<Flux> {
 public:
  virtual FluxTrainingOptions training_options() const = 0;
};

class FluxBase : public BaseModel {
 public:
  explicit FluxBase(Flux model) : model_(std::move(model)) {}

  void to(const c10::Device& device) override { model_.to(device); }
  std::vector<std::string> apply_loras(const std::vector<LoRAReference>& loras) override;
  TrainingSet training_set(const TrainingSetOptions& options, const std::string& what) override;
  TrainingSet generated_training_set(const std::string& prompt, int count, int resolution, std::uint64_t seed,
                                     const std::filesystem::path& cache) override;
  void attach(FineTuneMethod& method) override;
  std::unique_ptr<DenoiserTraining> training(const FineTuneMethod& method) override;

  Flux& model() { return model_; }

 private:
  Flux model_;
};

// Sets requires_grad false on every weight of the transformer, the VAE and both text encoders.
void freeze_all(Flux& model);

}  // namespace tunegrid
