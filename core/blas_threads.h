// blas_threads.h — the thread count of the BLAS library behind libtorch.
//
// Debian's libtorch does its matrix products through libblas.so.3, which is OpenBLAS here
// (cluster/setup.sh). OpenBLAS built with pthreads keeps a thread pool of its own next to
// libtorch's OpenMP pool, and at::set_num_threads does not size it. Both pools spinning on
// the same cores made a tiny-UNet training step 2.3x slower and the "small" bench UNet's
// 1.4x slower on the 2-core CI machine than with OpenBLAS on one thread (README
// "Performance"), so every tunegrid process starts with OpenBLAS on one thread and lets
// libtorch's intra-op threads do the parallel work — unless the user set
// OPENBLAS_NUM_THREADS, which always wins. The BLAS is chosen by the system at run time, so
// OpenBLAS is looked up with dlsym; with any other BLAS these functions do nothing.
#pragma once
#include <string>

namespace tunegrid {

// OpenBLAS's current thread count, or 0 if libtorch does not use OpenBLAS.
int blas_threads();

// Sets OpenBLAS's thread count (no effect without OpenBLAS).
void set_blas_threads(int threads);

// The process-wide policy above; returns a one-line description for the run log.
std::string use_single_threaded_blas();

}  // namespace tunegrid
