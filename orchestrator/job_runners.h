// job_runners.h — how a rank runs a job of each kind: the torch-free kinds (bench.noop) in the
// program itself; every other kind from libtunegrid_torch.so (torch_plugin.h), loaded and set
// up (library versions checked, compute threads, this rank's device) the first time the rank
// runs one. The load is one-off work (core/job_progress.h): the run's ETA leaves it out.
#pragma once
#include <map>
#include <string>

#include "workers/job_kind.h"

namespace tunegrid {

class JobRunners {
 public:
  // `reproducible_kernels`: pin libtorch's CPU kernels before loading it (reproducible_kernels.h).
  JobRunners(int local_rank, bool reproducible_kernels)
      : local_rank_(local_rank), reproducible_kernels_(reproducible_kernels) {}

  // Sets context.device and runs the job. Throws what the job throws, and std::runtime_error
  // for a kind no library knows or a libtorch that cannot be loaded.
  void run(JobContext& context);

  // "cpu" or "cuda:N" once libtorch is loaded; "cpu" before.
  const std::string& device() const { return device_; }
  // What the last job's shard records about its libraries and device (torch_libraries.h's
  // device_facts); empty after a torch-free kind.
  const std::map<std::string, std::string>& last_run_facts() const { return last_run_facts_; }

 private:
  void load_torch();

  int local_rank_;
  bool reproducible_kernels_;
  bool torch_loaded_ = false;
  std::string device_ = "cpu";
  std::map<std::string, std::string> device_facts_, last_run_facts_;
};

}  // namespace tunegrid
