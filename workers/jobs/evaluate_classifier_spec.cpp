// evaluate_classifier_spec.cpp — the parameters of `evaluate.classifier` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in evaluate_classifier.cpp.
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec evaluate_classifier_spec() {
  KindSpec spec;
  spec.name = "evaluate.classifier";
  spec.doc = "Top-1 accuracy of a classifier (conv classifier or zero-shot CLIP) on labelled builtin images.";
  spec.outputs = "metrics `accuracy`, `test_images`";
  spec.params = {
      {"classifier", ParamType::string, Value("builtin:scene-oracle"),
       "conv classifier folder, or a CLIP folder for zero-shot", std::nullopt, {}},
      {"data", ParamType::string, Value("builtin:scenes?count=600&seed=77"), "labelled test images (data reference)",
       std::nullopt, {}},
      {"label", ParamType::string, Value("style"), "the label to predict", std::nullopt,
       {"style", "disaster", "terrain", "time", "class"}},
      {"size", ParamType::integer, Value(32), "image size", 16.0, {}},
  };
  return spec;
}

}  // namespace tunegrid
