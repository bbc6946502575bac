// atomic_file.cpp — see atomic_file.h.
#include "core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/errors.h"

namespace tunegrid {

void fsync_path(const std::filesystem::path& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw StoreError(fmt::format("{}: cannot open to sync: {}", path.string(), std::strerror(errno)));
  const int status = ::fsync(fd);
  const int saved = errno;
  ::close(fd);
  if (status != 0) throw StoreError(fmt::format("{}: fsync failed: {}", path.string(), std::strerror(saved)));
}

void publish_file(const std::filesystem::path& temporary, const std::filesystem::path& target) {
  std::error_code error;
  try {
    fsync_path(temporary, false);
  } catch (...) {
    std::filesystem::remove(temporary, error);
    throw;
  }
  std::filesystem::rename(temporary, target, error);
  if (error) {
    const std::string why = error.message();
    std::filesystem::remove(temporary, error);
    throw StoreError(fmt::format("{}: cannot rename into place: {}", target.string(), why));
  }
  fsync_path(target.parent_path().empty() ? "." : target.parent_path(), true);
}

std::filesystem::path temporary_beside(const std::filesystem::path& target) {
  return target.parent_path() / fmt::format(".{}.tmp-{}", target.filename().string(), static_cast<long>(::getpid()));
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  const auto temporary = temporary_beside(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << contents;
    out.flush();
    if (!out) {
      std::error_code error;
      std::filesystem::remove(temporary, error);
      throw StoreError(fmt::format("{}: cannot write", temporary.string()));
    }
  }
  publish_file(temporary, path);
}

}  // namespace tunegrid
