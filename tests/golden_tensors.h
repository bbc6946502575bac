// golden_tensors.h — the reference tensors of one fixture file (tests/fixtures/<dir>/<name>
// .safetensors, made by a tests/reference/ script), by key, for the parity tests.
#pragma once
#include <filesystem>
#include <string>

#include <ATen/ATen.h>

#include "workers/models/weights.h"

namespace tunegrid::testing {

inline const std::filesystem::path kFixtureRoot = std::filesystem::path(TUNEGRID_SOURCE_DIR) / "tests" / "fixtures";

struct GoldenTensors {
  GoldenTensors(const std::string& dir, const std::string& name)
      : source(kFixtureRoot / dir / (name + ".safetensors")) {}
  at::Tensor operator[](const std::string& key) const { return source.tensor(key); }
  double scalar(const std::string& key) const { return source.tensor(key).to(at::kDouble).item<double>(); }
  WeightSource source;
};

}  // namespace tunegrid::testing
