// stopwatch.h — wall-clock seconds on the steady clock, for the per-phase timings jobs
// record (load, train, sample, evaluate) and the progress lines of long loops.
#pragma once
#include <chrono>

namespace tunegrid {

using SteadyTime = std::chrono::steady_clock::time_point;

inline double seconds_since(SteadyTime start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace tunegrid
