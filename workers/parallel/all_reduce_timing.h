// all_reduce_timing.h — the bandwidth of an in-place all-reduce (sum) of float32 over a
// Communicator, with nccl-tests' definitions (doc/PERFORMANCE.md):
//   algbw = size / time,   busbw = algbw · 2(n − 1) / n   (n ranks)
// where time is the median of `iterations` timed all-reduces after `warmup` (every rank
// starts each one after a barrier; the slowest rank's time counts). Shared by
// bench.allreduce and bench.devices; every rank of the communicator must call it.
#pragma once
#include <cstdint>

namespace tunegrid {

class Communicator;

struct AllReduceTiming {
  double seconds = 0;            // median
  double algbw_gbs = 0, busbw_gbs = 0;  // GB/s, 10⁹ bytes
};

AllReduceTiming time_all_reduce(Communicator& group, std::int64_t bytes, int iterations, int warmup);

}  // namespace tunegrid
