// all_reduce_timing.cpp — see all_reduce_timing.h.
#include "workers/parallel/all_reduce_timing.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <vector>

#include "workers/parallel/communicator.h"
#include "workers/parallel/data_parallel.h"

namespace tunegrid {

AllReduceTiming time_all_reduce(Communicator& group, std::int64_t bytes, int iterations, int warmup) {
  at::Tensor buffer =
      at::ones({std::max<std::int64_t>(1, bytes / 4)}, at::TensorOptions(at::kFloat).device(group.device()));
  for (int i = 0; i < warmup; ++i) group.all_reduce(buffer, ReduceOp::sum);
  std::vector<double> times;
  for (int i = 0; i < iterations; ++i) {
    group.barrier();
    const auto start = std::chrono::steady_clock::now();
    group.all_reduce(buffer, ReduceOp::sum);
    const double mine = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    times.push_back(group_max_seconds(group, mine));
  }
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
  AllReduceTiming timing;
  timing.seconds = times[times.size() / 2];
  const double n = group.size();
  timing.algbw_gbs = static_cast<double>(buffer.numel() * 4) / timing.seconds / 1e9;
  timing.busbw_gbs = timing.algbw_gbs * 2 * (n - 1) / n;
  return timing;
}

}  // namespace tunegrid
