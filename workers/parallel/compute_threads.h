// compute_threads.h — how many CPU threads a tunegrid process computes with.
//
// libtorch sizes its intra-op pool from what cpuinfo calls physical cores, which is 1 on
// some virtual machines with 2 CPUs (this CI machine among them), while OpenBLAS
// (core/blas_threads.h) starts a pool over every CPU. tunegrid sets both once at start:
// libtorch on the CPUs this process may run on (its affinity mask; shared evenly between the
// ranks of one node when mpirun or srun left the ranks unbound) and OpenBLAS on one thread.
// On the 2-core CI machine that made a tiny-UNet training step 1.2x faster than libtorch's
// own default and 2.3x faster than both pools on 2 threads (README "Performance").
// OMP_NUM_THREADS, when set, decides libtorch's count as usual; OPENBLAS_NUM_THREADS
// decides OpenBLAS's.
#pragma once
#include <string>

namespace tunegrid {

// Applies the policy above; returns a one-line description for the run log.
std::string use_available_cpus();

}  // namespace tunegrid
