// errors.h — the exception types that decide a run's exit code (DESIGN.md "Errors").
//   InputError: bad input (config, files, arguments, locked or unwritable DIR) -> exit 2.
//               The message names the file and line or the key, and what was expected.
//   StoreError: a result-store file that cannot be read or written.
// Anything thrown inside a job becomes that job's `failed` record instead.
#pragma once
#include <stdexcept>
#include <string>

namespace tunegrid {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Exit codes of every `tunegrid` command (DESIGN.md "Command line"). stopped: a stop signal
// (SIGUSR2, SIGTERM) ended the run before every job settled — run it again (the batch script
// of `tunegrid slurm` requeues); aborted: an internal error (MPI, the scheduler) ended it.
// Finished jobs are kept either way.
enum class ExitCode : int { all_done = 0, some_failed = 1, bad_input = 2, stopped = 3, aborted = 4 };

}  // namespace tunegrid
