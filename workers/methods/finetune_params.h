// finetune_params.h — the parameters every `finetune.<method>` job kind shares, declared once
// (core/job_params.h) and named as diffusers' training scripts name them (max_train_steps,
// train_batch_size, learning_rate, scale_lr, lr_scheduler, lr_warmup_steps, snr_gamma,
// checkpointing_steps, validation_prompt, ...), with the defaults that differ between methods
// (each its reference script's, docs/methods.md) given by the method; prior preservation's
// parameters, shared by DreamBooth and Custom Diffusion. A method's kind derives its own
// parameter struct from FineTuneParams (e.g. lora_job.h). No torch: the command line checks
// experiment files against these.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "core/job_params.h"
#include "workers/methods/external_adapter_params.h"
#include "workers/methods/learning_rate_schedule.h"

namespace tunegrid {

// Defaults that differ between methods.
struct MethodDefaults {
  int steps = 500, batch = 1;
  double learning_rate = 1e-4;
  int warmup = 0;
  double flip = 0.0;
  std::vector<std::string> templates;
  double weight_decay = 1e-2;
  std::string model = "builtin:tiny-sd";
  std::string model_doc = "base model: diffusers folder or builtin:tiny-sd";
};

struct FineTuneParams : ParamList {
  explicit FineTuneParams(MethodDefaults defaults) : method_defaults(std::move(defaults)) {}

