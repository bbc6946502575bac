// worker_loop.cpp — see worker_loop.h.
#include "orchestrator/worker_loop.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>

#include "core/job_progress.h"
#include "core/log.h"
#include "core/shard_writer.h"
#include "core/stop_request.h"
#include "core/text.h"
#include "orchestrator/job_runners.h"
#include "orchestrator/messages.h"
#include "orchestrator/mpi_session.h"

namespace tunegrid {

namespace {

using Clock = std::chrono::steady_clock;

// The group leader tells the scheduler where its job's long loop is (core/job_progress.h):
// at most once a second, and at the loop's last step.
class ProgressForwarder {
 public:
  ProgressForwarder(MPI_Comm comm, std::int64_t job, std::int64_t& sent) : comm_(comm), job_(job), sent_(sent) {
    set_job_step_listener([this](const std::string& phase, long step, long total) { forward(phase, step, total); });
  }
  ~ProgressForwarder() { set_job_step_listener({}); }
  ProgressForwarder(const ProgressForwarder&) = delete;
  ProgressForwarder& operator=(const ProgressForwarder&) = delete;

 private:
  void forward(const std::string& phase, long step, long total) {
    const auto now = Clock::now();
    if (phase != phase_) {
      phase_ = phase;
      phase_start_ = now;
    }
    if (step != total && now - last_sent_ < std::chrono::seconds(1)) return;
    last_sent_ = now;
    JobProgressNote note{job_, step, total, std::chrono::duration<double>(now - phase_start_).count(), phase};
    send_bytes(comm_, 0, kTagProgress, encode(note));
    ++sent_;
  }

