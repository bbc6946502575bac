// bench_allreduce.cpp — `bench.allreduce`: the bandwidth of an in-place all-reduce (sum)
// over the job's rank group through the Communicator of its device (MPI on CPUs, NCCL on
// GPUs), for each message size, with nccl-tests' definitions (all_reduce_timing.h). Metrics per size S in
// bytes: `algbw_gbs_<S>`, `busbw_gbs_<S>` (GB/s, 10⁹ bytes) and timings `allreduce_<S>`.
// Run it with [run] ranks_per_job = n (one group; a group of 1 has nothing to measure).
#include <ATen/ATen.h>
#include <fmt/format.h>

#include <stdexcept>

#include "workers/jobs/bench_allreduce_spec.h"
#include "workers/job_kind.h"
#include "workers/job_specs.h"
#include "workers/parallel/communicator.h"
#include "workers/parallel/all_reduce_timing.h"

namespace tunegrid {

namespace {

void run_allreduce(JobContext& context) {
  const auto& job = context.job;
  if (context.group_size < 2)
    throw std::runtime_error("bench.allreduce: the job's group has 1 rank; set [run] ranks_per_job to 2 or more");
  auto group = make_communicator(context.group, context.device);
  const AllReduceParams params;
  const int iterations = params.iterations.of(job), warmup = params.warmup.of(job);
  for (const std::int64_t bytes : params.sizes.of(job)) {
    const AllReduceTiming timing = time_all_reduce(*group, bytes, iterations, warmup);
    context.outputs.metrics[fmt::format("algbw_gbs_{}", bytes)] = timing.algbw_gbs;
    context.outputs.metrics[fmt::format("busbw_gbs_{}", bytes)] = timing.busbw_gbs;
    context.outputs.timings[fmt::format("allreduce_{}", bytes)] = timing.seconds;
  }
  context.outputs.metrics["ranks"] = context.group_size;
}

}  // namespace

JobKind bench_allreduce_kind() {
  JobKind kind;
  kind.spec = bench_allreduce_spec();
  kind.run = run_allreduce;
  return kind;
}

}  // namespace tunegrid
