// train_classifier_spec.cpp — the parameters of `train.classifier` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in
// train_classifier_job.cpp.
#include "workers/job_specs.h"
#include "workers/jobs/train_classifier_spec.h"

namespace tunegrid {

KindSpec train_classifier_spec() {
  KindSpec spec;
  spec.name = "train.classifier";
  spec.doc = "Trains an image classifier (ViT, conv, or CLIP with LoRA: DataDream's) on real and synthetic images "
             "and tests it on real ones.";
  spec.outputs = "metrics `accuracy`, `accuracy.<class>` per class, `train_real`, `train_synthetic`, "
                 "`test_images`; the confusion matrix `matrices/confusion` (row = true class); loss per step; timings `train` (data, training, test); artifact `classifier/` "
                 "(a transformers ViTForImageClassification folder, a conv classifier folder, or a peft adapter folder for clip); no "
                 "loss with clip and steps = 0 (zero-shot)";
  spec.params = TrainClassifierParams().specs();
  return spec;
}

}  // namespace tunegrid
