// version_report.h — what `tunegrid --version` prints: tunegrid's version and build type,
// and the versions of the libraries it runs on (libtorch and its GPU support, MPI, HDF5),
// so a bug report or a cluster check says exactly what ran.
#pragma once
#include <string>

namespace tunegrid {

std::string version_report();

}  // namespace tunegrid
