// compute_threads.h — how many CPU threads a tunegrid process computes with.
//
// libtorch (the torch wheel: ATen on OpenMP, matrix products in MKL, which follows
// at::set_num_threads) gets the CPUs this process may run on (its affinity mask), shared
// evenly between the ranks of one node when mpirun or srun left the ranks unbound, so that
// ranks do not oversubscribe the cores. OMP_NUM_THREADS, when set, decides as usual. Applied
// once, when a rank first loads libtorch (workers/torch_plugin.cpp); docs/benchmarks.md "CPU threads"
// has the measurements behind it.
#pragma once
#include <string>

namespace tunegrid {

// Applies the policy above; returns a one-line description for the run log.
std::string use_available_cpus();

}  // namespace tunegrid
