// process_memory.cpp — see process_memory.h.
#include "core/process_memory.h"

#include <fstream>
#include <sstream>
#include <string>

namespace tunegrid {

void reset_peak_resident_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  if (clear) clear << "5";
}

double peak_resident_megabytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    double kilobytes = 0;
    fields >> kilobytes;
    return kilobytes / 1024.0;
  }
  return 0.0;
}

}  // namespace tunegrid
