// bench_allreduce.cpp — `bench.allreduce`: the bandwidth of an in-place all-reduce (sum)
// over the job's rank group through the Communicator of its device (MPI on CPUs, NCCL on
// GPUs), for each message size, with nccl-tests' definitions (doc/PERFORMANCE.md):
//   algbw = size / time,   busbw = algbw · 2(n − 1) / n   (n ranks)
// where time is the median of `iterations` timed all-reduces after `warmup` (every rank
// starts each one after a barrier; the slowest rank's time counts). Metrics per size S in
// bytes: `algbw_gbs_<S>`, `busbw_gbs_<S>` (GB/s, 10⁹ bytes) and timings `allreduce_<S>`.
// Run it with [run] ranks_per_job = n (one group; a group of 1 has nothing to measure).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "workers/jobs/bench_allreduce_spec.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/parallel/communicator.h"
#include "workers/parallel/data_parallel.h"

namespace tunegrid {

namespace {

void run_allreduce(JobContext& context) {
  const auto& job = context.job;
  if (context.group_size < 2)
    throw std::runtime_error("bench.allreduce: the job's group has 1 rank; set [run] ranks_per_job to 2 or more");
  auto group = make_communicator(context.group, context.device);
  const AllReduceParams params;
  const int iterations = params.iterations.of(job), warmup = params.warmup.of(job);
  const double n = context.group_size;
  for (const std::int64_t bytes : params.sizes.of(job)) {
    at::Tensor buffer = at::ones({std::max<std::int64_t>(1, bytes / 4)}, at::TensorOptions(at::kFloat).device(group->device()));
    for (int i = 0; i < warmup; ++i) group->all_reduce(buffer, ReduceOp::sum);
    std::vector<double> times;
    for (int i = 0; i < iterations; ++i) {
      group->barrier();
      const auto start = std::chrono::steady_clock::now();
      group->all_reduce(buffer, ReduceOp::sum);
      const double mine = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      times.push_back(group_max_seconds(*group, mine));
    }
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
    const double median = times[times.size() / 2];
    const double algbw = static_cast<double>(buffer.numel() * 4) / median / 1e9;
    context.outputs.metrics[fmt::format("algbw_gbs_{}", bytes)] = algbw;
    context.outputs.metrics[fmt::format("busbw_gbs_{}", bytes)] = algbw * 2 * (n - 1) / n;
    context.outputs.timings[fmt::format("allreduce_{}", bytes)] = median;
  }
  context.outputs.metrics["ranks"] = n;
}

}  // namespace

JobKind bench_allreduce_kind() {
  JobKind kind;
  kind.spec = bench_allreduce_spec();
  kind.run = run_allreduce;
  return kind;
}

}  // namespace tunegrid
