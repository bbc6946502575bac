// version_report.h — what `tunegrid --version` prints: tunegrid's version and build type, MPI
// and HDF5, and — loading libtorch for it (torch_plugin.h) — libtorch, the CUDA runtime,
// cuDNN and NCCL as loaded (with the files they came from) and the GPUs visible, so a bug
// report or a cluster check says exactly what ran.
#pragma once
#include <string>

namespace tunegrid {

struct VersionReport {
  std::string text;     // for stdout
  std::string problem;  // why libtorch could not be loaded or is not the build's; empty when fine
};

VersionReport version_report();

// Prints the report; returns 0, or ExitCode::aborted after naming the problem on stderr.
int version_command();

}  // namespace tunegrid