  MPI_Comm comm_;
  std::int64_t job_;
  std::int64_t& sent_;
  std::string phase_;
  Clock::time_point phase_start_, last_sent_;
};

// The job's context on this rank: its group, artifact folder and its upstream jobs' folders.
JobContext context_for(const WorkerSetup& setup, const Job& job, const JobOrder& order) {
  const RankGroups& groups = setup.groups;
  JobContext context(job);
  context.attempt = order.attempt;
  context.group = groups.comm();
  context.group_rank = groups.group_rank;
  context.group_size = groups.group_size;
  context.artifacts = setup.store / "artifacts" / job.id;
  for (const std::size_t need : job.needs) {
    const Job& upstream = setup.plan.jobs.at(need);
    context.upstream.push_back({upstream.stage, setup.store / "artifacts" / upstream.id, upstream.coordinates});
  }
  return context;
}

ShardHeader header_for(const WorkerSetup& setup, const Job& job, const JobOrder& order) {
  ShardHeader header;
  header.job_id = job.id;
  header.kind = job.kind;
  header.attempt = order.attempt;
  header.host = host_name();
  header.ranks = setup.groups.group_size;
  header.spec = setup.plan.spec_toml(job);
  header.params = job.coordinates;
  header.environment = setup.environment;
  header.started_at = utc_timestamp_now();
  return header;
}

// How one attempt ended on this rank (and then on its whole group).
struct Outcome {
  bool ok = true, preempted = false;
  std::string error;
  double seconds = 0;
};

// Runs the job under its deadline; any exception becomes the outcome's error.
Outcome run_job(const WorkerSetup& setup, JobRunners& runners, JobContext& context, const JobOrder& order) {
  const Job& job = context.job;
  Outcome outcome;
  const auto start = Clock::now();
  try {
    log::debug("worker", "job {} {} [{}] attempt {} starts", job.id, job.kind, job.coordinates_text(), order.attempt);
    JobDeadline deadline(setup.job_timeout);
    runners.run(context);
  } catch (const Preempted& stop) {
    outcome = {false, true, stop.what()};
  } catch (const std::exception& problem) {
    outcome = {false, false, problem.what()};
  } catch (...) {
    outcome = {false, false, "the job threw something that is not a std::exception"};
  }
  outcome.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (outcome.ok && setup.job_timeout > 0 && outcome.seconds > setup.job_timeout) {
    outcome.ok = false;
    outcome.error = fmt::format("job {} {} ran {:.1f} s, longer than the job timeout of {:g} s ([run] job_timeout); "
                                "its kind does not stop at the deadline, so it was failed when it returned",
                                job.id, job.kind, outcome.seconds, setup.job_timeout);
  }
  return outcome;
}

// The job succeeded only if it did on every rank of the group (failed < preempted < done).
void agree_within_group(const RankGroups& groups, Outcome& outcome) {
  if (groups.group_size == 1) return;
  int mine = outcome.ok ? 2 : outcome.preempted ? 1 : 0, all = 0;
  TUNEGRID_MPI(MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, groups.comm()));
  if (mine <= all) return;
  outcome.ok = false;
  outcome.preempted = all == 1;
  outcome.error = outcome.preempted ? "the job was stopped on another rank of its group"
                                    : "the job failed on another rank of its group (see that rank's log)";
}

// The group leader writes the shard of a finished attempt (done, or failed for the last time).
void write_job_shard(const WorkerSetup& setup, ShardHeader& header, JobContext& context, double dispatch_seconds,
                     Outcome& outcome, JobReport& report) {
  header.finished_at = utc_timestamp_now();
  header.environment["device"] = context.device;
  header.status = outcome.ok ? JobStatus::done : JobStatus::failed;
  header.error = outcome.error;
  context.outputs.timings["total"] = outcome.seconds;
  context.outputs.timings["dispatch"] = dispatch_seconds;
  try {
    write_shard(setup.store, header, context.outputs);
    report.shard_written = true;
  } catch (const std::exception& problem) {
    outcome.ok = false;
    outcome.error = (outcome.error.empty() ? "" : outcome.error + "; ") + "its shard could not be written: " +
                    problem.what();
  }
}

JobReport execute(const WorkerSetup& setup, JobRunners& runners, const JobOrder& order, double dispatch_seconds,
                  std::int64_t& notes_sent) {
  const Job& job = setup.plan.jobs.at(static_cast<std::size_t>(order.job));
  const RankGroups& groups = setup.groups;
  JobContext context = context_for(setup, job, order);
  ShardHeader header = header_for(setup, job, order);
  const double one_off_before = one_off_seconds();
  std::optional<ProgressForwarder> progress;
  if (groups.leader()) progress.emplace(setup.scheduler_comm, order.job, notes_sent);
  Outcome outcome = run_job(setup, runners, context, order);
  for (const auto& [name, value] : runners.last_run_facts()) header.environment[name] = value;
  progress.reset();
  agree_within_group(groups, outcome);
  if (!groups.leader()) {
    if (!outcome.ok && !outcome.preempted) log::warn("worker", "job {} failed on this rank: {}", job.id, outcome.error);
    return {};
  }
  JobReport report;
  report.job = order.job;
  report.attempt = order.attempt;
  report.seconds = outcome.seconds;
  report.one_off_seconds = one_off_seconds() - one_off_before;
  report.dispatch_seconds = dispatch_seconds;
  if (outcome.preempted) {
    log::info("worker", "{}", outcome.error);
    report.preempted = true;
    report.error = outcome.error;
    return report;
  }
  if (outcome.ok || order.last_attempt) write_job_shard(setup, header, context, dispatch_seconds, outcome, report);
  report.ok = outcome.ok;
  report.error = outcome.error;
  return report;
}

}  // namespace

void run_worker_loop(const WorkerSetup& setup) {
  const RankGroups& groups = setup.groups;
  JobRunners runners(setup.local_rank, setup.reproducible_kernels);
  JobReport last;
  std::int64_t notes_sent = 0;
  while (true) {
    std::string bytes;
    double dispatch_seconds = 0;
    if (groups.leader()) {
      const auto asked = Clock::now();
      last.stopping = stop_requested();
      last.notes_sent = notes_sent;
      send_bytes(setup.scheduler_comm, 0, kTagRequest, encode(last));
      bytes = receive_bytes(setup.scheduler_comm, 0, kTagReply);
      const double round_trip = std::chrono::duration<double>(Clock::now() - asked).count();
      dispatch_seconds = std::max(0.0, round_trip - decode_order(bytes).held_seconds);
    }
    if (groups.group_size > 1) broadcast_bytes(groups.comm(), bytes);
    const JobOrder order = decode_order(bytes);
    if (order.stop) break;
    last = execute(setup, runners, order, dispatch_seconds, notes_sent);
  }
}

}  // namespace tunegrid
