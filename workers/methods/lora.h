// lora.h — LoRA (Hu et al. 2021) on the UNet's attention projections and, optionally, the
// CLIP text encoder's, as diffusers' train_text_to_image_lora.py / train_dreambooth_lora.py
// configure it through peft: for each targeted Linear W (default to_q, to_k, to_v, to_out.0
// of every UNet attention; with train_text_encoder also q_proj, k_proj, v_proj, out_proj of
// every text-encoder layer, as train_dreambooth_lora.py --train_text_encoder and DataDream),
// y = W x + (alpha / rank) · B A x with A [rank, in], B [out, rank]; A ~ N(0, 1/rank) (peft's
// "gaussian", what those scripts use) or kaiming-uniform(a = √5) (kohya-ss networks/lora.py),
// B = 0, so training starts at the base model. Only A and B train (the text encoder's with
// the UNet's, at the same rank, alpha and learning rate; captions are then encoded with
// gradient at every step). Defaults: rank 4, alpha = rank, lr 1e-4, constant schedule, UNet
// only. Artifacts and loading: lora_files.h.
#pragma once
#include <memory>
#include <optional>

#include "workers/methods/finetune_method.h"
#include "workers/models/stable_diffusion.h"
#include "workers/methods/lora_target_names.h"

namespace tunegrid {

struct LoRAConfig {
  int rank = 4;
  double alpha = 0;                                                        // 0: = rank (scale 1)
  std::vector<std::string> target_modules = {"to_q", "to_k", "to_v", "to_out.0"};  // UNet
  bool train_text_encoder = false;                                         // adapt the text encoder too
  std::vector<std::string> text_encoder_target_modules = {"q_proj", "k_proj", "v_proj", "out_proj"};
  std::string init = "gaussian";                                           // "gaussian" | "kaiming"
  std::string concept_text = "sks house";                                  // what "{}" in prompts becomes
  bool save_kohya = true;                                                  // also write the kohya file
  double scale() const { return (alpha > 0 ? alpha : rank) / rank; }
};

// The models LoRA adapts; lora_component_name gives the prefix of their keys in diffusers
// files and of the adapters' trainable names: "unet", "text_encoder", "transformer" (FLUX,
// flux_lora.h).
enum class LoRAComponent { unet, text_encoder, transformer };
const char* lora_component_name(LoRAComponent component);
// The component a key prefix names; nullopt for another.
std::optional<LoRAComponent> lora_component_of(const std::string& name);


// Every module path of `component` LoRA can adapt, sorted: UNet
// "down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q", text encoder
// "text_model.encoder.layers.0.self_attn.q_proj".
std::vector<std::string> lora_modules(StableDiffusion& model, LoRAComponent component);

// One adapter: its model, the module path inside it (diffusers / transformers name, as
// lora_modules lists them) and its factors.
struct LoRAAdapter {
  LoRAComponent component = LoRAComponent::unet;
  std::string module;
  at::Tensor down, up;  // A [rank, in], B [out, rank]
  double scale = 1.0;   // alpha / rank (× a load-time multiplier)
};

// Hooks `adapters` into the UNet's and the text encoder's projections (replacing adapters
// already there); throws InputError naming `what` for a module path that is not an adaptable
// projection of this model, or factors whose shapes do not fit it.
void install_lora(StableDiffusion& model, const std::vector<LoRAAdapter>& adapters, const std::string& what);

// W += scale · B A for every adapter (no hooks left behind).
void merge_lora(StableDiffusion& model, const std::vector<LoRAAdapter>& adapters, const std::string& what);

class LoRA : public FineTuneMethod, public AttachesTo<StableDiffusion> {
 public:
  explicit LoRA(LoRAConfig config, std::uint64_t seed) : config_(std::move(config)), seed_(seed) {}
  std::string name() const override { return "lora"; }
  void attach(StableDiffusion& model) override;
  NamedTensors trainable() override;
  std::string concept_text() const override { return config_.concept_text; }
  bool trains_text_encoder() const override { return config_.train_text_encoder; }
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
