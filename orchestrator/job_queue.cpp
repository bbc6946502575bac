// job_queue.cpp — see job_queue.h.
#include "orchestrator/job_queue.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace tunegrid {

JobQueue::JobQueue(const Plan& plan, const std::vector<ShardEntry>& earlier, int retries, int groups,
                   double retry_backoff)
    : plan_(plan), jobs_(plan.jobs.size()), retries_(retries), groups_(groups), retry_backoff_(retry_backoff),
      clock_([] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
      }) {
  for (std::size_t i = 0; i < plan.jobs.size(); ++i)
    for (std::size_t need : plan.jobs[i].needs) jobs_[need].dependents.push_back(i);
  for (const ShardEntry& shard : earlier) {
    const auto position = plan.position_of(shard.job_id);
    if (!position) continue;
    Entry& entry = jobs_[*position];
    if (shard.status != "done") {
      entry.attempts = shard.attempt;
    } else if (entry.state != JobState::done) {
      entry.state = JobState::done;
      ++kept_;
      ++done_;
    }
  }
  // A kept job stays kept even if something it needs must run again.
  for (std::size_t i = 0; i < plan.jobs.size(); ++i) {
    Entry& entry = jobs_[i];
    for (std::size_t need : plan.jobs[i].needs) entry.unmet_needs += jobs_[need].state != JobState::done;
    if (entry.state == JobState::waiting && entry.unmet_needs == 0) {
      entry.state = JobState::ready;
      ready_.insert(i);
    }
  }
}

void JobQueue::mark_done(std::size_t job) {
  jobs_[job].state = JobState::done;
  ++done_;
  for (std::size_t dependent : jobs_[job].dependents) {
    Entry& entry = jobs_[dependent];
    if (--entry.unmet_needs == 0 && entry.state == JobState::waiting) {
      entry.state = JobState::ready;
      ready_.insert(dependent);
    }
  }
}

void JobQueue::skip_dependents(std::size_t job) {
  std::vector<std::size_t> stack(jobs_[job].dependents.begin(), jobs_[job].dependents.end());
  while (!stack.empty()) {
    const std::size_t dependent = stack.back();
    stack.pop_back();
    Entry& entry = jobs_[dependent];
    if (entry.state != JobState::waiting) continue;
    entry.state = JobState::skipped;
    ++skipped_;
    entry.skip_reason = fmt::format("needs job {}, which failed", plan_.jobs[job].id);
    stack.insert(stack.end(), entry.dependents.begin(), entry.dependents.end());
  }
}

std::optional<Assignment> JobQueue::next_for(int group) {
  double now = -1;  // read once, and only when some ready job is backing off
  for (std::size_t job : ready_) {
    const Entry& entry = jobs_[job];
    const bool avoid = entry.failed_on.count(group) && static_cast<int>(entry.failed_on.size()) < groups_;
    if (avoid) continue;
    if (entry.not_before > 0) {
      if (now < 0) now = clock_();
      if (now < entry.not_before) continue;
    }
    ready_.erase(job);
    Entry& chosen = jobs_[job];
    chosen.state = JobState::running;
    ++chosen.attempts;
    ++chosen.attempts_here;
    ++running_;
    Assignment assignment;
    assignment.job = job;
    assignment.attempt = chosen.attempts;
    assignment.last_attempt = chosen.attempts_here > retries_;
    return assignment;
  }
  return std::nullopt;
}

bool JobQueue::finish(std::size_t job, int group, bool ok) {
  Entry& entry = jobs_[job];
  --running_;
  if (ok) {
    mark_done(job);
    return true;
  }
  entry.failed_on.insert(group);
  if (entry.attempts_here <= retries_) {
    if (retry_backoff_ > 0) entry.not_before = clock_() + retry_backoff_ * std::ldexp(1.0, entry.attempts_here - 1);
    entry.state = JobState::ready;
    ready_.insert(job);
    return false;
  }
  entry.state = JobState::failed;
  ++failed_;
  skip_dependents(job);
  return true;
}

void JobQueue::release(std::size_t job) {
  Entry& entry = jobs_[job];
  --running_;
  --entry.attempts;
  --entry.attempts_here;
  entry.state = JobState::ready;
  ready_.insert(job);
}

std::size_t JobQueue::count(JobState state) const {
  switch (state) {
    case JobState::done: return done_;
    case JobState::failed: return failed_;
    case JobState::skipped: return skipped_;
    case JobState::running: return running_;
    default: break;
  }
  std::size_t n = 0;
  for (const auto& entry : jobs_) n += entry.state == state;
  return n;
}

}  // namespace tunegrid
