// job_kind_list.h — every job kind tunegrid knows, one line each: the one place a new kind
// is registered. A line X(NAME, RUNS_ON) names the kind's two functions, `KindSpec
// NAME_spec()` (its parameters, in a torch-free <kind>_spec.cpp: the command line checks
// experiment files against it without loading libtorch) and `JobKind NAME_kind()` (its
// runner), and where the runner lives: `torch` (libtunegrid_torch.so, loaded on first use)
// or `torch_free` (libtunegrid_workers_base.so: the `tunegrid` program runs it itself).
// Kinds live in workers/jobs/, fine-tuning methods' kinds beside their method in
// workers/methods/. job_specs.h and job_kind.h (here, below both folders) declare the
// functions from this list; jobs/job_specs.cpp, jobs/job_registry.cpp and
// jobs/torch_free_kinds.cpp collect them.
#pragma once

#define TUNEGRID_JOB_KINDS(X)               \
  X(bench_allreduce, torch)                 \
  X(bench_devices, torch)                   \
  X(bench_flux_step, torch)                 \
  X(bench_matmul, torch)                    \
  X(bench_noop, torch_free)                 \
  X(bench_unet_step, torch)                 \
  X(evaluate_classifier, torch)             \
  X(generate_pool, torch)                   \
  X(pretrain_clip, torch)                   \
  X(pretrain_vae, torch)                    \
  X(pretrain_unet, torch)                   \
  X(pretrain_oracle, torch)                 \
  X(pretrain_flux, torch)                   \
  X(train_classifier, torch)                \
  X(sample, torch)                          \
  X(finetune_textual_inversion, torch)      \
  X(finetune_dreambooth, torch)             \
  X(finetune_lora, torch)                   \
  X(finetune_flux_lora, torch)              \
  X(finetune_hypernetwork, torch)           \
  X(finetune_custom_diffusion, torch)       \
  X(merge_custom_diffusion, torch)
