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

// Exit codes of every `tunegrid` command (DESIGN.md "Command line").
enum class ExitCode : int { all_done = 0, some_failed = 1, bad_input = 2 };

}  // namespace tunegrid
