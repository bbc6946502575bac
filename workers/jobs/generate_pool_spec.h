// generate_pool_spec.h — the parameters of `generate.pool`, declared once (core/job_params.h):
// generate_pool_spec.cpp publishes them, generate_pool.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct GeneratePoolParams : ParamList {
  Param<std::string> model{*this, "model", "builtin:tiny-flux", "FLUX folder or builtin:tiny-flux"};
  Param<std::string> finetuned{*this, "finetuned", "",
                               "stage of the finetune.flux_lora job whose result generates (empty: model)"};
  Param<std::vector<std::string>> classes{*this, "classes", {},
                                          "aerial classes to generate (empty: all 38)"};
  Param<int> images_per_class{*this, "images_per_class", 10, "images of each class", 1.0};
  Param<std::string> prompt{*this, "prompt", "",
                            "prompt with {} for the class with its article, \"a runway\" (empty: \"an aerial image "
                            "of {}\"); {concept}: the finetuned result's concept text"};
  Param<int> steps{*this, "steps", 25, "sampler steps", 1.0};
  Param<double> guidance{*this, "guidance", 3.5, "embedded guidance of guidance-distilled models", 0.0};
  Param<double> true_cfg{*this, "true_cfg", 4.0, "true classifier-free guidance with an empty negative prompt (> 1)",
                         0.0};
  Param<int> max_sequence_length{*this, "max_sequence_length", 0,
                                 "T5 tokens (0: 512, or tokenizer_2's shorter model_max_length)", 0.0};
  Param<int> batch{*this, "batch", 16, "images per sampling call", 1.0};
  Param<int> seed{*this, "seed", 0, "seed of the first call's noise (call k of class c: a seed of its own)", 0.0};
};

}  // namespace tunegrid
