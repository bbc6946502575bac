// merge_custom_diffusion_spec.cpp — the parameters of `merge.custom_diffusion` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in merge_custom_diffusion.cpp.
#include "workers/jobs/merge_custom_diffusion_spec.h"
#include "workers/job_specs.h"

namespace tunegrid {

KindSpec merge_custom_diffusion_spec() {
  KindSpec spec;
  spec.name = "merge.custom_diffusion";
  spec.doc = "Custom Diffusion's closed-form merge of several single-concept results.";
  spec.outputs = "metrics `constraint_relative_error`, `regularization_rows`; the merged weights in its artifact folder";
  spec.params = MergeCustomDiffusionParams().specs();
  return spec;
}

}  // namespace tunegrid
