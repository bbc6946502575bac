// reproducible_kernels.cpp — see reproducible_kernels.h.
#include "core/reproducible_kernels.h"

#include <cstdlib>

namespace tunegrid {

namespace {
constexpr const char* kModeVariable = "TUNEGRID_REPRODUCIBLE_KERNELS";
}  // namespace

const std::vector<std::pair<std::string, std::string>>& reproducible_kernel_settings() {
  static const std::vector<std::pair<std::string, std::string>> settings = {{"ATEN_CPU_CAPABILITY", "default"},
                                                                            {"MKL_CBWR", "COMPATIBLE"},
                                                                            {"ONEDNN_MAX_CPU_ISA", "SSE41"},
                                                                            {"DNNL_MAX_CPU_ISA", "SSE41"},
                                                                            {kModeVariable, "1"}};
  return settings;
}

std::string pin_cpu_kernels() {
  std::string line = "reproducible kernels:";
  for (const auto& [name, value] : reproducible_kernel_settings()) {
    if (name == kModeVariable) {
      ::setenv(name.c_str(), value.c_str(), 1);
      continue;
    }
    const char* before = std::getenv(name.c_str());
    line += " " + name + "=" + value;
    if (before && value != before) line += std::string(" (was ") + before + ")";
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  return line;
}

bool cpu_kernels_pinned() {
  const char* mode = std::getenv(kModeVariable);
  return mode && std::string(mode) == "1";
}

}  // namespace tunegrid
