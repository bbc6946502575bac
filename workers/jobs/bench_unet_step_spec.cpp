// bench_unet_step_spec.cpp — the parameters of `bench.unet_step` (no torch: the command line
// checks experiment files against them without loading libtorch); the kind runs in bench_unet_step.cpp.
#include "workers/jobs/job_specs.h"

namespace tunegrid {

KindSpec bench_unet_step_spec() {
  KindSpec spec;
  spec.name = "bench.unet_step";
  spec.doc = "Times a UNet training step (forward, MSE loss, backward, AdamW); records step_ms.";
  spec.outputs = "metrics `step_ms` (median), `step_ms_min`, `params`, `threads`; timings `forward`, `backward`, `optimizer`, `step`";
  spec.params = {
      {"config", ParamType::string, Value("tiny"),
       "tiny: the tiny-sd fixture UNet (16, 32); small: block_out_channels (64, 128, 256)", std::nullopt,
       {"tiny", "small"}},
      {"batch", ParamType::integer, Value(1), "latents per step", 1.0, {}},
      {"latent_size", ParamType::integer, Value(0), "latent height and width (0: 16 for tiny, 32 for small)", 0.0, {}},
      {"steps", ParamType::integer, Value(10), "timed steps (the median counts)", 1.0, {}},
      {"warmup", ParamType::integer, Value(2), "untimed steps first", 0.0, {}},
      {"threads", ParamType::integer, Value(0), "intra-op threads (0: leave libtorch's setting)", 0.0, {}},
      {"seed", ParamType::integer, Value(0), "seed of the weights and the random batch", 0.0, {}},
  };
  return spec;
}

}  // namespace tunegrid
