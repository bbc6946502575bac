// gpu_datasheets.h — dense matrix-product peaks of known data-centre GPUs, from NVIDIA's
// datasheets (TFLOP/s without structured sparsity, i.e. half the "with sparsity" figures;
// SXM boards where the name does not say PCIe / NVL): FP32 on CUDA cores, TF32 / BF16 / FP16
// on tensor cores. bench.devices reports a measured throughput as a fraction of these; an
// unknown GPU gets the absolute number only. No torch.
#pragma once
#include <optional>
#include <string>

namespace tunegrid {

// The peak for a CUDA device name (e.g. "NVIDIA H100 80GB HBM3") and a dtype (float32, tf32,
// bfloat16, float16); none for an unknown GPU or a dtype it lacks (V100: no TF32 or BF16).
std::optional<double> datasheet_tflops(const std::string& gpu_name, const std::string& dtype);

}  // namespace tunegrid
