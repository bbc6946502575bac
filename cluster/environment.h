// environment.h — where this process was launched from: under Slurm (srun / sbatch),
// under OpenMPI's mpirun, or standalone. Read from the launcher's variables (SLURM_JOB_ID,
// SLURM_PROCID, SLURM_LOCALID, SLURM_NTASKS, SLURM_RESTART_COUNT; OMPI_COMM_WORLD_RANK,
// _SIZE, _LOCAL_RANK); shown in the run's log and recorded in every shard.
#pragma once
#include <map>
#include <string>

namespace tunegrid {

struct LaunchEnvironment {
  std::string launcher = "standalone";  // "slurm", "openmpi" or "standalone"
  int rank = 0, size = 1, local_rank = 0;
  std::string slurm_job_id;             // empty outside Slurm
  int restart_count = 0;                // SLURM_RESTART_COUNT (requeues)

  std::map<std::string, std::string> facts() const;  // for shards
  std::string describe() const;                      // one log line
};

LaunchEnvironment detect_environment();

}  // namespace tunegrid
