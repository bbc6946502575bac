// bench_matmul.cpp — `bench.matmul`: times libtorch matrix products C = A·B of square
// n×n matrices for each configured size and dtype on the job's device, and records
// GFLOP/s (2n³ flops per product, best of `repeats` timed runs after `warmup`) as metrics
// `gflops_<n>` and the best time per product as timings `matmul_<n>`.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "workers/jobs/bench_matmul_spec.h"
#include "workers/jobs/best_seconds.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/jobs/thread_count_guard.h"

namespace tunegrid {

namespace {

at::ScalarType scalar_type(const std::string& dtype) {
  if (dtype == "float32") return at::kFloat;
  if (dtype == "float64") return at::kDouble;
  if (dtype == "bfloat16") return at::kBFloat16;
  return at::kHalf;
}

void run_matmul(JobContext& context) {
  const auto& job = context.job;
  const MatmulParams params;
  const std::string dtype = params.dtype.of(job);
  const int repeats = params.repeats.of(job);
  const int warmup = params.warmup.of(job);
  const int threads = params.threads.of(job);
  const at::Device device(context.device);
  if (dtype == "float16" && device.is_cpu())
    throw std::runtime_error("bench.matmul: float16 matrix products need a GPU; use float32, float64 or bfloat16 on CPU");
  const ThreadCountGuard thread_guard(threads);
  const auto options = at::TensorOptions().dtype(scalar_type(dtype)).device(device);
  at::manual_seed(static_cast<std::uint64_t>(params.seed.of(job)));

  for (const std::int64_t n : params.sizes.of(job)) {
    const at::Tensor a = at::randn({n, n}, options);
    const at::Tensor b = at::randn({n, n}, options);
    // Reading a value back forces completion on asynchronous devices.
    const double best = best_seconds(warmup, repeats, [&] { (void)at::mm(a, b).sum().item<double>(); });
    const double flops = 2.0 * static_cast<double>(n) * n * n;
    context.outputs.metrics[fmt::format("gflops_{}", n)] = flops / best / 1e9;
    context.outputs.timings[fmt::format("matmul_{}", n)] = best;
  }
  context.outputs.metrics["threads"] = at::get_num_threads();
}

}  // namespace

JobKind bench_matmul_kind() {
  JobKind kind;
  kind.spec = bench_matmul_spec();
  kind.run = run_matmul;
  return kind;
}

}  // namespace tunegrid
