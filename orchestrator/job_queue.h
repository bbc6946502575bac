// job_queue.h — the scheduler's bookkeeping, free of MPI so it can be tested alone.
// A job is waiting (for its needs), ready, running, done, failed or skipped (a job it needs
// failed). Ready jobs are handed out in plan order. A failed attempt is retried while
// attempts remain, preferably on a group that has not failed it yet: a group is kept away
// from a job it failed as long as some other group has not failed it, and not before its
// backoff has passed (`retry_backoff` seconds after the first failure here, doubling with
// each further one). A preempted job is released: back to ready, the attempt not counted.
#pragma once
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/plan.h"
#include "core/result_index.h"

namespace tunegrid {

enum class JobState { waiting, ready, running, done, failed, skipped };

struct Assignment {
  std::size_t job = 0;
  int attempt = 1;
  bool last_attempt = true;  // a failure now is final: the worker writes a failed shard
};

class JobQueue {
 public:
  // `earlier`: the shards earlier runs left (core/result_index.h): a job whose shard says
  // done is kept, never rerun; a failed one's attempts go on from its shard's. Shards of jobs
  // not in the plan are ignored.
  JobQueue(const Plan& plan, const std::vector<ShardEntry>& earlier, int retries, int groups,
           double retry_backoff = 0);

  // The clock backoffs are measured on, in seconds (default: the steady clock; tests set one).
  void set_clock(std::function<double()> clock) { clock_ = std::move(clock); }

  std::optional<Assignment> next_for(int group);

  // Records an attempt's end. Returns true if the job is settled (done or finally failed).
  bool finish(std::size_t job, int group, bool ok);
  // A running job that stopped for a stop request: ready again, as if never handed out.
  void release(std::size_t job);
  // Jobs neither done nor finally failed nor skipped.
  std::size_t unfinished() const { return jobs_.size() - done_ - failed_ - skipped_; }

  // Nothing is running and nothing can become ready: the run is over.
  bool settled() const { return running_ == 0 && ready_.empty(); }

  JobState state(std::size_t job) const { return jobs_[job].state; }
  const std::string& skip_reason(std::size_t job) const { return jobs_[job].skip_reason; }
  std::size_t total() const { return jobs_.size(); }
  std::size_t kept() const { return kept_; }
  std::size_t count(JobState state) const;
  std::size_t running() const { return running_; }

 private:
  struct Entry {
    JobState state = JobState::waiting;
    std::size_t unmet_needs = 0;
    int attempts = 0;        // attempts made, including earlier runs
    int attempts_here = 0;   // attempts made in this run
    std::set<int> failed_on;
    std::vector<std::size_t> dependents;
    std::string skip_reason;
    double not_before = 0;   // clock time before which a retry is not handed out
  };
  void mark_done(std::size_t job);
  void skip_dependents(std::size_t job);

  const Plan& plan_;
  std::vector<Entry> jobs_;
  std::set<std::size_t> ready_;
  int retries_, groups_;
  double retry_backoff_;
  std::function<double()> clock_;
  std::size_t running_ = 0, kept_ = 0, done_ = 0, failed_ = 0, skipped_ = 0;
};

}  // namespace tunegrid
