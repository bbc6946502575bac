// finetune_spec.cpp — the parameters of the `finetune.<method>` kinds (no torch: the command
// line checks experiment files against them without loading libtorch): the ones every method
// shares, named as diffusers' training scripts name them, with each method's defaults (its
// reference script's), then the method's own. The kinds run in finetune.cpp.
#include "workers/jobs/external_adapter_params.h"
#include "workers/jobs/job_specs.h"
#include "workers/methods/learning_rate_schedule.h"
#include "workers/methods/lora_target_names.h"
#include "workers/methods/prompt_templates.h"

namespace tunegrid {

namespace {

Value string_list(const std::vector<std::string>& items) {
  Value::List list;
  for (const auto& item : items) list.emplace_back(item);
  return Value(list);
}

// Defaults that differ between methods.
struct MethodDefaults {
  int steps, batch;
  double learning_rate;
  int warmup;
  double flip;
  std::vector<std::string> templates;
};

std::vector<ParamSpec> shared_params(const MethodDefaults& d) {
  return {
      {"model", ParamType::string, Value("builtin:tiny-sd"), "base model: diffusers folder or builtin:tiny-sd",
       std::nullopt, {}},
      {"data", ParamType::string, Value("builtin:scenes?style=hanok&count=100"), "training images (data reference)",
       std::nullopt, {}},
      {"train_images", ParamType::integer, Value(0), "use the first N images of data (0: all)", 0.0, {}},
      {"resolution", ParamType::integer, Value(0), "training resolution in pixels (0: the model's)", 0.0, {}},
      {"captions", ParamType::string, Value("template"), "template: prompt_templates; data: the images' captions",
       std::nullopt, {"template", "data"}},
      {"prompt_templates", ParamType::string_list, string_list(d.templates), "caption templates; {} is the concept",
       std::nullopt, {}},
      {"concept_word", ParamType::string, Value("hanok"), "with captions = data: the word replaced by the concept",
       std::nullopt, {}},
      {"flip_p", ParamType::number, Value(d.flip), "probability of a horizontally flipped example", 0.0, {}},
      {"max_train_steps", ParamType::integer, Value(d.steps), "optimizer steps", 1.0, {}},
      {"num_train_epochs", ParamType::integer, Value(0),
       "> 0: train this many passes over the images instead (steps = epochs × ⌈images / (batch × accumulation)⌉)",
       0.0, {}},
      {"train_batch_size", ParamType::integer, Value(d.batch), "examples per micro-step", 1.0, {}},
      {"gradient_accumulation_steps", ParamType::integer, Value(1), "micro-steps per optimizer step", 1.0, {}},
      {"learning_rate", ParamType::number, Value(d.learning_rate), "peak learning rate", 0.0, {}},
      {"scale_lr", ParamType::boolean, Value(false), "lr × accumulation × batch (diffusers)", std::nullopt, {}},
      {"lr_scheduler", ParamType::string, Value("constant"), "learning-rate schedule", std::nullopt,
       learning_rate_schedule_names()},
      {"lr_warmup_steps", ParamType::integer, Value(d.warmup), "warm-up steps (not used by constant)", 0.0, {}},
      {"adam_beta1", ParamType::number, Value(0.9), "AdamW β1", 0.0, {}},
      {"adam_beta2", ParamType::number, Value(0.999), "AdamW β2", 0.0, {}},
      {"adam_epsilon", ParamType::number, Value(1e-8), "AdamW ε", 0.0, {}},
      {"adam_weight_decay", ParamType::number, Value(1e-2), "AdamW weight decay", 0.0, {}},
      {"max_grad_norm", ParamType::number, Value(1.0), "gradient-norm clipping (0: none)", 0.0, {}},
      {"snr_gamma", ParamType::number, Value(0.0), "min-SNR-γ loss weighting (0: off)", 0.0, {}},
      {"seed", ParamType::integer, Value(0), "seed of every random draw", 0.0, {}},
      {"checkpointing_steps", ParamType::integer, Value(0), "steps between resumable checkpoints (0: none)", 0.0, {}},
      {"checkpoints_total_limit", ParamType::integer, Value(0), "keep the newest N checkpoints (0: all)", 0.0, {}},
      {"validation_prompt", ParamType::string, Value(""), "prompt sampled during training ({} is the concept)",
       std::nullopt, {}},
      {"validation_steps", ParamType::integer, Value(0), "steps between validation samples (0: none)", 0.0, {}},
      {"num_validation_images", ParamType::integer, Value(2), "images per validation", 1.0, {}},
      {"bucket_size_mb", ParamType::number, Value(25.0),
       "data parallelism ([run] ranks_per_job > 1): gradient bucket size in MB (DDP's bucket_cap_mb)", 0.001, {}},
      external_loras_param(),
  };
}

KindSpec finetune_spec(const std::string& method, const std::string& doc, const MethodDefaults& defaults,
                       std::vector<ParamSpec> method_params) {
  KindSpec spec;
  spec.name = "finetune." + method;
  spec.doc = doc;
  spec.outputs =
      "metrics `trainable_parameters`, `final_loss`, `resumed_from_step`, `step_seconds`, `peak_rss_mb`; loss per "
      "step; timings `load`, `train`, `sample`; validation images `sample_step_<N>`; the method's files in its "
      "artifact folder (docs/methods.md)";
  spec.params = shared_params(defaults);
  for (auto& p : method_params) spec.params.push_back(std::move(p));
  return spec;
}

}  // namespace

KindSpec finetune_textual_inversion_spec() {

  return finetune_spec("textual_inversion", "Textual Inversion: learns new token embeddings (diffusers textual_inversion.py).",
      {5000, 16, 1e-4, 500, 0.5, object_prompt_templates()},
      {{"placeholder_token", ParamType::string, Value("<hanok>"), "the new token (must not be a token yet)",
        std::nullopt, {}},
       {"initializer_token", ParamType::string, Value("house"), "single token the new rows start from", std::nullopt,
        {}},
       {"num_vectors", ParamType::integer, Value(1), "embedding vectors of the concept", 1.0, {}}});
}

KindSpec finetune_dreambooth_spec() {

  return finetune_spec("dreambooth", "DreamBooth: fine-tunes the whole UNet, optionally with prior preservation (train_dreambooth.py).",
      {400, 4, 5e-6, 0, 0.0, {"a photo of {}"}},
      {{"instance_text", ParamType::string, Value("sks house"), "the subject in prompts (identifier + class)",
        std::nullopt, {}},
       {"train_text_encoder", ParamType::boolean, Value(false), "also train the text encoder", std::nullopt, {}},
       {"with_prior_preservation", ParamType::boolean, Value(false), "train on generated class images too",
        std::nullopt, {}},
       {"class_prompt", ParamType::string, Value("a photo of a house"), "prompt of the class images", std::nullopt, {}},
       {"num_class_images", ParamType::integer, Value(100), "class images generated by the base model", 1.0, {}},
       {"prior_loss_weight", ParamType::number, Value(1.0), "weight λ of the class loss", 0.0, {}}});
}

KindSpec finetune_lora_spec() {

  return finetune_spec("lora",
      "LoRA on the UNet's attention projections, optionally the text encoder's (diffusers/peft; kohya-ss file too).",
      {500, 4, 1e-4, 0, 0.5, {"a photo of {}"}},
      {{"rank", ParamType::integer, Value(4), "LoRA rank r", 1.0, {}},
       {"lora_alpha", ParamType::number, Value(0.0), "alpha (scale alpha / r); 0: = rank", 0.0, {}},
       {"target_modules", ParamType::string_list, string_list(lora_target_names()),
        "UNet attention projections to adapt", std::nullopt, lora_target_names()},
       {"train_text_encoder", ParamType::boolean, Value(false),
        "also adapt the text encoder (same rank, alpha and lr; diffusers' --train_text_encoder)", std::nullopt, {}},
       {"text_encoder_target_modules", ParamType::string_list, string_list(lora_text_encoder_target_names()),
        "text-encoder attention projections to adapt, with train_text_encoder", std::nullopt,
        lora_text_encoder_target_names()},
       {"init_lora_weights", ParamType::string, Value("gaussian"), "A's init: gaussian (peft) or kaiming (kohya)",
        std::nullopt, {"gaussian", "kaiming"}},
       {"instance_text", ParamType::string, Value("sks house"), "the subject in prompts", std::nullopt, {}}});
}

KindSpec finetune_hypernetwork_spec() {

  Value::List default_structure{Value(1.0), Value(2.0), Value(1.0)};
  return finetune_spec("hypernetwork", "AUTOMATIC1111 hypernetwork: MLPs on the attention context before to_k / to_v.",
      {100000, 1, 1e-5, 0, 0.0, {"a photo of {}"}},
      {{"hypernetwork_name", ParamType::string, Value("hanok"), "name (file <name>.pt and the A1111 field)",
        std::nullopt, {}},
       {"enable_sizes", ParamType::integer_list, Value(Value::List{}), "context widths (empty: all of the UNet's)",
        1.0, {}},
       {"layer_structure", ParamType::number_list, Value(default_structure), "width factors, 1 ... 1", 0.0, {}},
       {"activation_func", ParamType::string, Value("linear"), "activation after hidden layers", std::nullopt,
        {"linear", "relu", "leakyrelu", "elu", "swish", "tanh", "sigmoid"}},
       {"add_layer_norm", ParamType::boolean, Value(false), "LayerNorm after each Linear", std::nullopt, {}},
       {"use_dropout", ParamType::boolean, Value(false), "dropout 0.3 after hidden layers (A1111's structure)",
        std::nullopt, {}},
       {"last_layer_dropout", ParamType::boolean, Value(true), "with use_dropout: after the last hidden layer too",
        std::nullopt, {}},
       {"dropout_structure", ParamType::number_list, Value(Value::List{}),
        "dropout per layer_structure entry, 0 ... 0 (empty: from use_dropout)", 0.0, {}},
       {"activate_output", ParamType::boolean, Value(false), "activation after the last Linear too", std::nullopt, {}},
       {"instance_text", ParamType::string, Value("hanok"), "what {} in prompt templates becomes", std::nullopt, {}}});
}

KindSpec finetune_custom_diffusion_spec() {

  return finetune_spec("custom_diffusion",
      "Custom Diffusion: cross-attention k/v + a modifier token, masked rescaled images, regularization images.",
      {250, 4, 1e-5, 0, 0.0, {"photo of a {}"}},
      {{"modifier_token", ParamType::string, Value("<new1>"), "the new token V*", std::nullopt, {}},
       {"initializer_token", ParamType::string, Value("house"), "single token V* starts from (SD: ktn)", std::nullopt,
        {}},
       {"instance_text", ParamType::string, Value("<new1> house"), "the concept in prompts (V* + class word)",
        std::nullopt, {}},
       {"freeze_model", ParamType::string, Value("crossattn_kv"), "train attn2 k/v, or all of attn2", std::nullopt,
        {"crossattn_kv", "crossattn"}},
       {"augment", ParamType::boolean, Value(true), "rescaled images with the masked loss (diffusers: not --noaug)",
        std::nullopt, {}},
       {"with_prior_preservation", ParamType::boolean, Value(true), "train on regularization images too",
        std::nullopt, {}},
       {"class_prompt", ParamType::string, Value("photo of a house"), "prompt of the regularization images",
        std::nullopt, {}},
       {"num_class_images", ParamType::integer, Value(200), "regularization images generated by the base model", 1.0,
        {}},
       {"prior_loss_weight", ParamType::number, Value(1.0), "weight of the regularization loss", 0.0, {}},
       {"concepts_data", ParamType::string_list, Value(Value::List{}),
        "joint training: one data reference per concept (diffusers' concepts_list), replacing data", std::nullopt,
        {}},
       {"concepts_instance_text", ParamType::string_list, Value(Value::List{}),
        "joint training: each concept's text with its modifier token (modifier_token \"<new1>+<new2>\")",
        std::nullopt, {}},
       {"concepts_class_prompt", ParamType::string_list, Value(Value::List{}),
        "joint training: each concept's regularization prompt, replacing class_prompt", std::nullopt, {}}});
}

}  // namespace tunegrid
