// best_seconds.h — the benchmarks' "best of N" timing: the fastest of `repeats` runs of a
// piece of work after `warmup` untimed ones (the work itself waits for an asynchronous
// device to finish). Shared by bench.matmul and bench.devices.
#pragma once
#include <algorithm>
#include <chrono>

namespace tunegrid {

template <class Work>
double best_seconds(int warmup, int repeats, Work&& work) {
  for (int i = 0; i < warmup; ++i) work();
  double best = 1e300;
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace tunegrid
