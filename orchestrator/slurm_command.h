// slurm_command.h — `tunegrid slurm EXP.toml [--profile P] [--set k=v]... [--out DIR]
// [--nodes N] [--gpus-per-node G] [--tasks-per-node T] [--cpus-per-task C] [--time T]
// [--partition P] [--account A] [--qos Q] [--site FILE] [--dry-run | --submit]`:
// checks the experiment (bad input exits 2 now, not in the queue), then writes
// DIR/submit.sbatch (cluster/slurm_script.h) — prints it instead with --dry-run (nothing
// written), or writes and submits it with --submit (`sbatch --parsable`) and prints the job
// id on stdout. Site defaults: --site FILE, else $TUNEGRID_SITE, else cluster/site.toml.
#pragma once
#include <string>

#include "orchestrator/run_command.h"

namespace tunegrid {

struct SlurmRequest {
  RunRequest run;  // experiment, profile, sets, out
  std::string site;
  int nodes = -1, gpus_per_node = -1, tasks_per_node = -1, cpus_per_task = -1;  // -1: the site's
  std::string time, partition, account, qos;                                    // empty: the site's
  bool dry_run = false, submit = false;
};

int slurm_command(const SlurmRequest& request);

}  // namespace tunegrid