  const MethodDefaults method_defaults;  // first: the declarations below read it
  Param<std::string> model{*this, "model", method_defaults.model, method_defaults.model_doc};
  Param<std::string> data{*this, "data", "builtin:scenes?style=hanok&count=100", "training images (data reference)"};
  Param<int> train_images{*this, "train_images", 0, "use the first N images of data (0: all)", 0.0};
  Param<int> resolution{*this, "resolution", 0, "training resolution in pixels (0: the model's)", 0.0};
  Param<std::string> captions{*this, "captions", "template",
                              "template: prompt_templates; data: the images' captions; class: prompt_templates "
                              "with {} the image's class label with its article (DataDream)", std::nullopt,
                              {"template", "data", "class"}};
  Param<std::vector<std::string>> prompt_templates{*this, "prompt_templates", method_defaults.templates,
                                                   "caption templates; {} is the concept"};
  Param<std::string> concept_word{*this, "concept_word", "hanok",
                                  "with captions = data: the word replaced by the concept"};
  Param<double> flip_p{*this, "flip_p", method_defaults.flip, "probability of a horizontally flipped example", 0.0};
  Param<int> max_train_steps{*this, "max_train_steps", method_defaults.steps, "optimizer steps", 1.0};
  Param<int> num_train_epochs{
      *this, "num_train_epochs", 0,
      "> 0: train this many passes over the images instead (steps = epochs × ⌈images / (batch × accumulation)⌉)",
      0.0};
  Param<int> train_batch_size{*this, "train_batch_size", method_defaults.batch, "examples per micro-step", 1.0};
  Param<int> gradient_accumulation_steps{*this, "gradient_accumulation_steps", 1, "micro-steps per optimizer step",
                                         1.0};
  Param<double> learning_rate{*this, "learning_rate", method_defaults.learning_rate, "peak learning rate", 0.0};
  Param<bool> scale_lr{*this, "scale_lr", false, "lr × accumulation × batch (diffusers)"};
  Param<std::string> lr_scheduler{*this, "lr_scheduler", "constant", "learning-rate schedule", std::nullopt,
                                  learning_rate_schedule_names()};
  Param<int> lr_warmup_steps{*this, "lr_warmup_steps", method_defaults.warmup,
                             "warm-up steps (not used by constant)", 0.0};
  Param<double> adam_beta1{*this, "adam_beta1", 0.9, "AdamW β1", 0.0};
  Param<double> adam_beta2{*this, "adam_beta2", 0.999, "AdamW β2", 0.0};
  Param<double> adam_epsilon{*this, "adam_epsilon", 1e-8, "AdamW ε", 0.0};
  Param<double> adam_weight_decay{*this, "adam_weight_decay", method_defaults.weight_decay,
                                  "AdamW (and Prodigy) weight decay", 0.0};
  Param<double> max_grad_norm{*this, "max_grad_norm", 1.0, "gradient-norm clipping (0: none)", 0.0};
  Param<double> snr_gamma{*this, "snr_gamma", 0.0, "min-SNR-γ loss weighting (0: off)", 0.0};
  Param<int> seed{*this, "seed", 0, "seed of every random draw", 0.0};
  Param<int> checkpointing_steps{*this, "checkpointing_steps", 0, "steps between resumable checkpoints (0: none)",
                                 0.0};
  Param<int> checkpoints_total_limit{*this, "checkpoints_total_limit", 0, "keep the newest N checkpoints (0: all)",
                                     0.0};
  Param<std::string> validation_prompt{*this, "validation_prompt", "",
                                       "prompt sampled during training ({} is the concept)"};
  Param<int> validation_steps{*this, "validation_steps", 0, "steps between validation samples (0: none)", 0.0};
  Param<int> num_validation_images{*this, "num_validation_images", 2, "images per validation", 1.0};
  Param<double> bucket_size_mb{
      *this, "bucket_size_mb", 25.0,
      "data parallelism ([run] ranks_per_job > 1): gradient bucket size in MB (DDP's bucket_cap_mb)", 0.001};
  ExternalLoRAsParam loras{*this};
  // Added after stores existed: at their defaults they leave job ids as they were.
  AddedParam<std::string> mixed_precision{
      *this, "mixed_precision", "no",
      "no | fp16 | bf16: frozen weights in that precision, autocast forward, trained tensors fp32 (fp16: loss "
      "scaling, inf/NaN steps skipped)",
      std::nullopt, {"no", "fp16", "bf16"}};
  AddedParam<bool> gradient_checkpointing{
      *this, "gradient_checkpointing", false,
      "recompute the UNet's resnets and attentions (and a trained text encoder's layers) in backward"};
  AddedParam<bool> allow_tf32{*this, "allow_tf32", false, "TF32 matrix products and convolutions on Ampere+ GPUs"};
};

// Prior preservation as a job asks for it: DreamBooth's class images, Custom Diffusion's
// regularization images, generated by the base model from class_prompt and trained in the
// same batch, loss = instance loss + loss_weight · their loss.
struct PriorPreservation {
  std::string class_prompt;
  int num_class_images = 0;
  double loss_weight = 1.0;
};

// Its parameters (`images` names the images in the descriptions).
struct PriorPreservationParams {
  PriorPreservationParams(ParamList& list, const std::string& images, bool enabled, const std::string& prompt,
                          int count)
      : with_prior_preservation(list, "with_prior_preservation", enabled, "train on " + images + " too"),
        class_prompt(list, "class_prompt", prompt, "prompt of the " + images),
        num_class_images(list, "num_class_images", count, images + " generated by the base model", 1.0),
        prior_loss_weight(list, "prior_loss_weight", 1.0, "weight λ of the loss on the " + images, 0.0) {}

  Param<bool> with_prior_preservation;
  Param<std::string> class_prompt;
  Param<int> num_class_images;
  Param<double> prior_loss_weight;

  // Nothing without with_prior_preservation.
  std::optional<PriorPreservation> of(const Job& job) const {
    if (!with_prior_preservation.of(job)) return std::nullopt;
    return PriorPreservation{class_prompt.of(job), num_class_images.of(job), prior_loss_weight.of(job)};
  }
};

// The spec of `finetune.<method>`: `params`, and the outputs every such kind writes.
KindSpec finetune_kind_spec(const std::string& method, const std::string& doc, const FineTuneParams& params);

}  // namespace tunegrid
