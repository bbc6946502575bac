// scheduler.cpp — see scheduler.h.
#include "orchestrator/scheduler.h"

#include <chrono>

#include "core/errors.h"
#include "core/log.h"
#include "core/progress.h"
#include "core/result_index.h"
#include "core/stop_request.h"
#include "orchestrator/messages.h"
#include "orchestrator/mpi_session.h"

namespace tunegrid {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }
}  // namespace

const char* indexed_status(const JobReport& report) {
  if (!report.shard_written) return nullptr;
  return report.ok ? "done" : "failed";
}

Scheduler::Scheduler(const Plan& plan, JobQueue& queue, MPI_Comm comm, const RankGroups& groups, IndexUpdater& index)
    : plan_(plan), queue_(queue), comm_(comm), groups_(groups), index_(index), running_(groups.groups) {}

void Scheduler::handle_report(const std::string& bytes, int leader, int group) {
  const JobReport report = decode_report(bytes);
  notes_expected_[leader] = report.notes_sent;
  running_.at(static_cast<std::size_t>(group)) = {};
  if (report.stopping && !stop_asked_) {
    stop_asked_ = true;
    log::info("sched", "group {}'s leader was asked to stop", group);
  }
  if (report.job < 0) return;
  const auto index = static_cast<std::size_t>(report.job);
  const Job& job = plan_.jobs.at(index);
  stats_.dispatch_seconds.push_back(report.dispatch_seconds);
  if (report.preempted) {
    queue_.release(index);
    ++stats_.preempted;
    stop_asked_ = true;
    log::info("sched", "job {} {} [{}] stopped on group {} after {:.1f} s: it continues when the run is resumed",
              job.id, job.kind, job.coordinates_text(), group, report.seconds);
    return;
  }
  auto& kind = stats_.kinds[job.kind];
  kind.first++;
  kind.second += report.seconds;
  if (report.ok) {
    KindTiming& timing = timings_[job.kind];
    timing.seconds += std::max(0.0, report.seconds - report.one_off_seconds);
    ++timing.jobs;
  }
  const bool settled = queue_.finish(index, group, report.ok);
  if (const char* status = indexed_status(report)) {
    ShardEntry entry;
    entry.job_id = job.id;
    entry.kind = job.kind;
    entry.status = status;
    entry.attempt = report.attempt;
    entry.seconds = report.seconds;
    index_.committed(std::move(entry));
  }
  if (report.ok) {
    ++stats_.done_here;
    log::debug("sched", "job {} {} done on group {} in {:.3f} s", job.id, job.kind, group, report.seconds);
    return;
  }
  ++stats_.attempts_failed;
  if (!settled) {
    log::warn("sched", "job {} {} [{}] attempt {} failed on group {}: {} — retrying", job.id, job.kind,
              job.coordinates_text(), report.attempt, group, report.error);
    return;
  }
  ++stats_.failed;
  if (!report.shard_written)
    log::warn("store", "job {} has no shard (writing it failed); the index does not list it", job.id);
  stats_.failures.push_back(fmt::format("{} {} [{}]: {}", job.id, job.kind, job.coordinates_text(), report.error));
  log::error("sched", "job {} {} [{}] failed after {} attempt(s): {}", job.id, job.kind, job.coordinates_text(),
             report.attempt, report.error);
}

void Scheduler::receive_progress_notes() {
  std::string bytes;
  int from = -1;
  while (try_receive_bytes(comm_, MPI_ANY_SOURCE, kTagProgress, bytes, &from)) {
    ++notes_received_[from];
    const JobProgressNote note = decode_progress(bytes);
    RunningJob& running = running_.at(static_cast<std::size_t>(from / groups_.group_size));
    if (running.job != note.job) continue;  // a note that arrived after its job's report
    running.note = note;
    running.note_at = Clock::now();
  }
}

void Scheduler::receive_notes_of(int leader) {
  while (notes_received_[leader] < notes_expected_[leader]) {
    receive_bytes(comm_, leader, kTagProgress);
    ++notes_received_[leader];
  }
}

