// temp_dir.h — a fresh directory for one test, under the system's temporary directory
// ($TMPDIR, else /tmp), removed with everything in it when the test ends: the one fixture the
// test files share for files they write.
#pragma once
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace tunegrid::testing {

struct TempDir {
  // `name` makes the directory recognisable when a test is stopped in a debugger:
  // <tmp>/tunegrid-<name>-XXXXXX.
  explicit TempDir(const std::string& name = "test") {
    std::string pattern = (std::filesystem::temp_directory_path() / ("tunegrid-" + name + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory " + pattern);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::filesystem::path operator/(const std::string& name) const { return path / name; }

  std::filesystem::path path;
};

}  // namespace tunegrid::testing
