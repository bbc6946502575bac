// generate_pool_spec.cpp — the parameters of `generate.pool` (no torch); the kind runs in generate_pool.cpp.
#include "workers/job_specs.h"
#include "workers/jobs/generate_pool_spec.h"

namespace tunegrid {

KindSpec generate_pool_spec() {
  KindSpec spec;
  spec.name = "generate.pool";
  spec.doc = "Generates a class-balanced synthetic image pool with a FLUX or Stable Diffusion model or a fine-tuning "
             "result (one per class when per-class jobs fan in) as class folders that later jobs read as data "
             "(artifact:<stage>).";
  spec.outputs = "artifact `pool/<class>/NNNNN.png` (+ .txt prompt) and `pool_sheet.png` (a row of each class's first 8 "
                 "images; also images `pool_sheet`); metrics `images`; timings `generate`";
  spec.params = GeneratePoolParams().specs();
  return spec;
}

}  // namespace tunegrid
