// thread_count_guard.h — sets libtorch's intra-op thread count (its OpenMP pool, which also
// sizes MKL's) for one benchmark job and gives it back when the job ends, however it ends:
// the count is process-wide, and a job's `threads` must not leak into the later jobs of its
// rank.
#pragma once
#include <ATen/Parallel.h>

namespace tunegrid {

class ThreadCountGuard {
 public:
  // threads <= 0 leaves libtorch alone.
  explicit ThreadCountGuard(long threads) : previous_(at::get_num_threads()) {
    if (threads > 0) {
      changed_ = true;
      at::set_num_threads(static_cast<int>(threads));
    }
  }
  ~ThreadCountGuard() {
    try {
      if (changed_) at::set_num_threads(previous_);
    } catch (...) {  // a destructor must not throw; the next job sets its own count anyway
    }
  }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int previous_;
  bool changed_ = false;
};

}  // namespace tunegrid