// The ETA and a running job's activity, at most once a second (counting the pending jobs
// per kind is a pass over the plan).
ProgressDetail Scheduler::progress_detail() {
  const auto now = Clock::now();
  if (now - detail_at_ < std::chrono::seconds(1)) return detail_;
  detail_at_ = now;
  EtaInput input;
  input.groups = groups_.groups;
  input.finished = timings_;
  for (std::size_t i = 0; i < plan_.jobs.size(); ++i)
    if (const JobState state = queue_.state(i); state == JobState::waiting || state == JobState::ready)
      ++input.pending[plan_.jobs[i].kind];
  double longest_left = -1;
  detail_.activity.clear();
  for (const auto& running : running_) {
    if (running.job < 0) continue;
    RunningJobTime time;
    time.kind = plan_.jobs.at(static_cast<std::size_t>(running.job)).kind;
    time.elapsed = seconds_since(running.since);
    if (running.note && running.note->step > 1 && running.note->phase_seconds > 0 && running.note->total > 0) {
      const JobProgressNote& note = *running.note;
      const double left = std::max(0.0, note.phase_seconds / note.step * (note.total - note.step) -
                                            seconds_since(running.note_at));
      time.reported_remaining = left;
      if (left > longest_left) {
        longest_left = left;
        detail_.activity = fmt::format("{} {} step {}/{}, {} left", time.kind, note.phase, note.step, note.total,
                                       format_duration(left));
      }
    }
    input.running.push_back(std::move(time));
  }
  const Eta eta = estimate_eta(input);
  detail_.eta_seconds = eta.seconds ? *eta.seconds : -1;
  detail_.eta_lower_bound = eta.lower_bound;
  return detail_;
}

void Scheduler::begin_stop(const std::string& why) {
  stopping_ = true;
  stats_.stopped_by = why;
  log::warn("sched", "stopping ({}): no new jobs; {} running job(s) stop at their next step boundary or finish "
            "(waiting at most {:g} s)", why, queue_.running(), stop_timeout_);
  if (notify_ranks_) notify_ranks_();
}

bool Scheduler::receive_request() {
  int from = -1;
  if (!try_receive_bytes(comm_, MPI_ANY_SOURCE, kTagRequest, request_bytes_, &from)) return false;
  const int group = from / groups_.group_size;
  handle_report(request_bytes_, from, group);
  waiting_.push_back({from, group, Clock::now(), true});
  return true;
}

void Scheduler::release_waiting() {
  for (const auto& idle : waiting_) {
    receive_notes_of(idle.leader);  // none may be left unreceived at the end
    JobOrder stop;
    stop.stop = true;
    send_bytes(comm_, idle.leader, kTagReply, encode(stop));
    ++stopped_groups_;
  }
  waiting_.clear();
}

void Scheduler::check_stop() {
  if (!stopping_ && (stop_requested() || stop_asked_)) {
    begin_stop(stop_requested() ? stop_signal_name() : "a stop request on another rank");
    stop_since_ = Clock::now();
  }
  if (!stopping_) return;
  release_waiting();
  if (stopped_groups_ < groups_.groups && seconds_since(stop_since_) > stop_timeout_) {
    log::error("sched", "{} job(s) still running {:g} s after the stop request ([run] stop_timeout); ending the "
               "run now — finished jobs are kept, those rerun from their last checkpoint",
               queue_.running(), stop_timeout_);
    index_.write_now();
    log::close_file();
    MPI_Abort(MPI_COMM_WORLD, static_cast<int>(ExitCode::stopped));
  }
}

void Scheduler::assign_ready_jobs() {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    const auto assignment = queue_.next_for(it->group);
    if (!assignment) {
      it->fresh = false;
      ++it;
      continue;
    }
    JobOrder order;
    order.job = static_cast<std::int64_t>(assignment->job);
    order.attempt = assignment->attempt;
    order.last_attempt = assignment->last_attempt;
    order.held_seconds = it->fresh ? 0.0 : seconds_since(it->since);
    running_.at(static_cast<std::size_t>(it->group)) = {order.job, Clock::now(), std::nullopt, {}};
    send_bytes(comm_, it->leader, kTagReply, encode(order));
    it = waiting_.erase(it);
  }
}

RunStats Scheduler::run() {
  const auto start = Clock::now();
  stats_.total = queue_.total();
  stats_.kept = queue_.kept();
  Progress progress(queue_.total(), queue_.kept());
  PollBackoff backoff;
  while (stopped_groups_ < groups_.groups) {
    const bool got = receive_request();
    if (got) backoff.reset();
    check_stop();
    assign_ready_jobs();
    if (queue_.settled()) release_waiting();
    for (auto& idle : waiting_) idle.fresh = false;
    receive_progress_notes();
    progress.update(queue_.count(JobState::done), queue_.running(), queue_.count(JobState::failed), progress_detail());
    if (!got) backoff.wait();
  }
  progress.update(queue_.count(JobState::done), queue_.running(), queue_.count(JobState::failed));
  progress.finish();
  stats_.skipped = queue_.count(JobState::skipped);
  stats_.unfinished = queue_.unfinished();
  stats_.wall_seconds = seconds_since(start);
  return stats_;
}

}  // namespace tunegrid
