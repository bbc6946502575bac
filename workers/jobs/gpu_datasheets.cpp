// gpu_datasheets.cpp — see gpu_datasheets.h.
#include "workers/jobs/gpu_datasheets.h"

#include <algorithm>
#include <vector>

namespace tunegrid {

namespace {

struct Datasheet {
  std::vector<std::string> tokens;  // every one must be a token of the device name
  double fp32, tf32, bf16, fp16;    // dense TFLOP/s; 0: not supported
};

// First match wins: more specific entries first ("H100 PCIe" before "H100", "L40S" before "L4").
const std::vector<Datasheet>& datasheets() {
  static const std::vector<Datasheet> table = {
      {{"H200"}, 67.0, 494.5, 989.5, 989.5},
      {{"H100", "PCIe"}, 51.0, 378.0, 756.5, 756.5},
      {{"H100", "NVL"}, 60.0, 417.5, 835.5, 835.5},
      {{"H100"}, 67.0, 494.5, 989.5, 989.5},
      {{"A100"}, 19.5, 156.0, 312.0, 312.0},
      {{"L40S"}, 91.6, 183.0, 362.0, 362.0},
      {{"A10"}, 31.2, 62.5, 125.0, 125.0},
      {{"L4"}, 30.3, 60.0, 121.0, 121.0},
      {{"V100", "SXM2"}, 15.7, 0, 0, 125.0},
      {{"V100"}, 14.0, 0, 0, 112.0},
  };
  return table;
}

// "NVIDIA A100-SXM4-80GB" -> NVIDIA, A100, SXM4, 80GB.
std::vector<std::string> tokens_of(const std::string& name) {
  std::vector<std::string> tokens(1);
  for (const char c : name) {
    if (c == ' ' || c == '-') {
      if (!tokens.back().empty()) tokens.emplace_back();
    } else {
      tokens.back() += c;
    }
  }
  return tokens;
}

}  // namespace

std::optional<double> datasheet_tflops(const std::string& gpu_name, const std::string& dtype) {
  const std::vector<std::string> tokens = tokens_of(gpu_name);
  for (const Datasheet& sheet : datasheets()) {
    const bool match = std::all_of(sheet.tokens.begin(), sheet.tokens.end(), [&](const std::string& token) {
      return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
    });
    if (!match) continue;
    const double peak = dtype == "float32" ? sheet.fp32 : dtype == "tf32" ? sheet.tf32 : dtype == "bfloat16" ? sheet.bf16
                        : dtype == "float16" ? sheet.fp16 : 0.0;
    if (peak > 0) return peak;
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace tunegrid
