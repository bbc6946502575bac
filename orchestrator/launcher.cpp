// launcher.cpp — the `tunegrid` executable: it blocks the stop signals (SIGUSR2, SIGTERM) and
// executes tunegrid-main from its own folder, the same process with the same arguments. A
// blocked signal stays pending across exec while tunegrid-main's libraries (libtorch, MPI,
// HDF5) load, and is delivered once tunegrid-main has installed its handlers
// (command_line.cpp): Slurm's preemption signal can come at any moment, even at start-up, and
// must make the run stop with exit 3, never kill it. This program links nothing but libc (and
// the C++ runtime).
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/errors.h"

int main(int argc, char** argv) {
  (void)argc;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGUSR2);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, nullptr);

  char self[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string program = "tunegrid-main";
  if (length > 0) {
    const std::string path(self, static_cast<std::size_t>(length));
    program = path.substr(0, path.rfind('/') + 1) + program;
  }
  execv(program.c_str(), argv);
  std::fprintf(stderr, "tunegrid: internal error: cannot execute %s: %s\n", program.c_str(), std::strerror(errno));
  return static_cast<int>(tunegrid::ExitCode::aborted);
}
