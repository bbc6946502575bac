// lora.h — LoRA (Hu et al. 2021) on the UNet's attention projections, as diffusers'
// train_text_to_image_lora.py / train_dreambooth_lora.py configure it through peft: for each
// targeted Linear W (default to_q, to_k, to_v, to_out.0 of every attention), y = W x +
// (alpha / rank) · B A x with A [rank, in], B [out, rank]; A ~ N(0, 1/rank) (peft's
// "gaussian", what those scripts use) or kaiming-uniform(a = √5) (kohya-ss networks/lora.py),
// B = 0, so training starts at the base model. Only A and B train. Defaults: rank 4,
// alpha = rank, lr 1e-4, constant schedule. Artifacts and loading: lora_files.h.
#pragma once
#include <memory>

#include "workers/methods/finetune_method.h"

namespace tunegrid {

struct LoRAConfig {
  int rank = 4;
  double alpha = 0;                                                        // 0: = rank (scale 1)
  std::vector<std::string> target_modules = {"to_q", "to_k", "to_v", "to_out.0"};
  std::string init = "gaussian";                                           // "gaussian" | "kaiming"
  std::string concept_text = "sks house";                                  // what "{}" in prompts becomes
  bool save_kohya = true;                                                  // also write the kohya file
  double scale() const { return (alpha > 0 ? alpha : rank) / rank; }
};

// The attention projections LoRA can adapt, as peft names them.
const std::vector<std::string>& lora_target_names();

// One adapter: the module path (diffusers name, e.g.
// "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q") and its factors.
struct LoRAAdapter {
  std::string module;
  at::Tensor down, up;  // A [rank, in], B [out, rank]
  double scale = 1.0;   // alpha / rank (× a load-time multiplier)
};

// Hooks `adapters` into the UNet's attention modules (replacing adapters already there);
// throws InputError for a module path that is not an attention projection of this UNet.
void install_lora(UNet2DConditionModel& unet, const std::vector<LoRAAdapter>& adapters, const std::string& what);

// W += scale · B A for every adapter (no hooks left behind).
void merge_lora(UNet2DConditionModel& unet, const std::vector<LoRAAdapter>& adapters, const std::string& what);

class LoRA : public FineTuneMethod {
 public:
  explicit LoRA(LoRAConfig config, std::uint64_t seed) : config_(std::move(config)), seed_(seed) {}
  std::string name() const override { return "lora"; }
  void attach(StableDiffusion& model) override;
  NamedTensors trainable() override;
  std::string concept_text() const override { return config_.concept_text; }
  void save(const std::filesystem::path& dir, int step) override;

  const std::vector<LoRAAdapter>& adapters() const { return adapters_; }
  const LoRAConfig& config() const { return config_; }

 private:
  LoRAConfig config_;
  std::uint64_t seed_;
  StableDiffusion* model_ = nullptr;
  std::vector<LoRAAdapter> adapters_;
};

}  // namespace tunegrid
