// stop_protocol.h — how one stop signal stops a whole run (docs/running.md, "Stopping"). A stop signal
// (SIGUSR2, SIGTERM) may reach any rank: mpirun forwards it to every rank, but Slurm's
// `scancel --signal` or an operator's `kill` can reach just one. Then:
//   - a rank other than 0 tells rank 0 (one message, sent by a watcher thread within ~20 ms
//     whatever the rank is doing: in a job that polls, in one that does not, or idle);
//   - rank 0 — which learns of a stop from its own signal, such a message, or a preempted
//     job's report — records the stop for its own worker too (core/stop_request.h) and sends
//     every other rank a notice; each rank picks it up the next time its job polls.
// All messages travel on the protocol's own communicator, and finish() completes every one
// of them (by counting what was sent, not by hoping nothing is in flight) before it is freed.
#pragma once
#include <mpi.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "orchestrator/mpi_session.h"

namespace tunegrid {

class StopProtocol {
 public:
  // Collective over `world`. Installs this rank's stop poller (core/stop_request.h) and, on
  // ranks other than 0, starts the watcher thread.
  StopProtocol(MPI_Comm world, int rank, int size);
  // Stops the watcher; finish() must have run (it is collective) for the messages to complete.
  ~StopProtocol();
  StopProtocol(const StopProtocol&) = delete;
  StopProtocol& operator=(const StopProtocol&) = delete;

  // Rank 0 (the scheduler, once it stops): records the stop here and notifies every other
  // rank. Idempotent.
  void notify_all_ranks();

  // Collective, at the end of the run: completes every message this protocol sent.
  void finish();

 private:
  void watch();                  // ranks != 0: forward a local stop signal to rank 0, once
  bool poll_rank0_requests();    // rank 0's poller: a stop request from some rank?
  bool poll_notice();            // other ranks' poller: rank 0's notice?

  OwnedComm comm_;
  int rank_, size_;
  std::mutex mutex_;             // guards the counters below (the poller runs on two threads)
  int requests_received_ = 0;    // rank 0
  bool notice_received_ = false;  // ranks != 0
  bool request_sent_ = false;     // ranks != 0, written by the watcher
  std::vector<MPI_Request> notices_;  // rank 0: one per other rank once notified
  std::thread watcher_;
  std::mutex watcher_mutex_;
  std::condition_variable watcher_wake_;
  bool watcher_stop_ = false;
  bool finished_ = false;
};

}  // namespace tunegrid
