// site_config.h — a site's defaults for `tunegrid slurm` (cluster/site.toml, or --site FILE):
// how ranks are launched inside the allocation, the warning signal, how often a stopped
// run is requeued, default resources, and shell lines the batch script runs first
// (module loads, environments). Every key is optional; unknown keys and wrong types are
// InputErrors naming the file, line and key.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace tunegrid {

struct SiteConfig {
  std::string file;                   // where it was read from ("": built-in defaults)
  std::string launcher = "mpirun";    // "mpirun" (OpenMPI inside the allocation) or "srun"
  std::string mpi = "pmix";           // with srun: srun --mpi=<this>
  std::string signal = "B:USR2@120";  // sbatch --signal: [B:]USR2|TERM@seconds before the time limit
  int max_requeues = 3;               // requeues of a stopped run (exit 3) before giving up
  int nodes = 1;
  int gpus_per_node = 0;              // one rank per GPU; 0: tasks_per_node CPU ranks per node
  int tasks_per_node = 1;
  int cpus_per_task = 0;              // 0: Slurm's default
  std::string time = "01:00:00";      // sbatch --time
  std::string partition, account, qos;  // empty: not given
  std::vector<std::string> mpirun_args{"--bind-to", "none"};  // after `mpirun -np N`
  std::vector<std::string> srun_args;                         // after `srun --mpi=...`
  std::vector<std::string> sbatch_args;  // extra #SBATCH options, e.g. "--constraint=a100"
  std::vector<std::string> setup;        // shell lines run before the launch

  int ranks_per_node() const { return gpus_per_node > 0 ? gpus_per_node : tasks_per_node; }
};

// Reads `file` over the built-in defaults.
SiteConfig load_site_config(const std::filesystem::path& file);

// The site file used without --site: $TUNEGRID_SITE, else cluster/site.toml of the source
// tree this binary was built from (`source_dir`), when it exists; else built-in defaults.
SiteConfig default_site_config(const std::filesystem::path& source_dir);

// Checks the fields that the command line may also set; throws InputError naming `origin`.
void check_site_config(const SiteConfig& site, const std::string& origin);

// The signal name of `signal` ("B:USR2@120" -> "USR2").
std::string signal_name(const std::string& signal);

}  // namespace tunegrid
