// run_lock.cpp — see run_lock.h.
#include "core/run_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/errors.h"
#include "core/text.h"

namespace tunegrid {

RunLock::RunLock(const std::filesystem::path& store) : path_(store / "run.lock") {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0)
    throw InputError(fmt::format("{}: cannot create the run lock: {}", path_.string(), std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    std::ifstream in(path_);
    std::stringstream holder;
    holder << in.rdbuf();
    ::close(fd_);
    fd_ = -1;
    std::string who = holder.str();
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    throw InputError(fmt::format("{}: another run is using this output directory ({}); wait for it to finish or "
                                 "choose another --out",
                                 path_.string(), who.empty() ? "holder unknown" : who));
  }
  const std::string holder = fmt::format("pid {} on {} since {}\n", ::getpid(), host_name(), utc_timestamp_now());
  if (::ftruncate(fd_, 0) == 0 && ::write(fd_, holder.data(), holder.size()) < 0) {
    // The lock itself is what matters; the holder text is only for the message above.
  }
}

RunLock::~RunLock() {
  if (fd_ < 0) return;
  // The file stays: unlinking it would let a process that opened it before the unlink and
  // one that creates a new run.lock after it both "hold" the lock, on different inodes.
  // Only the holder text goes.
  if (::ftruncate(fd_, 0) != 0) {
    // Harmless: the text names a holder that no longer holds the lock.
  }
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace tunegrid
