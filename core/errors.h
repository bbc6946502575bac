// errors.h — the exception types that decide a run's exit code (docs/design.md, "Conventions").
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

// Exit codes of every `tunegrid` command — the one place they are defined. `tunegrid --help`
// prints kExitCodes, and docs/command-line.md quotes those lines (the test
// e2e.docs_match_commands checks it). Finished jobs are kept whatever the code.
enum class ExitCode : int { all_done = 0, some_failed = 1, bad_input = 2, stopped = 3, aborted = 4 };

struct ExitCodeMeaning {
  ExitCode code;
  const char* meaning;
};

inline constexpr ExitCodeMeaning kExitCodes[] = {
    {ExitCode::all_done, "every job done"},
    {ExitCode::some_failed, "some job failed, or was skipped because a job it needs failed"},
    {ExitCode::bad_input, "bad input: the message names the file, key or line and what was expected; nothing written"},
    {ExitCode::stopped, "stopped by a signal (SIGUSR2, SIGTERM) before every job settled: run it again to carry on"},
    {ExitCode::aborted, "internal error (MPI, the scheduler, a bug to report), or a libtorch / NCCL not the build's"},
};

}  // namespace tunegrid
