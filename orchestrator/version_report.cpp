// version_report.cpp — see version_report.h.
#include "orchestrator/version_report.h"

#include <hdf5.h>
#include <mpi.h>

#include <fmt/format.h>

#include "workers/parallel/devices.h"

namespace tunegrid {

std::string version_report() {
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(mpi, &length);  // allowed before MPI_Init
  std::string mpi_text(mpi, static_cast<std::size_t>(length));
  if (const auto end = mpi_text.find_first_of(",\n"); end != std::string::npos) mpi_text.resize(end);
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("tunegrid {} ({} build)\n{}\n{}\nMPI: {}\nHDF5 {}.{}.{}\n", TUNEGRID_VERSION,
                     TUNEGRID_BUILD_TYPE, libtorch_description(), gpu_support_description(), mpi_text, major, minor,
                     release);
}

}  // namespace tunegrid
