// train_classifier_spec.h — the parameters of `train.classifier`, declared once (core/job_params.h):
// train_classifier_spec.cpp publishes them, train_classifier_job.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct TrainClassifierParams : ParamList {
  Param<std::string> architecture{*this, "architecture", "vit",
                                  "vit (ViTForImageClassification), conv, or clip (CLIP with LoRA on both towers, "
                                  "DataDream's)", std::nullopt, {"vit", "conv", "clip"}};
  Param<std::string> real_data{*this, "real_data", "builtin:aerial?count=1000&seed=1",
                               "real training images (data reference; its first `real` items)"};
  Param<int> real{*this, "real", -1, "real images trained on: the first `real` of real_data (-1: all)", -1.0};
  Param<std::string> synthetic_data{*this, "synthetic_data", "",
                                    "synthetic training images (data reference or artifact:<stage>, e.g. a generate.pool stage; "
                                    "its first `synthetic` items)"};
  Param<int> synthetic{*this, "synthetic", 0, "synthetic images trained on: the first `synthetic` of synthetic_data "
                                              "(-1: all)", -1.0};
  Param<std::string> test_data{*this, "test_data", "builtin:aerial?count=380&seed=77",
                               "labelled test images (data reference)"};
  Param<std::string> label{*this, "label", "class", "the label to predict", std::nullopt,
                           {"style", "disaster", "terrain", "time", "class"}};
  Param<int> image_size{*this, "image_size", 32, "pixels the classifier sees (clip: the CLIP's own)", 16.0};
  // ViT (transformers' ViTConfig names)
  Param<int> patch_size{*this, "patch_size", 4, "ViT patch size", 1.0};
  Param<int> hidden_size{*this, "hidden_size", 64, "ViT width", 1.0};
  Param<int> num_hidden_layers{*this, "num_hidden_layers", 4, "ViT layers", 1.0};
  Param<int> num_attention_heads{*this, "num_attention_heads", 4, "ViT heads", 1.0};
  Param<int> intermediate_size{*this, "intermediate_size", 128, "ViT MLP width", 1.0};
  // CLIP (clip_lora_classifier.h; peft's LoraConfig names)
  Param<std::string> clip_model{*this, "clip_model", "builtin:tiny-clip", "clip: CLIPModel folder the classifier adapts"};
  Param<std::string> class_prompt{*this, "class_prompt", "a photo of {}",
                                  "clip: each class's text, {} the class with its article (DataDream: \"a {noun}photo "
                                  "of a {class}\")"};
  Param<int> lora_rank{*this, "lora_rank", 16, "clip: LoRA rank r", 1.0};
  Param<double> lora_alpha{*this, "lora_alpha", 32, "clip: LoRA alpha (scale alpha / r)", 0.0};
  Param<double> lora_dropout{*this, "lora_dropout", 0.1, "clip: dropout on each adapter's input in training", 0.0};
  Param<std::vector<std::string>> lora_target_modules{*this, "lora_target_modules", {"q_proj", "v_proj"},
                                                      "clip: adapted projections of every layer of both towers"};
  Param<double> real_weight{*this, "real_weight", 0.8,
                            "clip: λ in λ·CE(real) + (1 − λ)·CE(synthetic) when both sets are there", 0.0};
  // Training (train_classifier.h)
  Param<int> steps{*this, "steps", 1000, "optimiser steps (clip: 0 is zero-shot CLIP)", 0.0};
  Param<int> batch_size{*this, "batch_size", 64, "images per step", 1.0};
  Param<double> learning_rate{*this, "learning_rate", 1e-3, "AdamW peak learning rate", 0.0};
  Param<double> weight_decay{*this, "weight_decay", 0.05, "AdamW decoupled weight decay", 0.0};
  Param<int> warmup_steps{*this, "warmup_steps", 50, "linear warm-up steps, then cosine decay to 0", 0.0};
  Param<bool> augment{*this, "augment", true, "flips, shifts, blur, brightness and noise (train_classifier.h)"};
  Param<int> seed{*this, "seed", 0, "initialisation, batches and augmentation", 0.0};
};

}  // namespace tunegrid
