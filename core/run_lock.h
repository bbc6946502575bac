// run_lock.h — DIR/run.lock, held (flock) for as long as a run writes into DIR, so a second
// run on the same DIR is refused with a message naming the holder. A run killed with -9
// releases it with its process, so the next run starts without manual cleanup. The file is
// never removed (a free lock is an empty run.lock): removing it would let two runs lock two
// different files of the same name.
#pragma once
#include <filesystem>
#include <string>

namespace tunegrid {

class RunLock {
 public:
  // Throws InputError when another process holds the lock.
  explicit RunLock(const std::filesystem::path& store);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace tunegrid
