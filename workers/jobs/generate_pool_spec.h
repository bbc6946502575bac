// generate_pool_spec.h — the parameters of `generate.pool`, declared once (core/job_params.h):
// generate_pool_spec.cpp publishes them, generate_pool.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct GeneratePoolParams : ParamList {
  Param<std::string> model{*this, "model", "builtin:tiny-flux",
                           "FLUX or Stable Diffusion folder, or builtin:tiny-flux / builtin:tiny-sd"};
  Param<std::string> finetuned{*this, "finetuned", "",
                               "stage of the fine-tuning job whose result generates (empty: model); several jobs "
                               "of it, one per class (class_axis), draw a class each"};
  Param<std::string> class_axis{*this, "class_axis", "class",
                                "grid axis whose value names the class of each per-class finetuned job"};
  Param<std::vector<std::string>> classes{*this, "classes", {},
                                          "classes to generate, each a folder of the pool (empty: the per-class "
                                          "finetuned jobs' classes, else all 38 aerial classes)"};
  Param<int> images_per_class{*this, "images_per_class", 10, "images of each class", 1.0};
  Param<std::string> prompt{*this, "prompt", "",
                            "prompt with {} for the class with its article, \"a runway\", \"an apartment building\" "
                            "(empty: \"an aerial image of {}\"); {concept}: the finetuned result's concept text"};
  Param<int> steps{*this, "steps", 25, "sampler steps", 1.0};
  Param<double> guidance{*this, "guidance", 3.5, "Stable Diffusion: classifier-free guidance scale; FLUX: "
                           "the embedded guidance of guidance-distilled models", 0.0};
  Param<double> true_cfg{*this, "true_cfg", 4.0, "FLUX: true classifier-free guidance with an empty negative prompt (> 1)",
                         0.0};
  Param<int> max_sequence_length{*this, "max_sequence_length", 0,
                                 "T5 tokens (0: 512, or tokenizer_2's shorter model_max_length)", 0.0};
  Param<int> batch{*this, "batch", 16, "images per sampling call", 1.0};
  Param<int> seed{*this, "seed", 0, "seed of the first call's noise (call k of class c: a seed of its own)", 0.0};
};

}  // namespace tunegrid
