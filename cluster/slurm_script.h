// slurm_script.h — the batch script `tunegrid slurm` writes to DIR/submit.sbatch: one
// allocation (nodes × ranks per node, one rank per GPU), `tunegrid run` launched inside it
// by mpirun or `srun --mpi=...` (site config), `--signal=B:USR2@120` and `--requeue`, the
// log appended to DIR/logs/slurm-%j.out across requeues.
//
// Stops and requeues: the warning signal goes to the batch shell only (B:), so the script
// runs the launcher in the background and forwards USR2 (and TERM) to it — mpirun and srun
// pass it on to every rank — and keeps waiting. tunegrid stops at the next step boundary
// and exits 3 (core/errors.h ExitCode::stopped); the script then runs
// `scontrol requeue "$SLURM_JOB_ID"` while SLURM_RESTART_COUNT < max_requeues, and the
// requeued job resumes in DIR. Other exit codes are the job's.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "cluster/site_config.h"

namespace tunegrid {

struct SbatchInput {
  SiteConfig site;                    // resources already overridden by the command line
  std::string job_name;               // sbatch --job-name
  std::filesystem::path out;          // the run's DIR (absolute)
  std::filesystem::path workdir;      // where the run starts (absolute)
  std::filesystem::path tunegrid;     // the binary (absolute)
  std::vector<std::string> run_args;  // after `tunegrid`: run EXP --out DIR [--profile P] [--set k=v]...
  std::string origin;                 // what made it (the header comment)
};

std::string sbatch_script(const SbatchInput& input);

// `text` as one shell word: bare when it is made of safe characters, else single-quoted.
std::string shell_quote(const std::string& text);

}  // namespace tunegrid
