// hypernetwork.h — hypernetworks as AUTOMATIC1111 trains them (modules/hypernetworks/
// hypernetwork.py, after NovelAI): for each context width in `enable_sizes` a pair of MLPs
// (one for k, one for v) of `layer_structure` (1, 2, 1 → Linear(d, 2d), Linear(2d, d)),
// `activation_func` after each Linear but the last (unless `activate_output`), optional
// LayerNorm, Dropout where `dropout_structure` says (A1111's parse_dropout_structure when
// not given: all 0 without `use_dropout`, else 0.3 after every hidden Linear but the last,
// and after the last hidden one only with `last_layer_dropout`); "Normal" initialisation:
// Linear and LayerNorm weights N(0, 0.01), biases 0 (A1111 also draws the LayerNorm scales
// from N(0, 0.01)). Every attention of the UNet (self- and cross-attention) sends its context
// through the pair matching its width before to_k / to_v: x + mlp(x) (× `multiplier` at
// inference); q is untouched. Only the MLPs train (UI lr 1e-5).
// Artifacts: hypernetwork.safetensors (keys "<size>.<0 k | 1 v>.linear.<i>.weight|bias" and
// the A1111 fields as metadata: layer_structure, activation_func, is_layer_norm,
// weight_initialization, use_dropout, dropout_structure, activate_output,
// last_layer_dropout, step, name) and <name>.pt, the A1111 file itself (`{size: [state_k,
// state_v], ...}` plus those fields), written as torch.save writes it.
#pragma once
#include <map>

#include "workers/methods/finetune_method.h"
#include "workers/models/stable_diffusion.h"

namespace tunegrid {

struct HypernetworkConfig {
  std::string name = "hanok";
  std::vector<int> enable_sizes;                 // empty: every attention context width of the UNet
  std::vector<double> layer_structure = {1, 2, 1};
  std::string activation_func = "linear";       // linear | relu | leakyrelu | elu | swish | tanh | sigmoid
  bool add_layer_norm = false;
  bool use_dropout = false;
  bool last_layer_dropout = true;               // A1111's Hypernetwork default
  std::vector<double> dropout_structure;        // one per layer_structure entry; empty: from use_dropout
  bool activate_output = false;
  double multiplier = 1.0;                      // at inference
  std::string concept_text = "hanok";
};

// One MLP: its layers in A1111's order ("linear.<i>": Linear, activation, LayerNorm, Dropout).
struct HypernetworkMLP {
  struct Layer {
    std::string kind;     // "linear" | "activation" | "layer_norm" | "dropout"
    at::Tensor weight, bias;
    double dropout = 0.0;
  };
  std::vector<Layer> layers;
  at::Tensor forward(const at::Tensor& x, bool training, const std::string& activation) const;
};

class Hypernetwork : public FineTuneMethod, public AttachesTo<StableDiffusion> {
 public:
  Hypernetwork(HypernetworkConfig config, std::uint64_t seed) : config_(std::move(config)), seed_(seed) {}
  std::string name() const override { return "hypernetwork"; }
  void attach(StableDiffusion& model) override;
  NamedTensors trainable() override;
  std::string concept_text() const override { return config_.concept_text; }
  void save(const std::filesystem::path& dir, int step) override;

  void set_training(bool training) override { *training_ = training; }
  const std::map<int, std::pair<HypernetworkMLP, HypernetworkMLP>>& modules() const { return modules_; }

 private:
  HypernetworkConfig config_;
  std::uint64_t seed_;
  std::map<int, std::pair<HypernetworkMLP, HypernetworkMLP>> modules_;  // width -> (k, v)
  std::shared_ptr<bool> training_ = std::make_shared<bool>(true);
};

// The dropout probability after each layer_structure entry (validated; InputError naming
// the field otherwise).
std::vector<double> resolved_dropout_structure(const HypernetworkConfig& config);

// Applies a hypernetwork.safetensors written by tunegrid (inference: multiplier, no dropout):
// the MLPs are rebuilt from its metadata fields as training built them, then every tensor is
// checked against them.
void load_hypernetwork(StableDiffusion& model, const std::filesystem::path& file, double multiplier = 1.0);

}  // namespace tunegrid
