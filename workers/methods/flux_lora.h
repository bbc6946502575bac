// flux_lora.h — LoRA on FLUX as diffusers' train_dreambooth_lora_flux.py configures it through
// peft: LoraConfig(r, lora_alpha, lora_dropout, init_lora_weights="gaussian") on the
// transformer modules whose path ends with one of the target names (by default the double
// blocks' attention and feed-forward projections — attn.to_q/k/v, attn.to_out.0,
// attn.add_q/k/v_proj, attn.to_add_out, ff.net.0.proj, ff.net.2, ff_context.net.0.proj,
// ff_context.net.2 — which also match the single blocks' attn.to_q/k/v), optionally the CLIP
// text encoder's q/k/v/out_proj (--train_text_encoder). y = W x + (alpha / rank)·B A dropout(x),
// A ~ N(0, 1/rank), B = 0. Defaults: rank 4, alpha 4, dropout 0. The adapters hook into the
// transformer's AdaptableLinear projections (flux_transformer.h) and CLIP's projection hooks;
// files: flux_lora_files.h.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "workers/methods/finetune_method.h"
#include "workers/methods/flux_base.h"
#include "workers/methods/lora.h"

namespace tunegrid {

// The script's default transformer targets (its --lora_layers unset).
const std::vector<std::string>& flux_lora_default_targets();

struct FluxLoRAConfig {
  int rank = 4;
  double alpha = 4;
  double dropout = 0;
  std::vector<std::string> target_modules = flux_lora_default_targets();
  bool train_text_encoder = false;
  std::vector<std::string> text_encoder_target_modules = {"q_proj", "k_proj", "v_proj", "out_proj"};
  std::string concept_text = "sks house";
  bool save_kohya = true;
  FluxTrainingOptions training;
  double scale() const { return alpha / rank; }
};

// The module paths of `component` (transformer or text_encoder) whose path ends with one of
// `targets` at a '.' boundary, in model order.
std::vector<std::string> flux_lora_modules(Flux& model, LoRAComponent component,
                                           const std::vector<std::string>& targets);

// Hooks `adapters` into the projections they name (replacing adapters already there), with
// `dropout` on their input while the model trains; InputError naming `what` for a module that is
// not a LoRA-adaptable projection of this model, or factors that do not fit it.
void install_flux_lora(Flux& model, const std::vector<LoRAAdapter>& adapters, const std::string& what,
                       double dropout = 0);
// W += scale·B A for every adapter, on any linear weight of the transformer (embedders and
// modulations too) or the text encoder.
void merge_flux_lora(Flux& model, const std::vector<LoRAAdapter>& adapters, const std::string& what);

class FluxLoRA : public FineTuneMethod, public FluxMethod {
 public:
  FluxLoRA(FluxLoRAConfig config, std::uint64_t seed) : config_(std::move(config)), seed_(seed) {}
  std::string name() const override { return "flux_lora"; }
  void attach(Flux& model) override;
  FluxTrainingOptions training_options() const override;
  NamedTensors trainable() override;
  std::string concept_text() const override { return config_.concept_text; }
  bool trains_text_encoder() const override { return config_.train_text_encoder; }
  void save(const std::filesystem::path& dir, int step) override;

  const std::vector<LoRAAdapter>& adapters() const { return adapters_; }
  const FluxLoRAConfig& config() const { return config_; }

 private:
  FluxLoRAConfig config_;
  std::uint64_t seed_;
  std::vector<LoRAAdapter> adapters_;
};

}  // namespace tunegrid
