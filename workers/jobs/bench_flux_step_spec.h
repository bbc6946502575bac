// bench_flux_step_spec.h — the parameters of `bench.flux_step`, declared once (core/job_params.h):
// bench_flux_step_spec.cpp publishes them, bench_flux_step.cpp reads them. No torch.
#pragma once
#include "core/job_params.h"

namespace tunegrid {

struct FluxStepParams : ParamList {
  Param<int> num_layers{*this, "num_layers", 2, "double-stream blocks", 0.0};
  Param<int> num_single_layers{*this, "num_single_layers", 4, "single-stream blocks", 0.0};
  Param<int> num_attention_heads{*this, "num_attention_heads", 4, "attention heads", 1.0};
  Param<int> attention_head_dim{*this, "attention_head_dim", 16,
                                "width of a head, even (the RoPE axes split it as FLUX.1's 16:56:56)", 8.0};
  Param<int> latent_channels{*this, "latent_channels", 16, "VAE latent channels (packed 2×2: 4× this in)", 1.0};
  Param<int> text_width{*this, "text_width", 64, "T5 width (joint_attention_dim) and CLIP pooled width", 1.0};
  Param<int> text_tokens{*this, "text_tokens", 16, "T5 tokens per caption", 1.0};
  Param<int> latent_size{*this, "latent_size", 8, "latent height and width, even (builtin images: 32 px / 4)", 2.0};
  Param<int> batch{*this, "batch", 32, "examples per step", 1.0};
  Param<int> steps{*this, "steps", 10, "timed steps (the median counts)", 1.0};
  Param<int> warmup{*this, "warmup", 2, "untimed steps first", 0.0};
  Param<int> threads{*this, "threads", 0, "intra-op threads (0: leave libtorch's setting)", 0.0};
  Param<int> seed{*this, "seed", 0, "seed of the weights and the random batch", 0.0};
};

}  // namespace tunegrid
