// blas_threads.cpp — see blas_threads.h.
#include "core/blas_threads.h"

#include <dlfcn.h>
#include <fmt/format.h>

#include <cstdlib>

namespace tunegrid {

namespace {

using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads openblas_set() { return reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")); }
GetThreads openblas_get() { return reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")); }

}  // namespace

int blas_threads() {
  const GetThreads get = openblas_get();
  return get ? get() : 0;
}

void set_blas_threads(int threads) {
  if (threads < 1) return;
  if (const SetThreads set = openblas_set()) set(threads);
}

std::string use_single_threaded_blas() {
  const int before = blas_threads();
  if (before == 0) return "BLAS: not OpenBLAS, thread count left alone";
  if (const char* env = std::getenv("OPENBLAS_NUM_THREADS"); env && *env)
    return fmt::format("BLAS: OpenBLAS on {} thread(s) (OPENBLAS_NUM_THREADS={})", before, env);
  set_blas_threads(1);
  return fmt::format("BLAS: OpenBLAS on 1 thread (was {}; libtorch's own threads parallelise; set "
                     "OPENBLAS_NUM_THREADS to override)",
                     before);
}

}  // namespace tunegrid
