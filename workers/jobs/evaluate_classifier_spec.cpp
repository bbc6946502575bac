// evaluate_classifier_spec.cpp — the parameters of `evaluate.classifier` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in evaluate_classifier.cpp.
#include "workers/jobs/evaluate_classifier_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec evaluate_classifier_spec() {
  KindSpec spec;
  spec.name = "evaluate.classifier";
  spec.doc = "Top-1 accuracy of a classifier (conv classifier or zero-shot CLIP) on labelled builtin images.";
  spec.outputs = "metrics `accuracy`, `test_images`";
  spec.params = EvaluateClassifierParams().specs();
  return spec;
}

}  // namespace tunegrid
