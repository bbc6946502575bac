// thread_count_guard.h — sets libtorch's intra-op thread count (and optionally OpenBLAS's,
// see core/blas_threads.h) for one benchmark job and gives both back when the job ends,
// however it ends: both are process-wide, and a job's `threads` must not leak into the
// later jobs of its rank.
#pragma once
#include <ATen/Parallel.h>

#include "core/blas_threads.h"

namespace tunegrid {

class ThreadCountGuard {
 public:
  // threads <= 0 leaves libtorch alone; blas_threads <= 0 leaves OpenBLAS alone.
  ThreadCountGuard(long threads, long blas_threads)
      : previous_(at::get_num_threads()), previous_blas_(tunegrid::blas_threads()) {
    if (threads > 0) {
      changed_ = true;
      at::set_num_threads(static_cast<int>(threads));
    }
    if (blas_threads > 0 && previous_blas_ > 0) {
      blas_changed_ = true;
      set_blas_threads(static_cast<int>(blas_threads));
    }
  }
  ~ThreadCountGuard() {
    try {
      if (changed_) at::set_num_threads(previous_);
      if (blas_changed_) set_blas_threads(previous_blas_);
    } catch (...) {  // a destructor must not throw; the next job sets its own count anyway
    }
  }
  ThreadCountGuard(const ThreadCountGuard&) = delete;
  ThreadCountGuard& operator=(const ThreadCountGuard&) = delete;

 private:
  int previous_;
  int previous_blas_;
  bool changed_ = false;
  bool blas_changed_ = false;
};

}  // namespace tunegrid
