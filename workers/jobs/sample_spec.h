// sample_spec.h — the parameters of `sample`, declared once (core/job_params.h):
// sample_spec.cpp publishes them, sample.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"
#include "workers/data/aerial_world.h"
#include "workers/data/scene_world.h"
#include "workers/methods/external_adapter_params.h"

namespace tunegrid {

struct SampleParams : ParamList {
  Param<std::string> model{*this, "model", "builtin:tiny-sd",
                           "diffusers Stable Diffusion or FLUX folder, builtin:tiny-sd or builtin:tiny-flux"};
  Param<std::string> prompt{*this, "prompt", "",
                            "the prompt (empty: the scene prompt of style and disaster); {} is a fine-tuned concept"};
  Param<std::string> finetuned{*this, "finetuned", "",
                               "stage of the finetune.* job whose result is sampled (empty: model)"};
  Param<std::string> clip_concept{
      *this, "clip_concept", "",
      "what {} becomes in the prompt clip_score uses (empty: as sampled); without finetuned in both"};
  Param<std::string> negative_prompt{*this, "negative_prompt", "", "negative prompt of classifier-free guidance"};
  Param<std::string> style{*this, "style", "", "scene style the images should show (enables style/disaster_accuracy)",
                           std::nullopt, style_choices()};
  Param<std::string> disaster{*this, "disaster", "none", "scene disaster the images should show", std::nullopt,
                              scene_disaster_names()};
  Param<int> images{*this, "images", 8, "images per prompt", 1.0};
  Param<int> steps{*this, "steps", 25, "sampler steps", 1.0};
  Param<double> guidance{*this, "guidance", 7.5,
                         "classifier-free guidance scale (<= 1: none); FLUX: the embedded guidance of "
                         "guidance-distilled models", 0.0};
  Param<std::string> sampler{*this, "sampler", "ddim", "ddim, euler or ddpm (Stable Diffusion; FLUX: flow-match Euler)",
                             std::nullopt, {"ddim", "euler", "ddpm"}};
  Param<int> seed{*this, "seed", 0, "seed of the initial noise", 0.0};
  Param<bool> evaluate{*this, "evaluate", true, "compute the metrics"};
  Param<std::string> clip_model{*this, "clip_model", "builtin:tiny-clip", "CLIP folder for clip_score, clip_i, kid"};
  Param<std::string> oracle{*this, "oracle", "builtin:scene-oracle", "classifier for style/disaster_accuracy"};
  Param<std::string> reference_data{*this, "reference_data", "",
                                    "images for clip_i and kid (data reference; empty: none)"};
  Param<int> kid_subset_size{*this, "kid_subset_size", 0, "KID subset size (0: the smaller set's size)", 0.0};
  // Added after stores existed: at its default it leaves job ids as they were.
  AddedParam<std::string> aerial_class{
      *this, "aerial_class", "",
      "aerial class the images should show: the prompt when `prompt` is empty, and metric class_accuracy (CLIP "
      "zero-shot with clip_model over the 38 classes)",
      std::nullopt, aerial_class_choices()};
  // FLUX folders only (FluxPipeline's true_cfg_scale and max_sequence_length).
  AddedParam<double> true_cfg{*this, "true_cfg", 1.0,
                              "FLUX: true classifier-free guidance with negative_prompt when above 1", 0.0};
  AddedParam<int> max_sequence_length{*this, "max_sequence_length", 0,
                                      "FLUX: T5 tokens (0: 512, or tokenizer_2's shorter model_max_length)", 0.0};
  AddedParam<std::string> dtype{*this, "dtype", "float32",
                                "float32 | float16 | bfloat16: UNet and text encoder weights and autocast in that type "
                                "(diffusers' torch_dtype; the VAE and the evaluators stay float32)",
                                std::nullopt, {"float32", "float16", "bfloat16"}};
  ExternalLoRAsParam loras{*this};
  ExternalEmbeddingsParam embeddings{*this};

 private:
  // "" (none) or one of the aerial world's classes.
  static std::vector<std::string> aerial_class_choices() {
    std::vector<std::string> classes = aerial_class_names();
    classes.insert(classes.begin(), "");
    return classes;
  }
  // "" (no style) or a scene style.
  static std::vector<std::string> style_choices() {
    std::vector<std::string> styles = scene_style_names();
    styles.insert(styles.begin(), "");
    return styles;
  }
};

}  // namespace tunegrid
