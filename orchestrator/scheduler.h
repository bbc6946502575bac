// scheduler.h — rank 0's scheduler thread. Dynamic dispatch: an idle group's leader asks
// for work (reporting the job it just finished), and gets the first ready job in plan
// order, or waits until one becomes ready; when nothing is running and nothing can become
// ready, every leader is told to stop. It also keeps the progress line and refreshes the
// store's index every few seconds, and returns the run's statistics.
#pragma once
#include <mpi.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/shard_reader.h"
#include "orchestrator/job_queue.h"
#include "orchestrator/messages.h"
#include "orchestrator/rank_groups.h"

namespace tunegrid {

// What the index lists for the job of `report`: "done" or "failed" when the report says its
// shard was committed, else nullptr — the index links only shards that exist (a shard whose
// writing failed is not there; an earlier run's shard of the job, if any, stays listed).
const char* indexed_status(const JobReport& report);

struct RunStats {
  std::size_t total = 0, kept = 0, done_here = 0, failed = 0, skipped = 0, attempts_failed = 0;
  double wall_seconds = 0;
  std::vector<double> dispatch_seconds;                        // one per job order
  std::map<std::string, std::pair<std::size_t, double>> kinds;  // kind -> (jobs run, seconds)
  std::vector<std::string> failures;                           // "id kind coordinates: error"
};

class Scheduler {
 public:
  // `shards`: the readable shards found at start (kept in the index with this run's).
  Scheduler(const Plan& plan, JobQueue& queue, MPI_Comm comm, const RankGroups& groups,
            std::filesystem::path store, const std::vector<ShardSummary>& shards, double index_interval = 5.0);

  RunStats run();

 private:
  void handle_report(const std::string& bytes, int group);
  void write_index_now();

  const Plan& plan_;
  JobQueue& queue_;
  MPI_Comm comm_;
  const RankGroups& groups_;
  std::filesystem::path store_;
  std::map<std::string, std::string> shard_status_;  // job id -> done|failed (what the index lists)
  double index_interval_;
  bool index_dirty_ = true;
  RunStats stats_;
};

}  // namespace tunegrid
