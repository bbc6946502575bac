// stop_request.h — asking a run to stop early, and a job to stop at its deadline.
//
// Preemption and time limits: SIGUSR2 (what `tunegrid slurm`'s batch script forwards,
// `--signal=B:USR2@120`) or SIGTERM (Slurm's preemption and scancel) only record the signal
// — the handler is async-signal-safe, it sets an atomic — and everything else polls:
// rank 0's scheduler stops dispatching, and a running job stops at its next step boundary
// (the fine-tuning loop writes a checkpoint first) by throwing Preempted, which the worker
// reports as preempted — not failed, no shard, not an attempt. The run then exits with
// ExitCode::stopped (3), and running it again (or `scontrol requeue`) carries on.
// A rank that did not get the signal learns it from rank 0 through the poller the
// orchestrator registers (an MPI probe; core has no MPI).
//
// Job timeout (`[run] job_timeout`): the worker arms a JobDeadline around each job; the
// loops that poll (fine-tuning steps, bench.noop's sleep) throw JobTimedOut past it, which
// fails the attempt like any error. Nothing is killed: code that does not poll is judged
// when it returns (see orchestrator/worker_loop.cpp).
//
// Group members poll independently; a job whose ranks exchange data every step must agree
// on stopping over its group communicator (no job kind does yet).
#pragma once
#include <functional>
#include <stdexcept>
#include <string>

namespace tunegrid {

// Installs the SIGUSR2 and SIGTERM handlers (idempotent; async-signal-safe to call early).
void install_stop_signal_handlers();

// True once a stop signal arrived (or request_stop was called, or the poller found a
// notice). Cheap: an atomic load, plus the poller when one is set.
bool stop_requested();
// The signal that asked to stop (0: none; kStopNotice: rank 0's notice; kStopFromAnotherRank:
// rank 0 learnt of a stop signal on another rank).
int stop_signal();
constexpr int kStopNotice = -1;
constexpr int kStopFromAnotherRank = -2;
// A real signal delivered to this process (not a notice passed on by another rank).
bool stop_signal_is_local();
// "SIGUSR2", "SIGTERM", "a stop notice from rank 0", "a stop signal on another rank",
// "signal N"; "" when none.
std::string stop_signal_name();
// As if `signal` had arrived (tests, rank 0's notice). The first request wins.
void request_stop(int signal);
// Called by stop_requested() while no stop is recorded; returns the code to record when some
// other rank asked to stop (kStopNotice, kStopFromAnotherRank), else 0. Called under a lock,
// from any thread. Empty function: none.
void set_stop_poller(std::function<int()> poller);

// The job that runs in this process must end `seconds` from now (<= 0: no deadline).
// Armed for the job's lifetime; one job per process at a time.
class JobDeadline {
 public:
  explicit JobDeadline(double seconds);
  ~JobDeadline();
  JobDeadline(const JobDeadline&) = delete;
  JobDeadline& operator=(const JobDeadline&) = delete;
};
bool job_deadline_passed();
double job_timeout_seconds();  // the armed deadline's timeout (0: none)

// A job that stopped because the run is stopping: it runs again (from its checkpoint, if
// it wrote one) when the run is resumed.
class Preempted : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A job that outlived `[run] job_timeout`: a failed attempt.
class JobTimedOut : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class StopKind { none, preempted, timed_out };

// What a job should do at a step boundary: nothing, stop for the run, or stop for its deadline.
StopKind pending_stop();
// Throws Preempted or JobTimedOut (whose message starts with `what`); returns for none.
void throw_for(StopKind kind, const std::string& what);
// pending_stop() then throw_for(): one call per step in loops that keep no state to save.
void throw_if_stop_pending(const std::string& what);

}  // namespace tunegrid
