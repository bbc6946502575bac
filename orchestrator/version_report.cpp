// version_report.cpp — see version_report.h.
#include "orchestrator/version_report.h"

#include <hdf5.h>
#include <mpi.h>

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "core/errors.h"
#include "orchestrator/torch_plugin.h"

namespace tunegrid {

namespace {

std::string mpi_version() {
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  MPI_Get_library_version(mpi, &length);  // allowed before MPI_Init
  std::string text(mpi, static_cast<std::size_t>(length));
  if (const auto end = text.find_first_of(",\n"); end != std::string::npos) text.resize(end);
  return text;
}

}  // namespace

VersionReport version_report() {
  unsigned major = 0, minor = 0, release = 0;
  H5get_libversion(&major, &minor, &release);
  VersionReport report;
  report.text = fmt::format("tunegrid {} ({} build)\nMPI: {}\nHDF5 {}.{}.{}\n", TUNEGRID_VERSION, TUNEGRID_BUILD_TYPE,
                            mpi_version(), major, minor, release);
  try {
    const TorchPluginApi& torch = torch_plugin();
    report.text += torch.describe();
    torch.start();  // checks the versions loaded against the build's
  } catch (const std::exception& problem) {
    report.problem = problem.what();
  }
  return report;
}

int version_command() {
  const VersionReport report = version_report();
  std::fputs(report.text.c_str(), stdout);
  if (report.problem.empty()) return 0;
  std::fflush(stdout);
  std::fputs(fmt::format("tunegrid: error: {}\n", report.problem).c_str(), stderr);
  return static_cast<int>(ExitCode::aborted);
}

}  // namespace tunegrid
