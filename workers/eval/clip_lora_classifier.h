// clip_lora_classifier.h — DataDream's image classifier (Kim et al., ECCV 2024, seed 002; the
// reference's classify/models/clip.py): a frozen CLIP whose text and vision towers both carry
// LoRA on q_proj and v_proj of every encoder layer (rank 16, α 32, dropout 0.1 by default), and
// whose logits are CLIP's own zero-shot head: exp(logit_scale) · cos(image embedding, class-
// prompt embedding), logit_scale fixed. The class prompts' embeddings are recomputed at every
// training step (once for both of its batches), so the text LoRA trains through them. Adapters follow peft (LoraConfig on a
// transformers CLIPModel): y = W x + b + (α / r) · B A dropout(x), A kaiming-uniform (a = √5),
// B = 0, so an untrained classifier is zero-shot CLIP exactly. Files: peft's adapter folder,
// adapter_config.json + adapter_model.safetensors with keys
// `base_model.model.text_model.encoder.layers.N.self_attn.q_proj.lora_A.weight` (vision_model
// likewise), which PeftModel.from_pretrained(CLIPModel, dir) opens. The reference uses loralib
// on OpenAI CLIP's fused qkv; the q and v factors are the same numbers under other names.
#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>

#include "workers/models/clip_vision_model.h"

namespace tunegrid {

struct CLIPLoRAConfig {
  int rank = 16;
  double alpha = 32;
  double dropout = 0.1;
  std::vector<std::string> target_modules{"q_proj", "v_proj"};  // of q_proj, k_proj, v_proj, out_proj
  double scale() const { return alpha / rank; }
};

class CLIPLoRAClassifier {
 public:
  // `model` is frozen (requires_grad off) and carries the adapters' hooks from now on (one
  // classifier per loaded model: a second one would replace them); class_input_ids [C, L] are
  // the class prompts' token ids (bos … eos, padded). A draws from `seed`. InputError for an
  // unknown target module, rank < 1 or dropout outside [0, 1).
  CLIPLoRAClassifier(CLIPModel model, at::Tensor class_input_ids, CLIPLoRAConfig config, std::uint64_t seed);

  // pixel_values [B, 3, S, S], CLIP-normalised, on the model's device -> logits [B, C].
  at::Tensor logits(const at::Tensor& pixel_values);
  // The same with the class embeddings given (class_embeddings(), computed once for several batches).
  at::Tensor logits(const at::Tensor& pixel_values, const at::Tensor& class_embeddings);
  // Unit-norm class-prompt embeddings [C, D] and image embeddings [B, D].
  at::Tensor class_embeddings();
  at::Tensor image_embeddings(const at::Tensor& pixel_values);

  std::vector<at::Tensor> parameters() const;  // every A and B, trainable
  void train(bool on);                         // LoRA dropout in training only
  void to(const c10::Device& device);
  int image_size() const { return model_->vision_model->config.image_size; }
  const CLIPLoRAConfig& config() const;

  // Factors under peft's saved keys, in layer order (text tower first).
  std::vector<std::pair<std::string, at::Tensor>> peft_tensors() const;
  // Sets every factor from peft-keyed tensors (CPU or any device); InputError naming `what` for
  // a missing, unexpected or misshapen key.
  void load_peft_tensors(const std::map<std::string, at::Tensor>& tensors, const std::string& what);
  // DIR/adapter_config.json + DIR/adapter_model.safetensors (peft's layout); `base_model` goes
  // into base_model_name_or_path.
  void save(const std::filesystem::path& dir, const std::string& base_model) const;

 private:
  struct State;
  // Adds the adapter `key` of the projection with `weight` [out, in] and sets its output `hook`.
  void add_adapter(const at::Tensor& weight, std::function<at::Tensor(const at::Tensor&)>& hook, std::string key,
                   at::Generator& generator);
  CLIPModel model_;
  at::Tensor class_input_ids_;  // [C, L]
  std::shared_ptr<State> state_;
};

// The projections an adapter may target: q_proj, k_proj, v_proj, out_proj.
const std::vector<std::string>& clip_lora_target_names();

// The classifier over `class_prompts` (one a class) on the CLIPModel folder DIR, its tokenizer
// beside it or in DIR/tokenizer/, prompts padded to the tokenizer's max_length.
CLIPLoRAClassifier make_clip_lora_classifier(const std::filesystem::path& dir,
                                             const std::vector<std::string>& class_prompts,
                                             const CLIPLoRAConfig& config, std::uint64_t seed);

// The LoRA config of a peft adapter folder (adapter_config.json: r, lora_alpha, lora_dropout,
// target_modules); InputError naming the file for a missing folder, a non-LoRA or an option
// tunegrid does not implement.
CLIPLoRAConfig read_clip_lora_config(const std::filesystem::path& dir);
// The factors of DIR/adapter_model.safetensors into `classifier` (built with that config).
void load_clip_lora_adapter(CLIPLoRAClassifier& classifier, const std::filesystem::path& dir);

// Images in [−1, 1] [B, 3, S, S] -> CLIP-normalised pixel values (OpenAI CLIP mean and std).
at::Tensor clip_normalise(const at::Tensor& images);

}  // namespace tunegrid
