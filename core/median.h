// median.h — the median of a sample (the mean of the middle two for an even count), as the
// benchmarks report times and the cluster benchmark compares devices with their peers.
#pragma once
#include <algorithm>
#include <vector>

namespace tunegrid {

// `values` must not be empty.
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

}  // namespace tunegrid
