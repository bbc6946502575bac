// compute_threads.cpp — see compute_threads.h.
#include "workers/parallel/compute_threads.h"

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace tunegrid {

namespace {

int positive_env(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  return (*end == '\0' && value > 0 && value < 1 << 16) ? static_cast<int>(value) : 0;
}

// Ranks started on this node by mpirun (OpenMPI, MPICH) or srun; 1 when alone.
int ranks_on_this_node() {
  for (const char* name : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const int n = positive_env(name)) return n;
  return 1;
}

}  // namespace

std::string use_available_cpus() {
  if (const char* env = std::getenv("OMP_NUM_THREADS"); env && *env)
    return fmt::format("libtorch on {} thread(s) (OMP_NUM_THREADS={})", at::get_num_threads(), env);
  cpu_set_t set;
  CPU_ZERO(&set);
  int allowed = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 0;
  const int machine = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (allowed <= 0) allowed = machine;
  int threads = allowed;
  const int ranks = ranks_on_this_node();
  // Unbound ranks all see the whole machine: share it instead of oversubscribing it.
  if (ranks > 1 && allowed >= machine) threads = std::max(1, allowed / ranks);
  at::set_num_threads(threads);
  return fmt::format("libtorch on {} thread(s) ({} CPU(s) allowed, {} rank(s) on this node)", threads, allowed, ranks);
}

}  // namespace tunegrid
