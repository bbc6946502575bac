// evaluate_classifier_spec.h — the parameters of `evaluate.classifier`, declared once (core/job_params.h):
// evaluate_classifier_spec.cpp publishes them, evaluate_classifier.cpp reads them. No torch.
#pragma once
#include <string>
#include <vector>

#include "core/job_params.h"

namespace tunegrid {

struct EvaluateClassifierParams : ParamList {
  Param<std::string> classifier{*this, "classifier", "builtin:scene-oracle",
                                "conv classifier folder, or a CLIP folder for zero-shot"};
  Param<std::string> data{*this, "data", "builtin:scenes?count=600&seed=77", "labelled test images (data reference)"};
  Param<std::string> label{*this, "label", "style", "the label to predict", std::nullopt,
                           {"style", "disaster", "terrain", "time", "class"}};
  Param<int> size{*this, "size", 32, "image size", 16.0};
};

}  // namespace tunegrid
