// worker_loop.h — what every rank does during a run. The group leader asks the scheduler
// for work and passes each order to its group; all ranks of the group run the job; the
// leader writes the shard (done, or failed on the last attempt) and reports back. A job
// that stops for a stop request (core/stop_request.h: Preempted) is reported as preempted:
// no shard, no attempt used. `job_timeout` arms the job's deadline; a job of a kind that
// does not poll it and returns late is failed when it returns (its outputs are dropped).
#pragma once
#include <mpi.h>

#include <filesystem>
#include <map>
#include <string>

#include "core/plan.h"
#include "orchestrator/rank_groups.h"

namespace tunegrid {

struct WorkerSetup {
  const Plan& plan;
  MPI_Comm scheduler_comm;  // to world rank 0's scheduler
  const RankGroups& groups;
  std::filesystem::path store;
  int local_rank = 0;                              // picks this rank's GPU (job_runners.h)
  std::map<std::string, std::string> environment;  // recorded in shards, with the job's device
  double job_timeout = 0;                          // seconds ([run] job_timeout; 0: none)
  bool reproducible_kernels = false;               // [run] reproducible_kernels (job_runners.h)
};

void run_worker_loop(const WorkerSetup& setup);

}  // namespace tunegrid
