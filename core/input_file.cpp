// input_file.cpp — see input_file.h.
#include "core/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/errors.h"

namespace tunegrid {

namespace {

std::string describe_mode(mode_t mode) {
  if (S_ISDIR(mode)) return "is a directory";
  if (S_ISFIFO(mode)) return "is a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "is a character device";
  if (S_ISBLK(mode)) return "is a block device";
  if (S_ISSOCK(mode)) return "is a socket";
  return "is not a regular file";
}

std::string describe_stat_error(int error) {
  if (error == ENOENT) return "does not exist";
  if (error == ELOOP) return "is a loop of symbolic links";
  if (error == ENOTDIR) return "does not exist (a component of the path is not a directory)";
  return fmt::format("cannot be read: {}", std::strerror(error));
}

}  // namespace

std::string describe_non_regular_file(const std::filesystem::path& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return describe_stat_error(errno);
  if (!S_ISREG(info.st_mode)) return describe_mode(info.st_mode);
  return "";
}

std::string read_input_file(const std::filesystem::path& path, const std::string& role, std::size_t max_bytes) {
  const std::string name = path.string();
  if (name.empty()) throw InputError(fmt::format("the {} path is empty", role));
  const std::string what = describe_non_regular_file(path);
  if (!what.empty()) throw InputError(fmt::format("{}: {} {}; expected a readable file", name, role, what));
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw InputError(fmt::format("{}: {} cannot be opened: {}", name, role, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))  // replaced between stat and open
    throw InputError(fmt::format("{}: {} is not a regular file", name, role));
  if (static_cast<std::size_t>(info.st_size) > max_bytes)
    throw InputError(fmt::format("{}: {} is {} bytes; tunegrid reads such files up to {} MiB", name, role,
                                 info.st_size, max_bytes >> 20));
  std::string text;
  char buffer[65536];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw InputError(fmt::format("{}: {} cannot be read: {}", name, role, std::strerror(errno)));
    }
    if (got == 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > max_bytes)  // grew while being read
      throw InputError(fmt::format("{}: {} is over {} MiB; tunegrid reads such files up to that size", name, role,
                                   max_bytes >> 20));
  }
  return text;
}

}  // namespace tunegrid
