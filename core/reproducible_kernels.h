// reproducible_kernels.h — `[run] reproducible_kernels = true`: before a rank loads libtorch
// (orchestrator/job_runners.cpp), pin the CPU kernels it will pick, whatever the CPU offers
// and whatever the environment asks for, so that a study's numbers depend on the inputs, the
// seeds and the intra-op thread count only (#24: kernel differences between an AVX2 and an
// AVX-512 machine grow through training into different samples):
//   ATEN_CPU_CAPABILITY=default   ATen's portable kernels (no AVX2 / AVX-512 code paths)
//   MKL_CBWR=COMPATIBLE           MKL's conditional numerical reproducibility, its portable path
//   ONEDNN_MAX_CPU_ISA=SSE41      oneDNN (convolutions) without AVX code paths
//   (DNNL_MAX_CPU_ISA=SSE41       the same for oneDNN versions before 2.x)
//   TUNEGRID_REPRODUCIBLE_KERNELS=1   the mode itself: builtin models pretrained in it are
//                                 cached apart (workers/builtin/builtin_models.h), so a pinned
//                                 study never reuses a base model built with the machine's kernels
// Slower than the default mode, which lets libtorch use the fastest kernels of the machine.
// The variables take effect because libtorch reads them on first use, after the plugin loads.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace tunegrid {

// The variables and the values the mode sets.
const std::vector<std::pair<std::string, std::string>>& reproducible_kernel_settings();

// Sets them in this process's environment; returns a line for the log naming each one that
// overrode another value.
std::string pin_cpu_kernels();

// Whether this process runs in the mode (pin_cpu_kernels was called here or in the parent).
bool cpu_kernels_pinned();

}  // namespace tunegrid
