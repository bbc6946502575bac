// sample_spec.cpp — the parameters of `sample` (no torch: the command line checks experiment
// files against them without loading libtorch); the kind runs in sample.cpp.
#include "workers/job_specs.h"
#include "workers/jobs/sample_spec.h"

namespace tunegrid {

KindSpec sample_spec() {
  KindSpec spec;
  spec.name = "sample";
  spec.doc = "Samples one prompt from a Stable Diffusion or FLUX model and evaluates the images (CLIP score, oracle, "
             "aerial class, KID).";
  spec.outputs = "metrics `clip_score`, `clip_score_100`; with `style`: `style_accuracy`, `disaster_accuracy`; with `aerial_class`: `class_accuracy`; with `reference_data`: `clip_i`, `kid`, `kid_std`; images `/images/samples`";
  spec.params = SampleParams().specs();
  return spec;
}

}  // namespace tunegrid
