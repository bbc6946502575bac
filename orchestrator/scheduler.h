// scheduler.h — rank 0's scheduler thread. Dynamic dispatch: an idle group's leader asks
// for work (reporting the job it just finished), and gets the first ready job in plan
// order, or waits until one becomes ready; when nothing is running and nothing can become
// ready, every leader is told to stop. It also keeps the progress line, hands every
// committed shard to the index updater (orchestrator/index_updater.h), and returns the run's
// statistics.
// Stopping (core/stop_request.h): once this process got a stop signal, or a leader reports
// one or a preempted job, no job is handed out any more; every leader is told to stop as
// it asks; after `stop_timeout` seconds of waiting for running jobs the run is ended with
// MPI_Abort (exit code 3, like a clean stop: finished shards are kept, the rest reruns).
#pragma once
#include <mpi.h>

#include <filesystem>
#include <chrono>
#include <functional>
#include <optional>
#include <map>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/progress.h"
#include "core/shard_reader.h"
#include "orchestrator/index_updater.h"
#include "orchestrator/job_queue.h"
#include "orchestrator/messages.h"
#include "orchestrator/rank_groups.h"
#include "orchestrator/run_eta.h"

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
  std::size_t preempted = 0;   // jobs stopped by the stop request (they rerun)
  std::size_t unfinished = 0;  // jobs neither done, failed nor skipped at the end
  std::string stopped_by;      // what stopped the run ("SIGUSR2", ...); empty: not stopped
};

class Scheduler {
 public:
  Scheduler(const Plan& plan, JobQueue& queue, MPI_Comm comm, const RankGroups& groups, IndexUpdater& index);

  // After a stop request: wait at most `timeout` seconds for running jobs; `notify_ranks`
  // tells every other rank (so jobs there stop at their next step boundary too).
  void on_stop(double timeout, std::function<void()> notify_ranks) {
    stop_timeout_ = timeout;
    notify_ranks_ = std::move(notify_ranks);
  }

  RunStats run();

 private:
  void handle_report(const std::string& bytes, int leader, int group);
  void begin_stop(const std::string& why);
  void receive_progress_notes();
  void receive_notes_of(int leader);  // every note the leader said it sent
  ProgressDetail progress_detail();
  bool receive_request();             // a leader's report and request for work, if one came
  void check_stop();                  // a stop signal or request: begin stopping; past the timeout, abort
  void assign_ready_jobs();           // a ready job to each waiting group that has one
  void release_waiting();             // tells every waiting leader there is no more work

  // A group leader waiting for its next job.
  struct Waiting {
    int leader;
    int group;
    std::chrono::steady_clock::time_point since;
    bool fresh;  // arrived in this loop iteration
  };
  std::vector<Waiting> waiting_;
  int stopped_groups_ = 0;
  std::string request_bytes_;
  std::chrono::steady_clock::time_point stop_since_;


  const Plan& plan_;
  JobQueue& queue_;
  MPI_Comm comm_;
  const RankGroups& groups_;
  IndexUpdater& index_;
  bool stop_asked_ = false;  // a report asked to stop (a preempted job, a leader's signal)
  bool stopping_ = false;
  double stop_timeout_ = 90;
  std::function<void()> notify_ranks_;
  RunStats stats_;

  // What each group runs now, for the ETA and the progress line.
  struct RunningJob {
    std::int64_t job = -1;
    std::chrono::steady_clock::time_point since;
    std::optional<JobProgressNote> note;
    std::chrono::steady_clock::time_point note_at;
  };
  std::vector<RunningJob> running_;
  std::map<int, std::int64_t> notes_received_, notes_expected_;  // per leader (world rank)
  std::map<std::string, KindTiming> timings_;                    // kinds finished in this run
  ProgressDetail detail_;
  std::chrono::steady_clock::time_point detail_at_;
};

}  // namespace tunegrid
